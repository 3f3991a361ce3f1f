#!/usr/bin/env python3
"""Two independent SAML 2.0 service providers, pysaml2 (with Debian's xmlsec1) and OneLogin's
python3-saml (strict mode), driving Gatehouse as their identity provider the way real
applications do, with requests as the browser signing in through Gatehouse's HTML pages.
Every check raises on failure; the last line printed is a JSON object naming the checks that
passed. Every document Gatehouse emitted is saved under OUT/emitted/ for the XSD check.

Usage:
  saml_sp.py prepare OUT          SP key and certificate, and pysaml2 SP metadata (JSON on stdout)
  saml_sp.py run CONFIG.json      the flows (see the keys read in run())
"""
import base64
import html
import json
import os
import re
import sys
import urllib.parse
import zlib

import requests

PASSED = []
EMITTED = []


def check(name, condition, detail=""):
    if not condition:
        raise SystemExit(f"FAILED {name}: {str(detail)[:2000]}")
    PASSED.append(name)


def save(out, name, xml):
    """Keeps a document Gatehouse emitted, for saml_xsd.py."""
    folder = os.path.join(out, "emitted")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{len(EMITTED):02d}-{name}.xml")
    with open(path, "wb") as handle:
        handle.write(xml if isinstance(xml, bytes) else xml.encode())
    EMITTED.append(path)


class Browser:
    """A requests session that follows redirects by hand, fills Gatehouse's sign-in pages, and
    stops at the first redirect to, or auto-posting form for, the service provider."""

    def __init__(self, base):
        self.base = base
        self.session = requests.Session()
        self.pages_shown = 0

    def absolute(self, location):
        return urllib.parse.urljoin(self.base, location)

    def go(self, response, stop, username=None, password=None, max_steps=25):
        """Returns ("redirect", url) or ("form", action, fields) once the browser is sent to `stop`."""
        for _ in range(max_steps):
            if response.status_code in (301, 302, 303, 307, 308):
                location = self.absolute(response.headers["Location"])
                if location.startswith(stop):
                    return ("redirect", location)
                response = self.session.get(location, allow_redirects=False, timeout=15)
                continue
            forms = self.forms(response.text)
            to_sp = [f for f in forms if f[0].startswith(stop)]
            if to_sp:
                return ("form", to_sp[0][0], to_sp[0][1], response.status_code)
            if response.status_code == 200 and forms:
                self.pages_shown += 1
                response = self.submit(forms[0], username, password)
                continue
            raise SystemExit(f"FAILED browser: unexpected {response.status_code} at {response.url}: " + (re.findall(r"class=\"gh-error\">([^<]*)", response.text) or [response.text[:800]])[0])
        errors = re.findall(r'class="gh-error"[^>]*>([^<]*)', response.text)
        raise SystemExit(f"FAILED browser: too many steps at {response.url}: {errors or response.text[-1500:]}")

    def get(self, url, stop, **kwargs):
        return self.go(self.session.get(url, allow_redirects=False, timeout=15), stop, **kwargs)

    def post(self, url, data, stop, **kwargs):
        return self.go(self.session.post(url, data=data, allow_redirects=False, timeout=15), stop, **kwargs)

    @staticmethod
    def forms(body):
        found = []
        for form in re.finditer(r'<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>', body, re.S):
            action = html.unescape(form.group(1))
            if "/-/i18n/" in action:
                continue
            fields = {}
            for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)):
                fields[html.unescape(name)] = html.unescape(value)
            found.append((action, fields, form.group(2)))
        return found

    def submit(self, form, username, password):
        action, fields, inner = form
        if 'name="uid_field"' in inner:
            fields["uid_field"] = username
        if 'name="password"' in inner and 'type="password"' in inner:
            fields["password"] = password
        return self.session.post(self.absolute(action), data=fields, allow_redirects=False, timeout=15)

    def signed_in(self, probe):
        """True when Gatehouse still knows this browser (the IdP-initiated URL posts at once)."""
        response = self.session.get(probe, allow_redirects=False, timeout=15)
        return response.status_code == 200 and "SAMLResponse" in response.text


def decode_post(fields):
    return base64.b64decode(fields["SAMLResponse"])


def decode_redirect(url, parameter="SAMLResponse"):
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
    return zlib.decompress(base64.b64decode(query[parameter]), -15), query


# ----------------------------------------------------------------------------- pysaml2

