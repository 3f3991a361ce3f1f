#!/usr/bin/env bash
# Keeps the import table in Docs/architecture.md true: reads every `import` in Sources/ and
# fails on one the table does not allow for that room (a room missing from the table fails
# too). The table's second column lists module names separated by commas; anything after the
# first "(" or ";" in a cell is a note. "nothing" means no module. Glibc, Musl, Darwin,
# Dispatch and Synchronization (the platform and the standard library's own) are allowed
# everywhere.
#
#   bash Deploy/check-layers.sh              check the tree
#   bash Deploy/check-layers.sh --self-test  plant an upward import in a copy and expect a failure
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check() {
    local sources="$1" doc="$2"
    python3 - "$sources" "$doc" <<'PY'
import os, re, sys
sources, doc = sys.argv[1], sys.argv[2]
always = {"Glibc", "Musl", "Darwin", "Dispatch", "Synchronization", "Swift"}
text = open(doc, encoding="utf-8").read()
section = text.split("## What may import what", 1)
if len(section) != 2:
    sys.exit(f"check-layers: {doc} has no '## What may import what' section")
table = {}
for line in section[1].split("\n## ", 1)[0].splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 2 or cells[0] in ("room", "") or set(cells[0]) <= {"-", ":"}:
        continue
    allowed = re.split(r"[(;]", cells[1], 1)[0]
    names = set()
    for item in allowed.split(","):
        item = item.strip().strip("`")
        if item and item != "nothing":
            names.add(item.split()[0])
    table[cells[0].strip("`")] = names
pattern = re.compile(r"^\s*(?:@[\w(]+\)?\s+)*(?:public\s+|internal\s+|package\s+|private\s+|fileprivate\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)")
problems = []
for room in sorted(os.listdir(sources)):
    path = os.path.join(sources, room)
    if not os.path.isdir(path):
        continue
    swift_files = []
    for root, _, files in os.walk(path):
        swift_files += [os.path.join(root, f) for f in files if f.endswith(".swift")]
    if not swift_files:
        continue  # C module maps and shims
    if room not in table:
        problems.append(f"{room}: not in the import table of {doc}")
        continue
    for file in sorted(swift_files):
        for number, line in enumerate(open(file, encoding="utf-8"), 1):
            match = pattern.match(line)
            if not match:
                continue
            module = match.group(1)
            if module in always or module in table[room]:
                continue
            problems.append(f"{os.path.relpath(file)}:{number}: {room} may not import {module} (allowed: {', '.join(sorted(table[room])) or 'nothing'})")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
PY
}

if [ "${1:-}" = "--self-test" ]; then
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    cp -r Sources "$scratch/Sources"
    check "$scratch/Sources" Docs/architecture.md >/dev/null || { echo "check-layers self-test: the tree itself fails" >&2; exit 1; }
    # An upward import: the wire room reaching for the root.
    printf 'import App\n' >"$scratch/Sources/HTTP/PlantedUpwardImport.swift"
    if check "$scratch/Sources" Docs/architecture.md >"$scratch/out"; then
        echo "check-layers self-test: a planted 'import App' in HTTP was not caught" >&2
        exit 1
    fi
    grep -q "HTTP may not import App" "$scratch/out" || { echo "check-layers self-test: wrong report: $(cat "$scratch/out")" >&2; exit 1; }
    echo "check-layers self-test: the planted upward import was caught"
    exit 0
fi

if check Sources Docs/architecture.md; then
    echo "check-layers: every import is allowed by Docs/architecture.md"
else
    echo "check-layers: imports above break Docs/architecture.md's table" >&2
    exit 1
fi
