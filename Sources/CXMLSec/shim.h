#pragma once
// SwiftPM drops pkg-config's -D flags for system libraries, so restate every one that
// `pkg-config --cflags xmlsec1` prints, with the same values: several change types and struct
// layouts (XMLSEC_NO_SIZE_T makes xmlSecSize an unsigned int instead of a size_t), and a
// mismatch compiles silently. XMLSecTests.ABITests compares this list with pkg-config and
// checks the struct sizes against the library at run time.
#ifndef __XMLSEC_FUNCTION__
#define __XMLSEC_FUNCTION__ __func__
#endif
#ifndef XMLSEC_NO_SIZE_T
#define XMLSEC_NO_SIZE_T 1
#endif
#ifndef XMLSEC_OPENSSL3_ENGINES
#define XMLSEC_OPENSSL3_ENGINES 1
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
// libxml2 is built with ICU and its encoding.h pulls in <unicode/ucnv.h>. Swift's Foundation
// carries its own, different ICU module, and a module graph that sees both cannot build
// ("'UErrorCode' has different definitions"). encoding.h only needs two names from ICU, for
// pointer fields and a buffer, so declare those and skip ICU's header: the layout is unchanged.
#include <stdint.h>
#include <libxml/xmlversion.h>
#if defined(LIBXML_ICU_ENABLED) && !defined(UCNV_H)
#define UCNV_H
typedef struct UConverter UConverter;
typedef uint16_t UChar;
#endif
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <libxml/c14n.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/version.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/transforms.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/base64.h>
#include <xmlsec/crypto.h>
// Raw DEFLATE for the SAML HTTP-Redirect binding.
#include <zlib.h>