def pysaml2_client(cfg, sp, idp_metadata_file):
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    config = SPConfig()
    config.load({
        "entityid": sp["entity_id"],
        "metadata": {"local": [idp_metadata_file]},
        "key_file": cfg["sp_key"],
        "cert_file": cfg["sp_cert"],
        "encryption_keypairs": [{"key_file": cfg["sp_key"], "cert_file": cfg["sp_cert"]}],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": [(sp["acs"], BINDING_HTTP_POST)],
                "single_logout_service": [(sp["slo"], BINDING_HTTP_REDIRECT)],
            },
            "want_response_signed": sp["sign_response"],
            "want_assertions_signed": sp["sign_assertion"],
            "want_assertions_or_response_signed": True,
            "authn_requests_signed": sp["sign_requests"],
            "logout_requests_signed": True,
            "allow_unsolicited": True,
            "name_id_format": sp["name_id_format"],
        }},
    })
    return Saml2Client(config)


def pysaml2_metadata(cfg, sp):
    """The SP metadata pysaml2 publishes (for a saml-provider's sp_metadata)."""
    from saml2.metadata import entity_descriptor
    from saml2.config import SPConfig
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    config = SPConfig()
    config.load({
        "entityid": sp["entity_id"], "key_file": cfg["sp_key"], "cert_file": cfg["sp_cert"],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(sp["acs"], BINDING_HTTP_POST)],
                          "single_logout_service": [(sp["slo"], BINDING_HTTP_REDIRECT)]},
            "authn_requests_signed": True, "want_assertions_signed": True,
        }},
    })
    return str(entity_descriptor(config))


def check_pysaml2_response(name, client, fields, outstanding, sp, cfg, out):
    from saml2 import BINDING_HTTP_POST
    xml = decode_post(fields)
    save(out, f"{name}-response", xml)
    response = client.parse_authn_request_response(fields["SAMLResponse"], BINDING_HTTP_POST, outstanding=outstanding)
    check(f"{name}.validated", response is not None)
    identity = response.get_identity()
    subject = response.get_subject()
    check(f"{name}.name_id_format", subject.format == sp["name_id_format"], subject.format)
    if sp.get("expect_name_id"):
        check(f"{name}.name_id", subject.text == sp["expect_name_id"], subject.text)
    check(f"{name}.identity2", identity.get("http://schemas.infor.com/claims/Identity2") == [cfg["username"]], identity)
    check(f"{name}.email", identity.get("email") == [cfg["email"]], identity)
    check(f"{name}.groups", cfg["group"] in identity.get("groups", []), identity)
    if sp.get("encrypted"):
        check(f"{name}.was_encrypted", b"EncryptedAssertion" in xml and b"<saml:Assertion" not in xml)
    text = xml.decode()
    signatures = len(re.findall(r"<ds:Signature[\s>]", text))
    check(f"{name}.signature_count", signatures == int(sp["sign_response"]) + (0 if sp.get("encrypted") else int(sp["sign_assertion"])),
          signatures)
    session_index = response.assertion.authn_statement[0].session_index
    check(f"{name}.session_index", bool(session_index))
    return subject, session_index, xml


