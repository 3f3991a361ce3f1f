#!/usr/bin/env python3
"""WebAuthn against the real binary through the JSON flow executor, with soft-webauthn as the
authenticator (ES256, attestation none): registration; a wrong origin and a replayed
registration refused; assertion; a replayed assertion, a wrong origin and a cloned
authenticator (its signature counter behind the stored one) refused.

Usage: webauthn_client.py CONFIG.json
"""
import base64
import copy
import json
import os
import sys

from soft_webauthn import SoftWebauthnDevice

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oidc_rp import PASSED, Browser, check  # noqa: E402


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def creation_options(challenge):
    o = challenge["registration"]
    return {"publicKey": {**o, "challenge": b64d(o["challenge"]), "user": {**o["user"], "id": b64d(o["user"]["id"])}}}


def request_options(challenge):
    o = next(d["challenge"] for d in challenge["device_challenges"] if d["device_class"] == "webauthn")
    return {"publicKey": {**o, "challenge": b64d(o["challenge"]),
                          "allowCredentials": [{**c, "id": b64d(c["id"])} for c in o["allowCredentials"]]}}


def registration_json(credential):
    r = credential["response"]
    return {"id": b64e(credential["rawId"]), "rawId": b64e(credential["rawId"]), "type": "public-key",
            "response": {"clientDataJSON": b64e(r["clientDataJSON"]), "attestationObject": b64e(r["attestationObject"])}}


def assertion_json(credential):
    r = credential["response"]
    return {"id": b64e(credential["rawId"]), "rawId": b64e(credential["rawId"]), "type": "public-key",
            "response": {"clientDataJSON": b64e(r["clientDataJSON"]), "authenticatorData": b64e(r["authenticatorData"]),
                         "signature": b64e(r["signature"]), "userHandle": None}}


def main():
    cfg = json.load(open(sys.argv[1]))
    base = cfg["base"]
    origin = base  # http://127.0.0.1:<port>: the external URL
    browser = Browser(base)
    browser.run_until(f"{base}/if/flow/default-authentication-flow/?next=/signed-in", f"{base}/signed-in",
                      cfg["username"], cfg["password"])
    s = browser.session
    setup = f"{base}/api/v3/flows/executor/default-authenticator-webauthn-setup/"
    validate = f"{base}/api/v3/flows/executor/default-authenticator-validation-flow/"

    def post(url, body):
        return s.post(url, json=body, timeout=10).json()

    # Registration from a page on another origin: refused.
    device = SoftWebauthnDevice()
    challenge = s.get(setup, timeout=10).json()
    check("register.challenge", challenge.get("component") == "ak-stage-authenticator-webauthn"
          and challenge["registration"]["rp"]["id"] == "127.0.0.1"
          and {"type": "public-key", "alg": -257} in challenge["registration"]["pubKeyCredParams"], challenge)
    evil = device.create(creation_options(challenge), "https://evil.example")
    refused = post(setup, {"component": "ak-stage-authenticator-webauthn", "response": registration_json(evil)})
    check("register.wrong_origin_refused", "response" in refused.get("response_errors", {}), refused)

    # The real registration (with the challenge the refusal answered with).
    made = device.create(creation_options(refused), origin)
    done = post(setup, {"component": "ak-stage-authenticator-webauthn", "response": registration_json(made)})
    check("register.ok", done.get("component") == "xak-flow-redirect", done)
    # A further key needs the existing one first (NIST SP 800-63B 6.1.2.1): the password-only
    # session is asked for the key it has before it may register another.
    gated = s.get(setup, timeout=10).json()
    check("register.second_needs_existing_factor", gated.get("component") == "ak-stage-authenticator-validate"
          and "registration" not in gated, gated)

    # Assertion through the validation flow.
    challenge = s.get(validate, timeout=10).json()
    check("assert.challenge", challenge.get("component") == "ak-stage-authenticator-validate", challenge)
    assertion = device.get(request_options(challenge), origin)
    ok = post(validate, {"component": "ak-stage-authenticator-validate", "webauthn": assertion_json(assertion)})
    check("assert.ok", ok.get("component") == "xak-flow-redirect", ok)

    # Now verified, the setup flow offers a registration; the first response again is refused
    # (its challenge was used up).
    offered = s.get(setup, timeout=10).json()
    check("register.offered_after_verification", offered.get("component") == "ak-stage-authenticator-webauthn", offered)
    replay = post(setup, {"component": "ak-stage-authenticator-webauthn", "response": registration_json(made)})
    check("register.replay_refused", "response" in replay.get("response_errors", {}), replay)

    # The same assertion again: refused (the challenge was single-use).
    s.get(validate, timeout=10)
    again = post(validate, {"component": "ak-stage-authenticator-validate", "webauthn": assertion_json(assertion)})
    check("assert.replay_refused", again.get("response_errors", {}).get("webauthn", [{}])[0].get("code") == "invalid", again)

    # Another origin: refused.
    wrong = device.get(request_options(again), "https://evil.example")
    refused = post(validate, {"component": "ak-stage-authenticator-validate", "webauthn": assertion_json(wrong)})
    check("assert.wrong_origin_refused", refused.get("response_errors", {}).get("webauthn", [{}])[0].get("code") == "invalid",
          refused)

    # A clone: copy the authenticator, let the original sign in, then the copy (its counter behind).
    clone = copy.copy(device)  # same key and credential, its own counter from here on
    good = device.get(request_options(refused), origin)
    ok = post(validate, {"component": "ak-stage-authenticator-validate", "webauthn": assertion_json(good)})
    check("assert.original_ok", ok.get("component") == "xak-flow-redirect", ok)
    challenge = s.get(validate, timeout=10).json()
    cloned = clone.get(request_options(challenge), origin)
    refused = post(validate, {"component": "ak-stage-authenticator-validate", "webauthn": assertion_json(cloned)})
    check("assert.clone_refused", refused.get("response_errors", {}).get("webauthn", [{}])[0].get("code") == "invalid", refused)

    listing = s.get(f"{base}/api/v3/authenticators/", timeout=10).json()
    check("devices.webauthn_listed", len(listing.get("webauthn", [])) == 1, listing)
    print(json.dumps({"passed": PASSED}))


if __name__ == "__main__":
    main()
