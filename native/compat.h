/*
 * Every difference between the Mbed TLS lines the glue supports (2.28 LTS and 3.6 LTS) lives
 * here, so the rest of the glue reads the same on both.
 */
#ifndef MJ_COMPAT_H
#define MJ_COMPAT_H

#include <limits.h>

#include "mbedtls/version.h"
#include "mbedtls/ssl.h"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MJ_MBEDTLS_3 1
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif
#else
#define MJ_MBEDTLS_3 0
#endif

#if MBEDTLS_VERSION_NUMBER < 0x02280000
#error "mbedtls-jni needs Mbed TLS 2.28 or 3.6 (or newer 3.x)"
#endif
#if !defined(MBEDTLS_SSL_CLI_C) || !defined(MBEDTLS_NET_C) || !defined(MBEDTLS_X509_CRT_PARSE_C) || \
    !defined(MBEDTLS_CTR_DRBG_C) || !defined(MBEDTLS_ENTROPY_C)
#error "mbedtls-jni needs MBEDTLS_SSL_CLI_C, MBEDTLS_NET_C, MBEDTLS_X509_CRT_PARSE_C, MBEDTLS_CTR_DRBG_C and MBEDTLS_ENTROPY_C"
#endif

/* TLS 1.3 NewSessionTicket surfaces from mbedtls_ssl_read() in 3.x; 2.28 has no such code. */
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
#define MJ_ERR_NEW_SESSION_TICKET MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#else
#define MJ_ERR_NEW_SESSION_TICKET INT_MIN /* never returned */
#endif

/* Mbed TLS's "no verification result" value of mbedtls_ssl_get_verify_result(). */
#define MJ_VERIFY_RESULT_NONE 0xFFFFFFFFu

/* Java's TlsVersion ordinals. */
enum { MJ_TLS1_2 = 0, MJ_TLS1_3 = 1 };

/*
 * Sets the minimum or maximum TLS version. Returns 0, or -1 if this build cannot do that
 * version (the caller names the reason).
 */
static inline int mj_conf_tls_version(mbedtls_ssl_config *conf, int version, int minimum)
{
#if MJ_MBEDTLS_3
    mbedtls_ssl_protocol_version v;
    if (version == MJ_TLS1_3) {
#if !defined(MBEDTLS_SSL_PROTO_TLS1_3)
        return -1;
#else
        v = MBEDTLS_SSL_VERSION_TLS1_3;
#endif
    } else {
        v = MBEDTLS_SSL_VERSION_TLS1_2;
    }
    if (minimum) {
        mbedtls_ssl_conf_min_tls_version(conf, v);
    } else {
        mbedtls_ssl_conf_max_tls_version(conf, v);
    }
    return 0;
#else
    if (version == MJ_TLS1_3) {
        return -1;
    }
    if (minimum) {
        mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    } else {
        mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    }
    return 0;
#endif
}

/* Why mj_conf_tls_version() refused TLS 1.3. */
#if MJ_MBEDTLS_3
#define MJ_TLS13_UNAVAILABLE "TLS 1.3 is not compiled into this Mbed TLS (MBEDTLS_SSL_PROTO_TLS1_3 is off)"
#else
#define MJ_TLS13_UNAVAILABLE "TLS 1.3 needs Mbed TLS 3.x; this library links Mbed TLS " MBEDTLS_VERSION_STRING
#endif

/* Library-wide initialisation: PSA crypto, which TLS 1.3 in 3.x needs. Returns 0 or an error. */
static inline int mj_crypto_init(void)
{
#if MJ_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
    return 0;
#endif
}

#endif /* MJ_COMPAT_H */
