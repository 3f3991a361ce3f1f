#!/usr/bin/env python3
"""Scenario C (F-06) with an authlib relying party against the real binary: sign in with a
password at a normal application (amr pwd); enrol an authenticator app through the HTML flow
(the TOTP codes are computed here, independently of Gatehouse, per RFC 6238); open the
sensitive application → the one-time-code prompt → tokens with amr mfa and the mfa acr; open it
again → no prompt. The 10- and 31-minute windows are tested in process with a controllable
clock (Tests/OIDCTests/StepUpTests.swift); no time travel here.

Usage: stepup_rp.py CONFIG.json
"""
import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import struct
import sys
import time
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oidc_rp import PASSED, Browser, check  # noqa: E402


def page_form(body):
    """The page's own form (not the language switch in the header): (action, fields)."""
    for form in re.finditer(r'<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>', body, re.S):
        if "/-/i18n/" in form.group(1):
            continue
        fields = dict((html.unescape(n), html.unescape(v))
                      for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
        return html.unescape(form.group(1)), fields
    raise SystemExit("FAILED page_form: no form")


def totp(secret_b32, step):
    """RFC 6238 with SHA-1 and 6 digits, written from the RFC (not from Gatehouse)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1_000_000)


class CodeBrowser(Browser):
    """Also answers the one-time-code page with `self.code` (counting the prompts)."""

    code = None
    prompts = 0

    def submit(self, response, username, password):
        if 'name="code"' in response.text and "ak-stage-authenticator-validate" in response.text:
            self.prompts += 1
            action, fields = page_form(response.text)
            fields["code"] = self.code
            return self.session.post(self.absolute(action), data=fields, allow_redirects=False, timeout=10)
        return super().submit(response, username, password)


def sign_in(browser, base, app, cfg, username=None, password=None):
    """One authorization code round trip for `app`; returns (claims, pages shown)."""
    issuer = f"{base}/application/o/{app['slug']}/"
    meta = requests.get(issuer + ".well-known/openid-configuration", timeout=10).json()
    jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    client = OAuth2Session(app["client_id"], app["client_secret"], scope="openid email profile",
                           redirect_uri=app["redirect_uri"], code_challenge_method="S256")
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
    shown = browser.pages_shown
    callback = browser.run_until(url, app["redirect_uri"], username, password)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(callback).query))
    if "error" in query:
        return None, query
    check(f"{app['slug']}.state", query.get("state") == state, query)
    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": issuer},
                                        "aud": {"essential": True, "value": app["client_id"]}},
                        claims_params={"nonce": nonce, "access_token": token["access_token"]})
    claims.validate(leeway=5)
    access = jwt.decode(token["access_token"], jwks)
    return (claims, access), browser.pages_shown - shown


def main():
    cfg = json.load(open(sys.argv[1]))
    base = cfg["base"]
    browser = CodeBrowser(base)

    # Sign in at the portal (not sensitive): a password is enough, amr says so.
    (claims, _), shown = sign_in(browser, base, cfg["portal"], cfg, cfg["username"], cfg["password"])
    check("portal.signed_in", shown >= 1 and browser.prompts == 0)
    check("portal.amr_pwd", claims["amr"] == ["pwd"] and claims["acr"] == "urn:gatehouse:acr:1fa", claims)

    # Enrol an authenticator app: the QR code page, the first code, ten recovery codes once.
    setup = browser.session.get(f"{base}/if/flow/default-authenticator-totp-setup/", allow_redirects=False, timeout=10)
    check("totp.setup_page", setup.status_code == 200 and "<svg" in setup.text and "ak-stage-authenticator-totp" in setup.text,
          setup.text[:300])
    secret = re.search(r"<code>([A-Z2-7]+)</code>", setup.text).group(1)
    action, fields = page_form(setup.text)
    step = int(time.time()) // 30
    fields["code"] = totp(secret, step)
    codes_page = browser.session.post(browser.absolute(action), data=fields, allow_redirects=False, timeout=10)
    codes = re.findall(r"<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code></li>", codes_page.text)
    check("totp.enrolled_ten_recovery_codes", len(codes) == 10 and len(set(codes)) == 10, codes_page.text[:500])
    again = browser.session.get(f"{base}/if/flow/default-authenticator-totp-setup/", allow_redirects=False, timeout=10)
    check("totp.codes_shown_once", not any(c in again.text for c in codes))

    # The sensitive application: the one-time-code prompt, then tokens that say mfa. The
    # enrolment spent this step's code; the next step's code is inside the ±1 window.
    browser.code = totp(secret, step + 1)
    result, shown = sign_in(browser, base, cfg["sensitive"], cfg)
    check("stepup.prompted", browser.prompts == 1 and result is not None, shown)
    claims, access = result
    check("stepup.amr_mfa", "mfa" in claims["amr"] and "otp" in claims["amr"], claims)
    check("stepup.acr_mfa", claims["acr"] == "urn:gatehouse:acr:mfa", claims)
    check("stepup.access_token_amr", "mfa" in access["amr"] and access["acr"] == "urn:gatehouse:acr:mfa", access)

    # Again inside the window: no prompt at all.
    browser.code = None
    result, shown = sign_in(browser, base, cfg["sensitive"], cfg)
    check("stepup.no_prompt_inside_window", result is not None and shown == 0 and browser.prompts == 1, shown)

    # The window in real time, scaled down: an application whose window is a few seconds. Inside
    # it (the code was just given): no prompt. Once it has passed: the prompt again.
    if "short_window" in cfg:
        short = cfg["short_window"]
        result, shown = sign_in(browser, base, short, cfg)
        check("window.inside_no_prompt", result is not None and shown == 0 and browser.prompts == 1, shown)
        time.sleep(short["window_seconds"] + 1.5)
        meta = requests.get(f"{base}/application/o/{short['slug']}/.well-known/openid-configuration", timeout=10).json()
        client = OAuth2Session(short["client_id"], short["client_secret"], scope="openid",
                               redirect_uri=short["redirect_uri"], code_challenge_method="S256")
        url, _ = client.create_authorization_url(meta["authorization_endpoint"], nonce="n-window",
                                                 code_verifier=secrets.token_urlsafe(48))
        response = browser.session.get(url, allow_redirects=False, timeout=10)
        for _ in range(10):
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            location = browser.absolute(response.headers["Location"])
            check("window.expired_not_back_at_the_app", not location.startswith(short["redirect_uri"]), location)
            response = browser.session.get(location, allow_redirects=False, timeout=10)
        check("window.expired_prompts_again", response.status_code == 200 and 'name="code"' in response.text
              and "ak-stage-authenticator-validate" in response.text, response.text[:300])

    # The JSON executor (authentik's API) asks for the same second factor; a wrong code is an
    # error on the code field, a recovery code passes once.
    api = f"{base}/api/v3/flows/executor/default-authenticator-validation-flow/"
    first = browser.session.get(api, timeout=10).json()
    check("json.validate_challenge", first.get("component") == "ak-stage-authenticator-validate"
          and {"totp", "webauthn", "static"} == {d["device_class"] for d in first.get("device_challenges", [])}, first)
    wrong = browser.session.post(api, json={"component": "ak-stage-authenticator-validate", "code": "000000"
                                            if totp(secret, int(time.time()) // 30) != "000000" else "111111"}, timeout=10).json()
    check("json.wrong_code", wrong.get("response_errors", {}).get("code", [{}])[0].get("code") == "invalid", wrong)
    ok = browser.session.post(api, json={"component": "ak-stage-authenticator-validate", "code": codes[0].lower()},
                              timeout=10).json()
    check("json.recovery_code", ok.get("component") == "xak-flow-redirect", ok)
    browser.session.get(api, timeout=10)
    reused = browser.session.post(api, json={"component": "ak-stage-authenticator-validate", "code": codes[0]}, timeout=10).json()
    check("json.recovery_code_single_use", reused.get("response_errors", {}).get("code", [{}])[0].get("code") == "invalid",
          reused)

    # Own devices: list, rename, remove (this session passed MFA minutes ago).
    listing = browser.session.get(f"{base}/api/v3/authenticators/", timeout=10).json()
    check("devices.listed", len(listing["totp"]) == 1 and listing["recovery_codes_left"] == 9
          and "secret" not in json.dumps(listing).lower(), listing)
    device = listing["totp"][0]["pk"]
    renamed = browser.session.patch(f"{base}/api/v3/authenticators/totp/{device}/", json={"name": "Work phone"}, timeout=10)
    check("devices.renamed", renamed.status_code == 200 and renamed.json()["totp"][0]["name"] == "Work phone", renamed.text)
    removed = browser.session.delete(f"{base}/api/v3/authenticators/totp/{device}/", timeout=10)
    check("devices.removed", removed.status_code == 204
          and browser.session.get(f"{base}/api/v3/authenticators/", timeout=10).json()["totp"] == [], removed.text)

    # Someone outside Finance: a 403 page at the sensitive application (before any prompt), whose
    # link returns access_denied to the application.
    other = CodeBrowser(base)
    sign_in(other, base, cfg["portal"], cfg, cfg["outsider"], cfg["password"])
    app = cfg["sensitive"]
    client = OAuth2Session(app["client_id"], app["client_secret"], scope="openid", redirect_uri=app["redirect_uri"],
                           code_challenge_method="S256")
    url, _ = client.create_authorization_url(f"{base}/application/o/authorize/", code_verifier=secrets.token_urlsafe(48))
    denied = other.session.get(url, allow_redirects=False, timeout=10)
    check("access.outsider_403_page", denied.status_code == 403 and "error=access_denied" in denied.text
          and other.prompts == 0, f"{denied.status_code} {denied.text[:300]}")
    # Without a recent MFA verification, devices cannot be changed (a stolen cookie is not enough).
    blocked = other.session.delete(f"{base}/api/v3/authenticators/totp/{device}/", timeout=10)
    check("devices.change_needs_mfa", blocked.status_code == 403 and "step_up" in blocked.json(), blocked.text)
    silent = other.session.get(url + "&prompt=none", allow_redirects=False, timeout=10)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(silent.headers.get("Location", "")).query))
    check("access.outsider_access_denied", params.get("error") == "access_denied", silent.headers.get("Location"))

    print(json.dumps({"passed": PASSED}))


if __name__ == "__main__":
    main()
