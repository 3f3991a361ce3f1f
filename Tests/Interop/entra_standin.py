#!/usr/bin/env python3
"""An Entra ID (Microsoft identity platform v2.0) stand-in for the federation tests, built on
authlib's JOSE and the standard library's HTTP server. It signs in one configured user without
asking anything and serves, under http://127.0.0.1:PORT:

  /<tenant|common|organizations>/v2.0/.well-known/openid-configuration   discovery (multi-tenant
        endpoints carry the issuer template https://.../{tenantid}/v2.0, as Entra's do)
  /<t>/oauth2/v2.0/authorize     code flow; checks client_id, redirect_uri, S256 challenge
  /<t>/oauth2/v2.0/token         authorization_code (client secret + PKCE verifier checked) and
                                 client_credentials (an app-only token for machine-to-machine)
  /<t>/discovery/v2.0/keys       JWKS (every key ever published, newest first)
  /v1.0/me, /v1.0/me/memberOf    minimal Graph: profile, and memberships two per page with
                                 @odata.nextLink, a directoryRole mixed in
  /_control                      POST JSON: {"mode": ..., "user": {...}, "rotate": true, "slow": seconds}

Modes change the next answer: access_denied, wrong_tenant, bad_signature, expired, nonce_mismatch,
overage (groups only through Graph), or normal.

Usage: entra_standin.py CONFIG.json   (prints {"port": N} on its first line, then serves)
"""
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from authlib.jose import JsonWebKey, jwt

CFG = json.load(open(sys.argv[1]))
TENANT = CFG["tenant"]
STATE = {
    "mode": "normal",
    "user": CFG["user"],
    "keys": [JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "key-1"})],
    "codes": {},
    "tokens": {},
    "slow": 0,
}
LOCK = threading.Lock()
PORT = 0


def base():
    return f"http://127.0.0.1:{PORT}"


def sign(claims, key=None):
    key = key or STATE["keys"][0]
    header = {"alg": "RS256", "kid": key.as_dict()["kid"], "typ": "JWT"}
    return jwt.encode(header, claims, key).decode()


