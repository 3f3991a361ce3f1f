#pragma once
// SwiftPM drops pkg-config's -D flags for system libraries; restate the ones xmlsec1-openssl needs.
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif
#ifndef XMLSEC_NO_SIZE_T
#define XMLSEC_NO_SIZE_T
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
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
#include <libxml/tree.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include <xmlsec/version.h>
