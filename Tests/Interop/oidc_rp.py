#!/usr/bin/env python3
"""An OIDC relying party built on authlib (and requests as the browser) that drives Gatehouse
the way a real web application does. Every check raises on failure; the last line printed is a
JSON object naming the checks that passed.

Usage: oidc_rp.py CONFIG.json  (see the keys read in main())
"""
import base64
import hashlib
import html
import json
import re
import secrets
import sys
import time
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

PASSED = []


def check(name, condition, detail=""):
    if not condition:
        raise SystemExit(f"FAILED {name}: {detail}")
    PASSED.append(name)


class Browser:
    """A requests session that follows redirects by hand, fills Gatehouse's sign-in pages, and
    stops at the relying party's redirect URI."""

    def __init__(self, base):
        self.base = base
        self.session = requests.Session()
        self.pages_shown = 0

    def absolute(self, location):
        return urllib.parse.urljoin(self.base, location)

    def run_until(self, url, redirect_prefix, username=None, password=None, max_steps=20):
        response = self.session.get(url, allow_redirects=False, timeout=10)
        for _ in range(max_steps):
            if response.status_code in (301, 302, 303, 307, 308):
                location = self.absolute(response.headers["Location"])
                if location.startswith(redirect_prefix):
                    return location
                response = self.session.get(location, allow_redirects=False, timeout=10)
                continue
            if response.status_code == 200 and "<form" in response.text:
                self.pages_shown += 1
                response = self.submit(response, username, password)
                continue
            raise SystemExit(f"FAILED browser: unexpected {response.status_code} at {response.url}: {response.text[:500]}")
        raise SystemExit("FAILED browser: too many steps")

    def submit(self, response, username, password):
        body = response.text
        # The page's own form, not the language switch in the header.
        forms = [f for f in re.finditer(r'<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>', body, re.S)
                 if "/-/i18n/" not in f.group(1)]
        form = forms[0] if forms else None
        if not form:
            raise SystemExit(f"FAILED browser: no form on {response.url}")
        action = self.absolute(html.unescape(form.group(1)))
        fields = {}
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)):
            fields[html.unescape(name)] = html.unescape(value)
        if 'name="uid_field"' in form.group(2):
            fields["uid_field"] = username
        if 'name="password"' in form.group(2) and 'type="password"' in form.group(2):
            fields["password"] = password
        return self.session.post(action, data=fields, allow_redirects=False, timeout=10)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    cfg = json.load(open(sys.argv[1]))
    base = cfg["base"]
    issuer = f"{base}/application/o/{cfg['slug']}/"

    # Discovery from the issuer URL alone, as every library does.
    meta = requests.get(issuer + ".well-known/openid-configuration", timeout=10).json()
    check("discovery.issuer", meta["issuer"] == issuer, meta.get("issuer"))
    check("discovery.code_only", meta["response_types_supported"] == ["code"])
    check("discovery.s256", meta["code_challenge_methods_supported"] == ["S256"])
    rfc8414 = requests.get(f"{base}/.well-known/oauth-authorization-server/application/o/{cfg['slug']}/", timeout=10)
    check("discovery.rfc8414", rfc8414.status_code == 200 and rfc8414.json()["issuer"] == issuer)
    jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())

    client = OAuth2Session(cfg["client_id"], cfg["client_secret"], scope="openid email profile offline_access erp",
                           redirect_uri=cfg["redirect_uri"], code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier)

    # Scenario A: a user signs in through the HTML flow.
    browser = Browser(base)
    callback = browser.run_until(url, cfg["redirect_uri"], cfg["username"], cfg["password"])
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(callback).query))
    check("authorize.state", query.get("state") == state, query)
    check("authorize.iss", query.get("iss") == issuer, query)
    check("authorize.sign_in_pages_shown", browser.pages_shown >= 1)

    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    check("token.bearer", token["token_type"].lower() == "bearer")
    check("token.refresh_issued", "refresh_token" in token)

    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": issuer},
                                        "aud": {"essential": True, "value": cfg["client_id"]}},
                        claims_params={"nonce": nonce, "access_token": token["access_token"]})
    claims.validate(leeway=5)  # exp, iat, nonce, at_hash, azp
    check("id_token.validated", True)
    check("id_token.email", claims.get("email") == cfg["email"], claims)
    check("id_token.auth_time", isinstance(claims.get("auth_time"), int) and abs(claims["auth_time"] - time.time()) < 120)
    check("id_token.kid", "kid" in claims.header and claims.header["alg"] == cfg.get("alg", "RS256"), claims.header)
    check("id_token.sid", bool(claims.get("sid")))
    access_header = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[0] + "=="))
    check("access_token.typ", access_header.get("typ") == "at+jwt", access_header)

    info = client.get(meta["userinfo_endpoint"]).json()
    check("userinfo.sub", info["sub"] == claims["sub"])
    check("userinfo.groups", cfg["group"] in info.get("groups", []), info)
    check("userinfo.erp", info.get("ar_access_level") == "full" and info.get("m3_roles") == cfg["m3_roles"], info)

    # Refresh rotation, and reuse killing the family.
    first_refresh = token["refresh_token"]
    rotated = client.refresh_token(meta["token_endpoint"], refresh_token=first_refresh)
    check("refresh.rotated", rotated["refresh_token"] != first_refresh)
    again = requests.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": first_refresh},
                          auth=(cfg["client_id"], cfg["client_secret"]), timeout=10)
    check("refresh.reuse_refused", again.status_code == 400 and again.json()["error"] == "invalid_grant", again.text)
    family = requests.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]},
                           auth=(cfg["client_id"], cfg["client_secret"]), timeout=10)
    check("refresh.family_revoked", family.status_code == 400, family.text)
    dead = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + rotated["access_token"]}, timeout=10)
    check("refresh.family_access_token_dead", dead.status_code == 401, dead.text)

    # Scenario B: a second application in the same browser session gets its code with no page shown.
    second = cfg["second"]
    second_meta = requests.get(f"{base}/application/o/{second['slug']}/.well-known/openid-configuration", timeout=10).json()
    second_client = OAuth2Session(second["client_id"], second["client_secret"], scope="openid email profile",
                                  redirect_uri=second["redirect_uri"], code_challenge_method="S256")
    v2 = secrets.token_urlsafe(48)
    url2, _ = second_client.create_authorization_url(second_meta["authorization_endpoint"], nonce="n2", code_verifier=v2)
    shown_before = browser.pages_shown
    callback2 = browser.run_until(url2, second["redirect_uri"])
    check("scenario_b.no_page", browser.pages_shown == shown_before)
    token2 = second_client.fetch_token(second_meta["token_endpoint"], authorization_response=callback2, code_verifier=v2)
    check("scenario_b.token", "id_token" in token2)

    # client_credentials for the service account.
    machine = OAuth2Session(cfg["client_id"], cfg["client_secret"])
    cc = machine.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    check("client_credentials.token", "access_token" in cc and "refresh_token" not in cc and "id_token" not in cc, cc)

    # Introspection and revocation (RFC 7662, RFC 7009) with a fresh sign-in token.
    v3 = secrets.token_urlsafe(48)
    url3, _ = client.create_authorization_url(meta["authorization_endpoint"], nonce="n3", code_verifier=v3)
    token3 = client.fetch_token(meta["token_endpoint"], authorization_response=browser.run_until(url3, cfg["redirect_uri"]),
                                code_verifier=v3)
    intro = client.introspect_token(meta["introspection_endpoint"], token=token3["access_token"]).json()
    check("introspect.active", intro.get("active") is True and intro.get("client_id") == cfg["client_id"], intro)
    unauth = requests.post(meta["introspection_endpoint"], data={"token": token3["access_token"]}, timeout=10)
    check("introspect.needs_client_auth", unauth.status_code == 401, unauth.text)
    revoked = client.revoke_token(meta["revocation_endpoint"], token=token3["access_token"])
    check("revoke.ok", revoked.status_code == 200, revoked.text)
    intro2 = client.introspect_token(meta["introspection_endpoint"], token=token3["access_token"]).json()
    check("revoke.inactive", intro2 == {"active": False}, intro2)
    check("revoke.userinfo_refused", requests.get(meta["userinfo_endpoint"], headers={
        "Authorization": "Bearer " + token3["access_token"]}, timeout=10).status_code == 401)

    # Tokens the server never signed, or sent where they do not belong.
    header, payload, _sig = token3["id_token"].split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    none_token = b64url(json.dumps({"alg": "none", "typ": "at+jwt"}).encode()) + "." + b64url(json.dumps(body).encode()) + "."
    check("negative.alg_none", requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + none_token},
                                            timeout=10).status_code == 401)
    public_pem = None
    for key in jwks.keys:
        if key.as_dict().get("kty") == "RSA":
            public_pem = key.as_pem(is_private=False)
    if public_pem:
        import hmac
        signing_input = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": jwks.keys[0].as_dict()["kid"]}).encode()) \
            + "." + b64url(json.dumps(body).encode())
        sig = b64url(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
        check("negative.hs256_with_public_key", requests.get(meta["userinfo_endpoint"], headers={
            "Authorization": "Bearer " + signing_input + "." + sig}, timeout=10).status_code == 401)
    check("negative.token_in_query", requests.get(meta["userinfo_endpoint"] + "?access_token=" + cc["access_token"],
                                                  timeout=10).status_code == 400)
    wrong = requests.post(meta["token_endpoint"], data={"grant_type": "client_credentials"},
                          auth=(cfg["client_id"], "wrong-secret"), timeout=10)
    check("negative.wrong_secret", wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
          and "WWW-Authenticate" in wrong.headers, wrong.text)

    # RP-initiated logout, then prompt=none finds nobody signed in.
    logout = browser.session.get(meta["end_session_endpoint"], params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": cfg["redirect_uri"], "state": "bye"},
        allow_redirects=False, timeout=10)
    check("end_session.redirect", logout.status_code in (302, 303) and logout.headers["Location"] == cfg["redirect_uri"] + "?state=bye",
          f"{logout.status_code} {logout.headers.get('Location')} {logout.text[:300]}")
    url4, _ = client.create_authorization_url(meta["authorization_endpoint"], nonce="n4", code_verifier=secrets.token_urlsafe(48),
                                              prompt="none")
    after = browser.session.get(url4, allow_redirects=False, timeout=10)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(after.headers.get("Location", "")).query))
    check("end_session.signed_out", params.get("error") == "login_required", after.headers.get("Location"))

    print(json.dumps({"passed": PASSED}))


if __name__ == "__main__":
    main()