def run_pysaml2(cfg, browser, out):
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    base = cfg["base"]
    for sp in cfg["pysaml2"]:
        name = "pysaml2." + sp["slug"]
        metadata_url = f"{base}/application/saml/{sp['slug']}/metadata/"
        metadata = requests.get(metadata_url, timeout=15)
        check(f"{name}.metadata", metadata.status_code == 200 and "EntityDescriptor" in metadata.text, metadata.status_code)
        save(out, f"{sp['slug']}-metadata", metadata.content)
        metadata_file = os.path.join(out, f"{sp['slug']}-idp.xml")
        with open(metadata_file, "wb") as handle:
            handle.write(metadata.content)
        client = pysaml2_client(cfg, sp, metadata_file)
        idp = metadata_url

        # SP-initiated over the Redirect binding (signed when the provider demands it).
        request_id, info = client.prepare_for_authenticate(entityid=idp, relay_state="rs-redirect",
                                                           binding=BINDING_HTTP_REDIRECT, sign=sp["sign_requests"],
                                                           sigalg=SIG_RSA_SHA256 if sp["sign_requests"] else None,
                                                           digest_alg=DIGEST_SHA256)
        location = dict(info["headers"])["Location"]
        result = browser.get(location, sp["acs"], username=cfg["username"], password=cfg["password"])
        check(f"{name}.redirect.form", result[0] == "form" and result[1] == sp["acs"], result[:2])
        check(f"{name}.redirect.relay_state", result[2].get("RelayState") == "rs-redirect", result[2].get("RelayState"))
        subject, session_index, _ = check_pysaml2_response(f"{name}.redirect", client, result[2], {request_id: "/"}, sp, cfg, out)

        # SP-initiated over the POST binding.
        if sp.get("post_binding"):
            request_id, info = client.prepare_for_authenticate(entityid=idp, relay_state="rs-post", binding=BINDING_HTTP_POST,
                                                               sign=sp["sign_requests"],
                                                               sigalg=SIG_RSA_SHA256 if sp["sign_requests"] else None,
                                                               digest_alg=DIGEST_SHA256)
            page = info["data"]
            action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
            fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}
            result = browser.post(action, fields, sp["acs"])
            check(f"{name}.post.form", result[0] == "form", result[:2])
            check_pysaml2_response(f"{name}.post", client, result[2], {request_id: "/"}, sp, cfg, out)

        # IdP-initiated with the provider's default RelayState.
        if sp.get("idp_initiated"):
            result = browser.get(f"{base}/application/saml/{sp['slug']}/sso/binding/init/", sp["acs"])
            check(f"{name}.init.relay_state", result[2].get("RelayState") == sp["default_relay_state"], result[2])
            check_pysaml2_response(f"{name}.init", client, result[2], {}, sp, cfg, out)

        # A replayed AuthnRequest (the same signed URL again) is refused with our page.
        response = browser.session.get(location, allow_redirects=False, timeout=15)
        check(f"{name}.replay_refused", response.status_code == 400 and "SAMLResponse" not in response.text, response.status_code)

        # SLO: a signed LogoutRequest over the Redirect binding ends the Gatehouse session.
        if sp.get("test_slo"):
            destination = f"{base}/application/saml/{sp['slug']}/slo/binding/redirect/"
            request_id, request = client.create_logout_request(destination, idp, name_id=subject, session_indexes=[session_index],
                                                               sign=False)
            binding = client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, "rs-slo", sign=True,
                                           sigalg=SIG_RSA_SHA256)
            location = dict(binding["headers"])["Location"]
            result = browser.get(location, sp["slo"])
            check(f"{name}.slo.redirect", result[0] == "redirect", result[:2])
            xml, query = decode_redirect(result[1])
            save(out, f"{sp['slug']}-logout-response", xml)
            check(f"{name}.slo.relay_state", query.get("RelayState") == "rs-slo", query)
            check(f"{name}.slo.signed_query", "Signature" in query and "SigAlg" in query, query.keys())
            parsed = client.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
            check(f"{name}.slo.validated", parsed is not None and parsed.status_ok(), parsed)
            probe = f"{base}/application/saml/{sp['slug']}/sso/binding/init/"
            check(f"{name}.slo.session_ended", not browser.signed_in(probe))


# ------------------------------------------------------------------------ python3-saml

def onelogin_settings(cfg, sp, metadata_xml):
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
    with open(cfg["sp_cert"]) as handle:
        cert = handle.read()
    with open(cfg["sp_key"]) as handle:
        key = handle.read()
    idp = OneLogin_Saml2_IdPMetadataParser.parse(metadata_xml)
    settings = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": sp["entity_id"],
            "assertionConsumerService": {"url": sp["acs"], "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
            "singleLogoutService": {"url": sp["slo"], "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"},
            "NameIDFormat": sp["name_id_format"],
            "x509cert": cert,
            "privateKey": key,
        },
        "security": {
            "authnRequestsSigned": sp["sign_requests"],
            "logoutRequestSigned": True,
            "wantMessagesSigned": sp["sign_response"],
            "wantAssertionsSigned": sp["sign_assertion"],
            "wantAssertionsEncrypted": bool(sp.get("encrypted")),
            "wantNameId": True,
            "requestedAuthnContext": False,
            "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            "rejectDeprecatedAlgorithm": True,
        },
    }
    settings = OneLogin_Saml2_IdPMetadataParser.merge_settings(settings, idp)
    return settings


def onelogin_request(url, post=None, get=None):
    parts = urllib.parse.urlparse(url)
    return {"https": "on" if parts.scheme == "https" else "off", "http_host": parts.netloc, "script_name": parts.path,
            "get_data": get or {}, "post_data": post or {}}


def check_onelogin(name, auth, sp, cfg, out, fields, request_id):
    xml = decode_post(fields)
    save(out, f"{name}-response", xml)
    auth.process_response(request_id=request_id)
    errors = auth.get_errors()
    check(f"{name}.validated", not errors and auth.is_authenticated(), (errors, auth.get_last_error_reason()))
    check(f"{name}.name_id_format", auth.get_nameid_format() == sp["name_id_format"], auth.get_nameid_format())
    if sp.get("expect_name_id"):
        check(f"{name}.name_id", auth.get_nameid() == sp["expect_name_id"], auth.get_nameid())
    attributes = auth.get_attributes()
    check(f"{name}.identity2", attributes.get("http://schemas.infor.com/claims/Identity2") == [cfg["username"]], attributes)
    check(f"{name}.email", attributes.get("email") == [cfg["email"]], attributes)
    check(f"{name}.groups", cfg["group"] in attributes.get("groups", []), attributes)
    if sp.get("encrypted"):
        check(f"{name}.was_encrypted", b"EncryptedAssertion" in xml)
    return auth.get_nameid(), auth.get_session_index()


