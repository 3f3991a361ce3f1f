#!/usr/bin/env python3
"""Drives sign-in through an upstream source: an authlib relying party -> Gatehouse ->
the Entra ID stand-in (entra_standin.py) -> back to Gatehouse -> back to the relying party.
Every check raises on failure; the last line printed is a JSON object with what happened.

Usage: federation_rp.py CONFIG.json CASE
  CASE scenario_a   RP sign-in end to end (twice, keys rotated in between), replayed callback refused
  CASE overage      the same with the groups-overage token (groups only through Graph)
  CASE fail:<mode>  start at /source/oauth/login/<slug>/ with the stand-in in <mode>; report the failure page
  CASE forged_state / replayed_state   tamper with the callback's state
"""
import base64
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


def control(cfg, **change):
    r = requests.post(cfg["standin"] + "/_control", json=change, timeout=10)
    r.raise_for_status()
    return r.json()


class Browser:
    def __init__(self, base):
        self.base = base
        self.session = requests.Session()
        self.pages_shown = 0
        self.local_pages = 0
        self.visited = []
        self.credentials = None   # (username, password): fill sign-in forms (an upstream Gatehouse's)

    def submit(self, response):
        forms = [f for f in re.finditer(r'<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>', response.text, re.S)
                 if "/-/i18n/" not in f.group(1)]
        if not forms:
            raise SystemExit(f"FAILED browser: no form on {response.url}")
        form = forms[0]
        fields = {html.unescape(n): html.unescape(v)
                  for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2))}
        if 'name="uid_field"' in form.group(2):
            fields["uid_field"] = self.credentials[0]
        if 'type="password"' in form.group(2):
            fields["password"] = self.credentials[1]
        action = urllib.parse.urljoin(response.url, html.unescape(form.group(1)))
        return self.session.post(action, data=fields, allow_redirects=False, timeout=30)

    def absolute(self, location):
        return urllib.parse.urljoin(self.base, location)

    def follow(self, url, stop_prefix=None, max_steps=20):
        """Follows redirects by hand; returns (stop URL or None, final response)."""
        response = self.session.get(url, allow_redirects=False, timeout=30)
        for _ in range(max_steps):
            self.visited.append(response.url)
            if response.status_code in (301, 302, 303, 307, 308):
                location = urllib.parse.urljoin(response.url, response.headers["Location"])
                if stop_prefix and location.startswith(stop_prefix):
                    return location, response
                response = self.session.get(location, allow_redirects=False, timeout=30)
                continue
            if response.status_code == 200 and "<form" in response.text and 'name="password"' in response.text:
                self.pages_shown += 1
                if response.url.startswith(self.base + "/"):
                    self.local_pages += 1
            if self.credentials and response.status_code == 200 and 'name="uid_field"' in response.text \
                    or self.credentials and response.status_code == 200 and 'type="password"' in response.text:
                response = self.submit(response)
                continue
            return None, response
        raise SystemExit("FAILED browser: too many steps")


def failure_page(response):
    reason = re.search(r'data-reason="([^"]+)"', response.text)
    message = re.search(r'role="alert"[^>]*>([^<]*)<', response.text)
    retry = re.search(r'<a class="gh-button" href="([^"]+)">', response.text)
    return {"status": response.status_code, "reason": reason.group(1) if reason else None,
            "message": html.unescape(message.group(1)) if message else None,
            "retry": html.unescape(retry.group(1)) if retry else None}


def rp_sign_in(cfg, browser, upstream=None):
    base = cfg["base"]
    issuer = f"{base}/application/o/{cfg['slug']}/"
    meta = requests.get(issuer + ".well-known/openid-configuration", timeout=10).json()
    jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    client = OAuth2Session(cfg["client_id"], cfg["client_secret"], scope="openid email profile",
                           redirect_uri=cfg["redirect_uri"], code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
    callback, response = browser.follow(url, cfg["redirect_uri"])
    if callback is None:
        raise SystemExit(f"FAILED rp: stopped at {response.status_code} {response.url}: {response.text[:400]}")
    upstream = upstream or cfg["standin"]
    check("rp.went_upstream", any(v.startswith(upstream) for v in browser.visited), browser.visited)
    # Password pages, if any, were the upstream's own, never this Gatehouse's.
    check("rp.no_local_password_page", browser.local_pages == 0, browser.visited)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(callback).query))
    check("rp.state", query.get("state") == state, query)
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": issuer},
                                        "aud": {"essential": True, "value": cfg["client_id"]}},
                        claims_params={"nonce": nonce, "access_token": token["access_token"]})
    claims.validate(leeway=5)
    check("rp.id_token_valid", True)
    check("rp.email_from_upstream", claims.get("email") == cfg["email"], claims)
    for group in cfg["groups"]:
        check("rp.group." + group, group in claims.get("groups", []), claims)
    check("rp.no_directory_role", "Reader" not in claims.get("groups", []), claims)
    return claims


