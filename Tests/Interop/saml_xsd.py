"""Validates SAML documents Gatehouse emitted against the official SAML 2.0 schemas that
Debian ships (opensaml-schemas, xmltooling-schemas), offline: the schemas' imports of the W3C
XML Signature, XML Encryption and xml.xsd schemas are resolved to the local copies.

    saml_xsd.py FILE...   each FILE is a metadata document, a samlp:Response or LogoutResponse

Prints one JSON object {"validated": [...]} and exits non-zero on the first invalid document.
"""
import json
import os
import sys

from lxml import etree

SAML = "/usr/share/xml/opensaml"
TOOLING = "/usr/share/xml/xmltooling"
LOCAL = {
    "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd": f"{TOOLING}/xmldsig-core-schema.xsd",
    "http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd": f"{TOOLING}/xenc-schema.xsd",
    "http://www.w3.org/2001/xml.xsd": f"{TOOLING}/xml.xsd",
}


class Local(etree.Resolver):
    def resolve(self, url, public_id, context):
        if url in LOCAL:
            return self.resolve_filename(LOCAL[url], context)
        if url.startswith("http"):
            raise SystemExit(f"FAILED xsd: the schemas reach for {url}, which has no local copy")
        return None


def schema(name):
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(os.path.join(SAML, name), parser))


def main():
    for path in [f"{SAML}/saml-schema-protocol-2.0.xsd", f"{SAML}/saml-schema-metadata-2.0.xsd", *LOCAL.values()]:
        if not os.path.exists(path):
            raise SystemExit(f"FAILED xsd: {path} is missing (install opensaml-schemas and xmltooling-schemas)")
    schemas = {
        "urn:oasis:names:tc:SAML:2.0:metadata": schema("saml-schema-metadata-2.0.xsd"),
        "urn:oasis:names:tc:SAML:2.0:protocol": schema("saml-schema-protocol-2.0.xsd"),
    }
    validated = []
    for path in sys.argv[1:]:
        document = etree.parse(path, etree.XMLParser(no_network=True, resolve_entities=False))
        root = etree.QName(document.getroot())
        chosen = schemas.get(root.namespace)
        if chosen is None:
            raise SystemExit(f"FAILED xsd: {path}: no schema for {root}")
        if not chosen.validate(document):
            raise SystemExit(f"FAILED xsd: {path} ({root.localname}): {chosen.error_log}")
        validated.append(f"{os.path.basename(path)}:{root.localname}")
    print(json.dumps({"validated": validated}))


if __name__ == "__main__":
    main()
