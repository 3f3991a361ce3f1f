"""scim-sanity's strict probe against a Gatehouse SCIM source.

Usage: scim_sanity_probe.py BASE_URL TOKEN
Runs `scim-sanity probe BASE_URL --token TOKEN --strict --json-output --i-accept-side-effects`
and prints its summary as one JSON line; exits 1 unless nothing failed, warned or erred.
"""
import contextlib
import io
import json
import sys

from scim_sanity.cli import main as scim_sanity


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    out = io.StringIO()
    sys.argv = ["scim-sanity", "probe", base, "--token", token, "--strict", "--json-output", "--i-accept-side-effects"]
    with contextlib.redirect_stdout(out):
        try:
            scim_sanity()
            status = 0
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else 1
    text = out.getvalue()
    try:
        report = json.loads(text[text.index("{"):])
    except ValueError:
        print(text, file=sys.stderr)
        print(json.dumps({"error": "no JSON report", "status": status}))
        return 1
    summary = report.get("summary", {})
    bad = [r for r in report.get("results", []) if r.get("status") not in ("pass", "skip")]
    for result in bad:
        print(f"{result.get('status')}: {result.get('name')}: {result.get('message', '')}", file=sys.stderr)
    print(json.dumps({"mode": report.get("mode"), "summary": summary, "not_passed": [r.get("name") for r in bad]}))
    ok = status == 0 and summary.get("failed", 1) == 0 and summary.get("errors", 1) == 0 and summary.get("warnings", 1) == 0
    return 0 if ok and summary.get("passed", 0) > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
