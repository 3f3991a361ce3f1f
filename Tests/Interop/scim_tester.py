"""scim2-tester's check_server against a Gatehouse SCIM source.

Usage: scim_tester.py BASE_URL TOKEN   (BASE_URL = http://host/source/scim/<slug>/v2)
Prints {"checks": N, "statuses": {...}, "failures": [...]}; exits 1 unless every check is a success.
"""
import json
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base.rstrip("/") + "/", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client, raise_exceptions=False)
    statuses: dict[str, int] = {}
    failures = []
    for result in results:
        name = result.status.name if hasattr(result.status, "name") else str(result.status)
        statuses[name] = statuses.get(name, 0) + 1
        if result.status != Status.SUCCESS:
            failures.append({"title": result.title, "status": name, "reason": str(result.reason)[:500],
                             "resource_type": getattr(result, "resource_type", None)})
    for failure in failures:
        print(f"{failure['status']}: {failure['title']} ({failure['resource_type']}): {failure['reason']}", file=sys.stderr)
    print(json.dumps({"checks": len(results), "statuses": statuses, "failures": failures}))
    return 0 if results and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