def id_token(code):
    user = STATE["user"]
    mode = STATE["mode"]
    now = int(time.time())
    tid = user.get("tid", TENANT)
    if mode == "wrong_tenant":
        tid = "99999999-9999-9999-9999-999999999999"
    claims = {
        "iss": f"{base()}/{tid}/v2.0", "aud": CFG["client_id"], "sub": "pairwise-" + user["oid"], "oid": user["oid"],
        "tid": tid, "iat": now - 5, "nbf": now - 5, "exp": now + 3600, "nonce": code["nonce"],
        "preferred_username": user["upn"], "name": user["displayName"], "email": user.get("mail"),
        "amr": user.get("amr", ["pwd"]), "ver": "2.0",
    }
    if mode == "expired":
        claims["iat"], claims["nbf"], claims["exp"] = now - 7200, now - 7200, now - 3600
    if mode == "nonce_mismatch":
        claims["nonce"] = "not-the-nonce"
    if mode == "overage":
        claims["_claim_names"] = {"groups": "src1"}
        claims["_claim_sources"] = {"src1": {"endpoint": f"{base()}/v1.0/users/{user['oid']}/getMemberObjects"}}
    else:
        claims["groups"] = [g["id"] for g in user.get("groups", [])]
    key = None
    if mode == "bad_signature":
        # Signed by a key nobody published, under the published kid.
        key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": STATE["keys"][0].as_dict()["kid"]})
    return sign(claims, key)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def tenant_path(self, path):
        parts = path.strip("/").split("/")
        return (parts[0], "/".join(parts[1:])) if parts else ("", "")

    def do_GET(self):
        if STATE["slow"]:
            time.sleep(STATE["slow"])
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        tenant, rest = self.tenant_path(url.path)
        with LOCK:
            if rest == "v2.0/.well-known/openid-configuration":
                issuer = f"{base()}/{{tenantid}}/v2.0" if tenant in ("common", "organizations") else f"{base()}/{tenant}/v2.0"
                return self.send(200, {
                    "issuer": issuer,
                    "authorization_endpoint": f"{base()}/{tenant}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base()}/{tenant}/oauth2/v2.0/token",
                    "jwks_uri": f"{base()}/{tenant}/discovery/v2.0/keys",
                    "response_types_supported": ["code", "id_token", "code id_token"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                })
            if rest == "discovery/v2.0/keys":
                return self.send(200, {"keys": [k.as_dict(is_private=False) for k in STATE["keys"]]})
            if rest == "oauth2/v2.0/authorize":
                return self.authorize(query)
            if url.path == "/v1.0/me":
                user = self.bearer_user()
                if not user:
                    return self.send(401, {"error": {"code": "InvalidAuthenticationToken"}})
                return self.send(200, {"id": user["oid"], "userPrincipalName": user["upn"], "mail": user.get("mail"),
                                       "otherMails": user.get("otherMails", []), "displayName": user["displayName"]})
            if url.path == "/v1.0/me/memberOf":
                user = self.bearer_user()
                if not user:
                    return self.send(401, {"error": {"code": "InvalidAuthenticationToken"}})
                entries = [{"@odata.type": "#microsoft.graph.group", "id": g["id"], "displayName": g["name"]}
                           for g in user.get("groups", [])]
                entries.insert(1, {"@odata.type": "#microsoft.graph.directoryRole", "id": "role-1", "displayName": "Reader"})
                skip = int(query.get("$skiptoken", "0"))
                page = {"value": entries[skip:skip + 2]}
                if skip + 2 < len(entries):
                    page["@odata.nextLink"] = f"{base()}/v1.0/me/memberOf?$skiptoken={skip + 2}"
                return self.send(200, page)
        self.send(404, {"error": "not_found"})

    def bearer_user(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        return STATE["tokens"].get(token)

    def authorize(self, query):
        if query.get("client_id") != CFG["client_id"] or not query.get("redirect_uri"):
            return self.send(400, {"error": "invalid_request"})
        redirect = query["redirect_uri"]
        sep = "&" if "?" in redirect else "?"
        if STATE["mode"] == "access_denied":
            target = redirect + sep + urllib.parse.urlencode({"error": "access_denied", "error_description": "AADSTS65004: User declined to consent.",
                                                               "state": query.get("state", "")})
            return self.send(302, b"", headers={"Location": target})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge") or not query.get("nonce"):
            return self.send(400, {"error": "invalid_request", "error_description": "PKCE S256 and nonce required"})
        code = secrets.token_urlsafe(24)
        STATE["codes"][code] = {"challenge": query["code_challenge"], "nonce": query["nonce"], "redirect_uri": redirect}
        target = redirect + sep + urllib.parse.urlencode({"code": code, "state": query.get("state", ""),
                                                           "session_state": "standin"})
        self.send(302, b"", headers={"Location": target})

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        with LOCK:
            if url.path == "/_control":
                change = json.loads(raw or b"{}")
                if "mode" in change:
                    STATE["mode"] = change["mode"]
                if "user" in change:
                    STATE["user"] = change["user"]
                if "slow" in change:
                    STATE["slow"] = change["slow"]
                if change.get("rotate"):
                    n = len(STATE["keys"]) + 1
                    STATE["keys"].insert(0, JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": f"key-{n}"}))
                return self.send(200, {"ok": True, "kid": STATE["keys"][0].as_dict()["kid"]})
            tenant, rest = self.tenant_path(url.path)
            if rest != "oauth2/v2.0/token":
                return self.send(404, {"error": "not_found"})
            form = dict(urllib.parse.parse_qsl(raw.decode()))
            if form.get("client_id") != CFG["client_id"] or form.get("client_secret") != CFG["client_secret"]:
                return self.send(401, {"error": "invalid_client"})
            if form.get("grant_type") == "client_credentials":
                return self.client_credentials(tenant, form)
            code = STATE["codes"].pop(form.get("code", ""), None)
            if not code or code["redirect_uri"] != form.get("redirect_uri"):
                return self.send(400, {"error": "invalid_grant"})
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != code["challenge"]:
                return self.send(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            access = secrets.token_urlsafe(32)
            STATE["tokens"][access] = STATE["user"]
            return self.send(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": access,
                                   "id_token": id_token(code)})

    def client_credentials(self, tenant, form):
        """An app-only v2.0 access token, as Entra issues for scope=api://<app>/.default."""
        scope = form.get("scope", "")
        audience = scope[:-len("/.default")] if scope.endswith("/.default") else scope
        now = int(time.time())
        claims = {"iss": f"{base()}/{TENANT}/v2.0", "aud": audience, "sub": CFG["service_oid"], "oid": CFG["service_oid"],
                  "azp": CFG["client_id"], "tid": TENANT, "iat": now - 5, "nbf": now - 5, "exp": now + 3600, "ver": "2.0",
                  "roles": ["Gatehouse.Access"]}
        if STATE["mode"] == "expired":
            claims["iat"], claims["nbf"], claims["exp"] = now - 7200, now - 7200, now - 3600
        if STATE["mode"] == "other_app":
            # Another application of the tenant asking for a token to our API.
            claims["azp"] = "11111111-2222-3333-4444-555555555555"
        if STATE["mode"] == "delegated":
            # A user's delegated access token for our API, issued to the allowed application.
            claims.update({"scp": "access_as_user", "idtyp": "user", "sub": "pairwise-user", "oid": STATE["user"]["oid"]})
            claims.pop("roles", None)
        return self.send(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": sign(claims)})


def main():
    global PORT
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    PORT = server.server_address[1]
    print(json.dumps({"port": PORT}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