def m2m(cfg):
    """Machine-to-machine: an app-only token from the stand-in, presented as client_assertion."""
    base = cfg["base"]
    assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    def upstream_token(scope):
        r = requests.post(f"{cfg['standin']}/{cfg['tenant']}/oauth2/v2.0/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": cfg["upstream_client_id"],
            "client_secret": cfg["upstream_client_secret"], "scope": scope})
        r.raise_for_status()
        return r.json()["access_token"]

    def exchange(assertion):
        return requests.post(f"{base}/application/o/token/", timeout=10, data={
            "grant_type": "client_credentials", "client_id": cfg["client_id"],
            "client_assertion_type": assertion_type, "client_assertion": assertion})

    good = upstream_token(f"api://{cfg['upstream_client_id']}/.default")
    r = exchange(good)
    check("m2m.exchanged", r.status_code == 200 and r.json().get("token_type", "").lower() == "bearer", r.text)
    access = r.json()["access_token"]
    payload = json.loads(base64.urlsafe_b64decode(access.split(".")[1] + "=="))
    check("m2m.gatehouse_token", payload.get("iss", "").startswith(base), payload)
    outcomes = {}
    # Signed by a key the upstream never published, under its kid.
    header, body, _ = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    stranger = JsonWebKey.generate_key("RSA", 2048, is_private=True)
    forged = jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, stranger).decode()
    outcomes["unknown_key"] = exchange(forged)
    outcomes["wrong_audience"] = exchange(upstream_token("api://some-other-app/.default"))
    control(cfg, mode="expired")
    try:
        outcomes["expired"] = exchange(upstream_token(f"api://{cfg['upstream_client_id']}/.default"))
    finally:
        control(cfg, mode="normal")
    # A valid token for our API, issued to an application the client does not allow.
    control(cfg, mode="other_app")
    try:
        outcomes["other_application"] = exchange(upstream_token(f"api://{cfg['upstream_client_id']}/.default"))
    finally:
        control(cfg, mode="normal")
    # A user's delegated token for our API, from the allowed application: not the app itself.
    control(cfg, mode="delegated")
    try:
        outcomes["users_token"] = exchange(upstream_token(f"api://{cfg['upstream_client_id']}/.default"))
    finally:
        control(cfg, mode="normal")
    # An ID-token-style grant is not what an assertion is for.
    outcomes["not_client_credentials"] = requests.post(f"{base}/application/o/token/", timeout=10, data={
        "grant_type": "authorization_code", "code": "x", "client_id": cfg["client_id"],
        "client_assertion_type": assertion_type, "client_assertion": good})
    report = {}
    for name, response in outcomes.items():
        body = response.json()
        report[name] = {"status": response.status_code, "error": body.get("error"), "description": body.get("error_description")}
        expected = "unauthorized_client" if name == "not_client_credentials" else "invalid_client"
        check("m2m.refused." + name, response.status_code in (400, 401) and body.get("error") == expected, body)
    return report


