"""Replays Entra ID's documented provisioning sequence against a Gatehouse SCIM source.

Usage: scim_entra_replay.py BASE_URL TOKEN MODE
  BASE_URL  http://host/source/scim/<slug>/v2
  MODE      default            Entra ID's default request shapes ("Replace", "False", members removed by value list)
            aadOptscim062020   the shapes with the aadOptscim062020 feature flag (lower-case ops, booleans,
                               one path-less replace with path keys, members[value eq "…"])
The sequence follows Microsoft's "Develop and plan provisioning for a SCIM endpoint" (user and
group operations) and "Known issues for provisioning" (the flag's shapes). Prints one JSON
object; exits 1 on the first response that differs from what Entra ID expects.
"""
import json
import sys
import uuid

import requests

SCIM = "application/scim+json"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Replay:
    def __init__(self, base: str, token: str, mode: str):
        self.base = base.rstrip("/")
        self.mode = mode
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": SCIM, "Accept": SCIM})
        self.steps: list[str] = []

    def call(self, step: str, method: str, path: str, expect: int, body=None, params=None):
        response = self.session.request(method, self.base + path, data=json.dumps(body) if body is not None else None,
                                        params=params, timeout=30)
        if response.status_code != expect:
            raise AssertionError(f"{step}: {method} {path} answered {response.status_code}, expected {expect}: {response.text[:500]}")
        if response.content:
            if not response.headers.get("Content-Type", "").startswith(SCIM):
                raise AssertionError(f"{step}: Content-Type is {response.headers.get('Content-Type')}")
        self.steps.append(step)
        return response.json() if response.content else None

    def op(self, name: str) -> str:
        # Entra ID capitalises operation names by default; the flag makes them lower-case.
        return name.capitalize() if self.mode == "default" else name

    def patch(self, step: str, path: str, operations: list, expect: int = 200):
        return self.call(step, "PATCH", path, expect, {"schemas": [PATCH_SCHEMA], "Operations": operations})

    @staticmethod
    def check(condition: bool, what: str):
        if not condition:
            raise AssertionError(what)

    def run(self) -> dict:
        # Test connection: a filter on a random userName finds nothing.
        probe = self.call("test connection", "GET", "/Users", 200, params={"filter": f'userName eq "{uuid.uuid4()}"'})
        self.check(probe["totalResults"] == 0 and probe["Resources"] == [], "test connection must find nobody")

        tag = uuid.uuid4().hex[:8]
        object_id = str(uuid.uuid4())
        user_name = f"Test_User_{tag}@contoso.com"
        # 1. Is the user there? (Entra ID matches on userName, then on externalId.)
        found = self.call("match userName", "GET", "/Users", 200, params={"filter": f'userName eq "{user_name}"'})
        self.check(found["totalResults"] == 0, "new user must not exist yet")
        created = self.call("create user", "POST", "/Users", 201, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "externalId": object_id, "userName": user_name, "active": True,
            "emails": [{"primary": True, "type": "work", "value": f"Test_User_{tag}@contoso.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [], ENTERPRISE: {"department": "Finance", "employeeNumber": "1001"},
        })
        uid = created["id"]
        self.check(created["userName"] == user_name and created["active"] is True, "created user echoes userName and active")
        self.call("get user", "GET", f"/Users/{uid}", 200)
        by_name = self.call("get user by userName", "GET", "/Users", 200, params={"filter": f'userName eq "{user_name.upper()}"'})
        self.check(by_name["totalResults"] == 1 and by_name["Resources"][0]["id"] == uid, "userName filter is case-insensitive")
        by_ext_quoted = self.call("get user by externalId", "GET", "/Users", 200, params={"filter": f'externalId eq "{object_id}"'})
        by_ext_bare = self.call("get user by bare externalId", "GET", "/Users", 200, params={"filter": f"externalId eq {object_id}"})
        self.check(by_ext_quoted["totalResults"] == 1 and by_ext_bare["totalResults"] == 1, "externalId filter, quoted or not")
        by_mail = self.call("get user by work email", "GET", "/Users", 200,
                            params={"filter": f'emails[type eq "work"].value eq "Test_User_{tag}@contoso.com"'})
        self.check(by_mail["totalResults"] == 1, "emails[type eq work].value filter")
        both = self.call("get user by userName and externalId", "GET", "/Users", 200,
                         params={"filter": f'userName eq "{user_name}" and externalId eq "{object_id}"'})
        self.check(both["totalResults"] == 1, "and filter")
        none = self.call("get user by query - zero results", "GET", "/Users", 200, params={"filter": 'userName eq "non-existent user"'})
        self.check(none["totalResults"] == 0, "no match means an empty list, not 404")

        if self.mode == "default":
            # One operation per attribute, each with a path.
            user = self.patch("update user [multi-valued properties]", f"/Users/{uid}", [
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": f"updated_{tag}@contoso.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            ])
            user = self.patch("update user [single-valued properties]", f"/Users/{uid}", [
                {"op": "Replace", "path": "userName", "value": f"renamed_{tag}@contoso.com"},
                {"op": "Add", "path": "nickName", "value": "Babs"},
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Audit"},
                # Entra ID sends the manager as a bare id.
                {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "0c9a3f7e-manager"},
            ])
        else:
            # One path-less replace with path keys; a path-less add.
            user = self.patch("update user [multi-valued properties]", f"/Users/{uid}", [
                {"op": "replace", "value": {
                    'emails[type eq "work"].value': f"updated_{tag}@contoso.com", "name.familyName": "updatedFamilyName",
                    "name.givenName": "Gtfd", "displayName": "Gtfd updatedFamilyName", "externalId": object_id,
                    f"{ENTERPRISE}:employeeNumber": "2002", f"{ENTERPRISE}:department": "Audit"}},
            ])
            user = self.patch("update user [single-valued properties]", f"/Users/{uid}", [
                {"op": "replace", "path": "userName", "value": f"renamed_{tag}@contoso.com"},
                {"op": "add", "value": {"nickName": "Babs", f"{ENTERPRISE}:manager": "0c9a3f7e-manager"}},
            ])
        self.check(user["userName"] == f"renamed_{tag}@contoso.com", "userName replaced")
        self.check(user["name"]["familyName"] == "updatedFamilyName" and user["name"].get("givenName"), "name.familyName replaced, givenName kept")
        self.check([e["value"] for e in user["emails"] if e.get("type") == "work"] == [f"updated_{tag}@contoso.com"], "work e-mail replaced")
        self.check(user["nickName"] == "Babs" and user[ENTERPRISE]["department"] == "Audit", "added and extension attributes")
        self.check(user[ENTERPRISE]["manager"]["value"] == "0c9a3f7e-manager", "manager sent as a bare id")
        by_new_name = self.call("find renamed user", "GET", "/Users", 200, params={"filter": f'userName eq "renamed_{tag}@contoso.com"'})
        self.check(by_new_name["totalResults"] == 1, "renamed user is found by its new userName")

        # A second user, to be a group member.
        other = self.call("create second user", "POST", "/Users", 201, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": str(uuid.uuid4()),
            "userName": f"Member_{tag}@contoso.com", "active": True})
        duplicate = self.call("duplicate userName", "POST", "/Users", 409, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"member_{tag}@CONTOSO.com"})
        self.check(duplicate.get("scimType") == "uniqueness", "duplicate userName is 409 uniqueness")

        # Groups.
        group_name = f"Group_{tag}"
        gfound = self.call("match group displayName", "GET", "/Groups", 200,
                           params={"excludedAttributes": "members", "filter": f'displayName eq "{group_name}"'})
        self.check(gfound["totalResults"] == 0, "new group must not exist yet")
        group = self.call("create group", "POST", "/Groups", 201, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": str(uuid.uuid4()), "displayName": group_name, "meta": {"resourceType": "Group"}})
        gid = group["id"]
        got = self.call("get group", "GET", f"/Groups/{gid}", 200, params={"excludedAttributes": "members"})
        self.check("members" not in got, "excludedAttributes=members")
        by_display = self.call("get group by displayName", "GET", "/Groups", 200,
                               params={"excludedAttributes": "members", "filter": f'displayName eq "{group_name}"'})
        self.check(by_display["totalResults"] == 1 and "members" not in by_display["Resources"][0], "group found by displayName")
        self.patch("update group [non-member attributes]", f"/Groups/{gid}",
                   [{"op": self.op("replace"), "path": "displayName", "value": f"{group_name}_updated"}])
        self.patch("update group [add members]", f"/Groups/{gid}",
                   [{"op": self.op("add"), "path": "members", "value": [{"$ref": None, "value": uid}, {"$ref": None, "value": other["id"]}]}])
        members = {m["value"] for m in self.call("get group members", "GET", f"/Groups/{gid}", 200).get("members", [])}
        self.check(members == {uid, other["id"]}, f"both members added, got {members}")
        member_of = self.call("user shows its group", "GET", f"/Users/{uid}", 200)
        self.check([g["value"] for g in member_of.get("groups", [])] == [gid], "user's groups lists the group")
        if self.mode == "default":
            self.patch("update group [remove members]", f"/Groups/{gid}",
                       [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": other["id"]}]}])
        else:
            self.patch("update group [remove members]", f"/Groups/{gid}",
                       [{"op": "remove", "path": f'members[value eq "{other["id"]}"]'}])
        members = {m["value"] for m in self.call("get group after removal", "GET", f"/Groups/{gid}", 200).get("members", [])}
        self.check(members == {uid}, f"one member removed, got {members}")

        # Disable: "False" (a string) by default, false with the flag.
        disabled = self.patch("disable user", f"/Users/{uid}",
                              [{"op": "Replace", "path": "active", "value": "False"}] if self.mode == "default"
                              else [{"op": "replace", "path": "active", "value": False}])
        self.check(disabled["active"] is False, "user disabled")
        enabled = self.patch("enable user", f"/Users/{uid}",
                             [{"op": "Replace", "path": "active", "value": "True"}] if self.mode == "default"
                             else [{"op": "replace", "value": {"active": True}}])
        self.check(enabled["active"] is True, "user enabled again")

        # Errors Entra ID relies on.
        bad = self.call("bad filter", "GET", "/Users", 400, params={"filter": 'userName eq "x" and'})
        self.check(bad.get("scimType") == "invalidFilter", "bad filter is invalidFilter")
        self.call("unknown user", "GET", f"/Users/{uuid.uuid4()}", 404)

        self.call("delete group", "DELETE", f"/Groups/{gid}", 204)
        self.call("group gone", "GET", f"/Groups/{gid}", 404)
        self.call("delete user", "DELETE", f"/Users/{uid}", 204)
        self.call("user gone", "GET", f"/Users/{uid}", 404)
        gone = self.call("deleted user not listed", "GET", "/Users", 200, params={"filter": f'externalId eq "{object_id}"'})
        self.check(gone["totalResults"] == 0, "deleted user is not found by externalId")
        self.call("delete second user", "DELETE", f"/Users/{other['id']}", 204)
        return {"mode": self.mode, "steps": len(self.steps), "deleted_user": uid}


def main() -> int:
    base, token, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode not in ("default", "aadOptscim062020"):
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    replay = Replay(base, token, mode)
    try:
        result = replay.run()
    except AssertionError as error:
        print(f"after {len(replay.steps)} steps: {error}", file=sys.stderr)
        print(json.dumps({"mode": mode, "steps": len(replay.steps), "error": str(error)}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