def run_onelogin(cfg, browser, out):
    from onelogin.saml2.auth import OneLogin_Saml2_Auth

    base = cfg["base"]
    for sp in cfg["onelogin"]:
        name = "onelogin." + sp["slug"]
        metadata = requests.get(f"{base}/application/saml/{sp['slug']}/metadata/", timeout=15)
        check(f"{name}.metadata", metadata.status_code == 200, metadata.status_code)
        settings = onelogin_settings(cfg, sp, metadata.text)

        # SP-initiated over the Redirect binding.
        auth = OneLogin_Saml2_Auth(onelogin_request(sp["acs"]), settings)
        location = auth.login(return_to="https://app.example.com/after")
        request_id = auth.get_last_request_id()
        result = browser.get(location, sp["acs"], username=cfg["username"], password=cfg["password"])
        check(f"{name}.redirect.form", result[0] == "form", result[:2])
        auth = OneLogin_Saml2_Auth(onelogin_request(sp["acs"], post=result[2]), settings)
        name_id, session_index = check_onelogin(f"{name}.redirect", auth, sp, cfg, out, result[2], request_id)

        # IdP-initiated (unsolicited: no InResponseTo).
        if sp.get("idp_initiated"):
            result = browser.get(f"{base}/application/saml/{sp['slug']}/sso/binding/init/", sp["acs"])
            auth = OneLogin_Saml2_Auth(onelogin_request(sp["acs"], post=result[2]), settings)
            check_onelogin(f"{name}.init", auth, sp, cfg, out, result[2], None)
            check(f"{name}.init.relay_state", result[2].get("RelayState") == sp["default_relay_state"], result[2])

        # SLO: signed LogoutRequest, signed LogoutResponse checked in strict mode.
        if sp.get("test_slo"):
            auth = OneLogin_Saml2_Auth(onelogin_request(sp["slo"]), settings)
            location = auth.logout(return_to="https://app.example.com/bye", name_id=name_id, session_index=session_index,
                                   name_id_format=sp["name_id_format"])
            request_id = auth.get_last_request_id()
            result = browser.get(location, sp["slo"])
            check(f"{name}.slo.redirect", result[0] == "redirect", result[:2])
            xml, query = decode_redirect(result[1])
            save(out, f"{sp['slug']}-logout-response", xml)
            raw_query = urllib.parse.urlparse(result[1]).query
            request = onelogin_request(sp["slo"], get=query)
            request["query_string"] = raw_query
            auth = OneLogin_Saml2_Auth(request, settings)
            auth.process_slo(request_id=request_id, keep_local_session=True)
            check(f"{name}.slo.validated", not auth.get_errors(), (auth.get_errors(), auth.get_last_error_reason()))
            probe = f"{base}/application/saml/{sp['slug']}/sso/binding/init/"
            check(f"{name}.slo.session_ended", not browser.signed_in(probe))


# --------------------------------------------------------------------------- commands

def prepare(out):
    """An RSA-2048 key and self-signed certificate for the SPs, and pysaml2's SP metadata."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    os.makedirs(out, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "interop-sp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = os.path.join(out, "sp.key"), os.path.join(out, "sp.crt")
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    with open(cert_path, "w") as handle:
        handle.write(cert_pem)
    cfg = {"sp_key": key_path, "sp_cert": cert_path}
    metadata_sp = {"entity_id": "https://meta.example.com/sp", "acs": "https://meta.example.com/acs",
                   "slo": "https://meta.example.com/slo"}
    print(json.dumps({"sp_key": key_path, "sp_cert": cert_path, "cert_pem": cert_pem,
                      "metadata": pysaml2_metadata(cfg, metadata_sp)}))


def run(path):
    cfg = json.load(open(path))
    out = cfg["out"]
    browser = Browser(cfg["base"])
    run_pysaml2(cfg, browser, out)
    run_onelogin(cfg, Browser(cfg["base"]), out)

    # A user the application's access rules refuse gets our 403 page, whose button carries a
    # RequestDenied status to the SP: never an assertion.
    denied = cfg["denied"]
    browser = Browser(cfg["base"])
    result = browser.get(f"{cfg['base']}/application/saml/{denied['slug']}/sso/binding/init/", denied["acs"],
                         username=denied["username"], password=cfg["password"])
    check("denied.page_403", result[0] == "form" and result[3] == 403, result[:2] + (result[3] if len(result) > 3 else None,))
    xml = decode_post(result[2]).decode()
    save(out, "denied-response", xml)
    check("denied.request_denied_status", "urn:oasis:names:tc:SAML:2.0:status:RequestDenied" in xml and "Assertion" not in xml, xml)
    print(json.dumps({"passed": PASSED, "emitted": EMITTED}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "run":
        run(sys.argv[2])
    else:
        raise SystemExit(__doc__)