def main():
    cfg = json.load(open(sys.argv[1]))
    case = sys.argv[2]
    base = cfg["base"]
    result = {}
    if case == "scenario_a":
        # The source in redirect mode takes the browser straight upstream; ?local=1 shows the
        # identification page, with one button per enabled source.
        r = requests.get(f"{base}/if/flow/default-authentication-flow/", allow_redirects=False, timeout=10)
        check("flow.redirect_mode", r.status_code == 302 and r.headers["Location"].startswith(f"/source/oauth/login/{cfg['source']}/"),
              (r.status_code, r.headers.get("Location")))
        r = requests.get(f"{base}/if/flow/default-authentication-flow/?local=1", timeout=10)
        check("flow.source_buttons", all(f'data-source="{s}"' in r.text for s in cfg["all_sources"])
              and "Sign in with Microsoft" in r.text and 'name="uid_field"' in r.text, r.text[-1500:])
        executor = requests.get(f"{base}/api/v3/flows/executor/default-authentication-flow/", timeout=10).json()
        offered = {item["slug"]: item["challenge"]["to"] for item in executor.get("sources", [])}
        check("executor.sources", sorted(offered) == sorted(cfg["all_sources"])
              and offered[cfg["source"]].startswith(f"/source/oauth/login/{cfg['source']}/"), executor)
    if case in ("scenario_a", "overage"):
        control(cfg, mode="normal" if case == "scenario_a" else "overage")
        browser = Browser(base)
        claims = rp_sign_in(cfg, browser)
        result["sub"] = claims["sub"]
        result["groups"] = claims.get("groups", [])
        if case == "scenario_a":
            # Keys rotated upstream: the next sign-in is signed by a kid Gatehouse has not seen.
            kid = control(cfg, rotate=True)["kid"]
            again = rp_sign_in(cfg, Browser(base))
            check("rotation.same_user", again["sub"] == claims["sub"], (again["sub"], claims["sub"]))
            result["rotated_to"] = kid
            # A replayed callback (same browser, same URL) is refused and signs nobody in.
            replay = Browser(base)
            callback, _ = replay.follow(f"{base}/source/oauth/login/{cfg['source']}/", f"{base}/source/oauth/callback/")
            _, first = replay.follow(callback)
            check("replay.first_ok", first.status_code in (302, 303) or first.status_code == 200, first.status_code)
            _, second = replay.follow(callback)
            page = failure_page(second)
            check("replay.refused", page["reason"] == "invalid_state", page)
    elif case.startswith("fail:"):
        mode = case[len("fail:"):]
        control(cfg, mode=mode)
        try:
            browser = Browser(base)
            source = cfg.get("fail_source", cfg["source"])
            _, response = browser.follow(f"{base}/source/oauth/login/{source}/?next=/application/o/authorize/%3Fx%3D1")
            result = failure_page(response)
            check("fail.no_session_signed_in",
                  browser.session.get(f"{base}/api/v3/core/users/me/", timeout=10).status_code == 403)
        finally:
            control(cfg, mode="normal")
    elif case in ("forged_state", "replayed_state"):
        control(cfg, mode="normal")
        browser = Browser(base)
        callback, _ = browser.follow(f"{base}/source/oauth/login/{cfg['source']}/", f"{base}/source/oauth/callback/")
        forged = re.sub(r"state=[^&]+", "state=" + secrets.token_urlsafe(32), callback)
        _, response = browser.follow(forged)
        if case == "replayed_state":
            # The forged attempt used the pending sign-in up: the genuine answer now fails too.
            _, response = browser.follow(callback)
        result = failure_page(response)
        check("state.no_session_signed_in",
              browser.session.get(f"{base}/api/v3/core/users/me/", timeout=10).status_code == 403)
    elif case == "generic":
        browser = Browser(base)
        browser.credentials = (cfg["upstream_username"], cfg["upstream_password"])
        claims = rp_sign_in(cfg, browser, upstream=cfg["upstream"])
        check("generic.upstream_password_page", browser.pages_shown >= 1)
        result = {"sub": claims["sub"], "groups": claims.get("groups", []), "email": claims.get("email")}
    elif case == "slow":
        # The stand-in answers nothing for 25 s: Gatehouse must give up at its 15 s total timeout.
        control(cfg, slow=25)
        try:
            started = time.monotonic()
            _, response = Browser(base).follow(f"{base}/source/oauth/login/{cfg['source']}/")
            result = failure_page(response)
            result["elapsed"] = time.monotonic() - started
        finally:
            control(cfg, slow=0)
    elif case == "m2m":
        result = m2m(cfg)
    else:
        raise SystemExit(f"unknown case {case}")
    result["passed"] = PASSED
    print(json.dumps(result))


if __name__ == "__main__":
    main()
