/*
 * Every difference between the Mbed TLS lines the glue supports (2.28 LTS and 3.6 LTS) lives
 * here, so the rest of the glue reads the same on both.
 */
#ifndef MJ_COMPAT_H
#define MJ_COMPAT_H

#include <limits.h>

/*
 * Header names: 3.x reads its configuration through mbedtls/build_info.h (the config file is
 * mbedtls/mbedtls_config.h); 2.28 through mbedtls/config.h, which every 2.28 header includes
 * itself. mbedtls/version.h includes the right one on both lines, so it comes first.
 */
#include "mbedtls/version.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "platform_memory.h"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MJ_MBEDTLS_3 1
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif
#else
#define MJ_MBEDTLS_3 0
#endif

/*
 * Struct members that 3.x made private are named MBEDTLS_PRIVATE(member) there; 2.28 has them
 * public under the same name. Glue reading such a member writes MBEDTLS_PRIVATE(member) on both.
 */
#if !defined(MBEDTLS_PRIVATE)
#define MBEDTLS_PRIVATE(member) member
#endif

#if MBEDTLS_VERSION_NUMBER < 0x021C0000 /* 2.28.0: the number is 0xMMNNPP00, in hex */
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
#if defined(MBEDTLS_ERR_SSL_RECEIVED_EARLY_DATA)
#define MJ_ERR_RECEIVED_EARLY_DATA MBEDTLS_ERR_SSL_RECEIVED_EARLY_DATA
#else
#define MJ_ERR_RECEIVED_EARLY_DATA INT_MIN /* never returned */
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

/*
 * mbedtls_pk_parse_key / mbedtls_pk_parse_keyfile: 3.x takes an RNG (used for blinding while
 * checking an EC key), 2.28 has no such parameters and ignores f_rng and p_rng here. Same
 * return codes on both (0 or a negative MBEDTLS_ERR_PK_* code).
 */
static inline int mj_pk_parse_key(mbedtls_pk_context *pk, const unsigned char *key, size_t keylen,
                                  const unsigned char *pwd, size_t pwdlen,
                                  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
#if MJ_MBEDTLS_3
    return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen, f_rng, p_rng);
#else
    (void) f_rng;
    (void) p_rng;
    return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen);
#endif
}

#if defined(MBEDTLS_FS_IO)
static inline int mj_pk_parse_keyfile(mbedtls_pk_context *pk, const char *path, const char *password,
                                      int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
#if MJ_MBEDTLS_3
    return mbedtls_pk_parse_keyfile(pk, path, password, f_rng, p_rng);
#else
    (void) f_rng;
    (void) p_rng;
    return mbedtls_pk_parse_keyfile(pk, path, password);
#endif
}
#endif

/*
 * TLS 1.3 NewSessionTicket handling on the client (needed to resume TLS 1.3 sessions): 3.6.1+
 * ignores tickets unless mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets enables them;
 * 3.6.0 always handles them; 2.28 has no TLS 1.3. With tickets enabled, mbedtls_ssl_read returns
 * MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET (MJ_ERR_NEW_SESSION_TICKET) for each ticket.
 */
static inline void mj_conf_tls13_signal_tickets(mbedtls_ssl_config *conf, int enable)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03060100 && defined(MBEDTLS_SSL_PROTO_TLS1_3) && \
    defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        conf, enable ? MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED
                     : MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_DISABLED);
#else
    (void) conf;
    (void) enable;
#endif
}

/*
 * How many NewSessionTicket messages a TLS 1.3 server sends after each handshake
 * (mbedtls_ssl_conf_new_session_tickets, 3.x only; 2.28 has no TLS 1.3). 0, or -1 if this build
 * has no such setting.
 */
static inline int mj_conf_new_session_tickets(mbedtls_ssl_config *conf, int count)
{
#if MJ_MBEDTLS_3 && defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_SESSION_TICKETS) && \
    defined(MBEDTLS_SSL_SRV_C)
    mbedtls_ssl_conf_new_session_tickets(conf, (uint16_t) count);
    return 0;
#else
    (void) conf;
    (void) count;
    return -1;
#endif
}

/*
 * The TLS 1.3 key exchange modes a config allows (mbedtls_ssl_conf_tls13_key_exchange_modes, 3.x
 * with TLS 1.3 only; 2.28 has no TLS 1.3): each flag 1 allows psk, ephemeral, psk_ephemeral.
 * 0, or -1 if this build has no such setting.
 */
static inline int mj_conf_tls13_key_exchange_modes(mbedtls_ssl_config *conf, int psk, int ephemeral, int psk_ephemeral)
{
#if MJ_MBEDTLS_3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    mbedtls_ssl_conf_tls13_key_exchange_modes(conf, (psk ? MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK : 0) |
                                                        (ephemeral ? MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL : 0) |
                                                        (psk_ephemeral ? MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL : 0));
    return 0;
#else
    (void) conf;
    (void) psk;
    (void) ephemeral;
    (void) psk_ephemeral;
    return -1;
#endif
}

/*
 * mbedtls_net_connect: when every address fails, 2.28 leaves ctx->fd set to the last socket,
 * which it has already closed, so a later mbedtls_net_free() closes that descriptor number a
 * second time, by then possibly another file or connection of the process. 3.x resets it to -1
 * (mbedtls_net_close). Same return codes on both.
 */
static inline int mj_mbedtls_net_connect(mbedtls_net_context *ctx, const char *host, const char *port, int proto)
{
    int ret = mbedtls_net_connect(ctx, host, port, proto);
#if !MJ_MBEDTLS_3
    if (ret != 0) {
        ctx->fd = -1;
    }
#endif
    return ret;
}

/*
 * Library-wide initialisation: Mbed TLS's allocator (platform_memory.h), then PSA crypto, which
 * TLS 1.3 in 3.x needs. Returns 0 or an error.
 */
static inline int mj_crypto_init(void)
{
    mj_platform_memory_init();
#if MJ_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
    return 0;
#endif
}

/* SHA-3 digests for verification profiles (MBEDTLS_MD_SHA3_* came with 3.5); -1 where absent. */
#if MBEDTLS_VERSION_NUMBER >= 0x03050000
#define MJ_MD_SHA3_224 MBEDTLS_MD_SHA3_224
#define MJ_MD_SHA3_256 MBEDTLS_MD_SHA3_256
#define MJ_MD_SHA3_384 MBEDTLS_MD_SHA3_384
#define MJ_MD_SHA3_512 MBEDTLS_MD_SHA3_512
#else
#define MJ_MD_SHA3_224 (-1)
#define MJ_MD_SHA3_256 (-1)
#define MJ_MD_SHA3_384 (-1)
#define MJ_MD_SHA3_512 (-1)
#endif

/*
 * What the JSSE provider lists about a cipher suite: whether it is a TLS 1.3 suite, and whether
 * its key exchange needs a pre-shared key (which the provider never configures). 3.x keeps
 * these in private members and names versions mbedtls_ssl_protocol_version; 2.28 has no TLS 1.3.
 */
#include "mbedtls/ssl_ciphersuites.h"
static inline int mj_ciphersuite_is_tls13(const mbedtls_ssl_ciphersuite_t *info)
{
#if MJ_MBEDTLS_3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    return info->MBEDTLS_PRIVATE(min_tls_version) == MBEDTLS_SSL_VERSION_TLS1_3;
#else
    (void) info;
    return 0;
#endif
}

static inline int mj_ciphersuite_uses_psk(const mbedtls_ssl_ciphersuite_t *info)
{
    switch (info->MBEDTLS_PRIVATE(key_exchange)) {
    case MBEDTLS_KEY_EXCHANGE_PSK:
    case MBEDTLS_KEY_EXCHANGE_DHE_PSK:
    case MBEDTLS_KEY_EXCHANGE_RSA_PSK:
    case MBEDTLS_KEY_EXCHANGE_ECDHE_PSK:
    case MBEDTLS_KEY_EXCHANGE_ECJPAKE:
        return 1;
    default:
        return 0;
    }
}

/* --- DTLS --------------------------------------------------------------------------------------- */

#if defined(MBEDTLS_SSL_PROTO_DTLS)
#define MJ_HAS_DTLS 1
#else
#define MJ_HAS_DTLS 0
#endif

/*
 * The Connection ID of RFC 9146 (extension 54, record type tls12_cid): Mbed TLS 3.x with
 * MBEDTLS_SSL_DTLS_CONNECTION_ID and MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT 0. 2.28's
 * MBEDTLS_SSL_DTLS_CONNECTION_ID is a pre-RFC draft (extension 254, another record format) that
 * RFC 9146 peers do not speak, so the glue never uses it: on 2.28 every CID call is refused.
 */
#if MJ_MBEDTLS_3 && MJ_HAS_DTLS && defined(MBEDTLS_SSL_DTLS_CONNECTION_ID) && \
    (!defined(MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT) || MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT == 0)
#define MJ_HAS_CID 1
#else
#define MJ_HAS_CID 0
#endif

/* Why CID is refused, for the exception. */
#if !MJ_MBEDTLS_3
#define MJ_CID_UNAVAILABLE "the DTLS Connection ID of RFC 9146 needs Mbed TLS 3.x; this library links Mbed TLS " \
    MBEDTLS_VERSION_STRING ", whose CID is an incompatible pre-RFC draft"
#else
#define MJ_CID_UNAVAILABLE "the DTLS Connection ID of RFC 9146 is not compiled into this Mbed TLS " \
    "(MBEDTLS_SSL_DTLS_CONNECTION_ID off, or MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT not 0)"
#endif

/* mbedtls_ssl_config_defaults's endpoint and transport, from Java's SslConfig.Endpoint and
 * SslConfig.Transport ordinals. */
enum { MJ_ENDPOINT_CLIENT = 0, MJ_ENDPOINT_SERVER = 1 };
enum { MJ_TRANSPORT_STREAM = 0, MJ_TRANSPORT_DATAGRAM = 1 };

/*
 * Frees what mbedtls_x509_parse_subject_alt_name allocated: 3.5 and later allocate a
 * directoryName's attribute list; older versions allocate nothing and have no such function.
 */
static inline void mj_san_free(mbedtls_x509_subject_alternative_name *san)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03050000
    mbedtls_x509_free_subject_alt_name(san);
#else
    (void) san;
#endif
}

/*
 * A certificate's subjectKeyIdentifier and authorityKeyIdentifier: Mbed TLS 3.5 added them to
 * mbedtls_x509_crt (subject_key_id, authority_key_id); 2.28 skips both extensions when parsing and
 * keeps nothing of them.
 */
#if MBEDTLS_VERSION_NUMBER >= 0x03050000
#define MJ_HAS_X509_KEY_IDS 1
#else
#define MJ_HAS_X509_KEY_IDS 0
#endif
#define MJ_X509_KEY_IDS_UNAVAILABLE "this Mbed TLS (" MBEDTLS_VERSION_STRING ") does not read a certificate's " \
    "subjectKeyIdentifier or authorityKeyIdentifier: its mbedtls_x509_crt has no subject_key_id or authority_key_id " \
    "(they came with Mbed TLS 3.5)"

/* --- Writing keys, CSRs and certificates ---------------------------------------------------- */

/*
 * mbedtls_rsa_gen_key / mbedtls_ecp_gen_key for mbedtls_pk_setup'd contexts (pk_context.c), and
 * mbedtls_x509write_* (x509_csr_writer.c, x509_crt_writer.c): present on both lines with the
 * default config, but a custom config may leave them out; the glue then refuses with this text.
 */
#if defined(MBEDTLS_PK_WRITE_C)
#define MJ_HAS_PK_WRITE 1
#else
#define MJ_HAS_PK_WRITE 0
#endif
#if defined(MBEDTLS_X509_CSR_WRITE_C) && defined(MBEDTLS_PEM_WRITE_C)
#define MJ_HAS_CSR_WRITE 1
#else
#define MJ_HAS_CSR_WRITE 0
#endif
#if defined(MBEDTLS_X509_CRT_WRITE_C) && defined(MBEDTLS_PEM_WRITE_C)
#define MJ_HAS_CRT_WRITE 1
#else
#define MJ_HAS_CRT_WRITE 0
#endif
#define MJ_WRITE_UNAVAILABLE(option) "this Mbed TLS is built without " option

/*
 * subjectAltName writers (mbedtls_x509write_csr/_crt_set_subject_alternative_name with DNS, URI,
 * IP, rfc822 and directoryName entries) came with 3.5. Before that (2.28), x509_util.c builds the
 * extension's DER itself with Mbed TLS's ASN.1 writers (DNS, URI, IP and rfc822 only) and sets
 * it with mbedtls_x509write_*_set_extension.
 */
#if MBEDTLS_VERSION_NUMBER >= 0x03050000
#define MJ_HAS_SAN_WRITER 1
#else
#define MJ_HAS_SAN_WRITER 0
#endif

/* mbedtls_x509write_crt_set_ext_key_usage came with 3.3; before, the glue sets the DER it builds. */
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
#define MJ_HAS_CRT_EKU_WRITER 1
#else
#define MJ_HAS_CRT_EKU_WRITER 0
#endif

#if MJ_HAS_CSR_WRITE
#include "mbedtls/x509_csr.h"
/* mbedtls_x509write_csr_set_extension: 3.0 added the critical flag; 2.28 always writes non-critical. */
static inline int mj_x509write_csr_set_extension(mbedtls_x509write_csr *req, const char *oid, size_t oid_len,
                                                 const unsigned char *val, size_t val_len)
{
#if MJ_MBEDTLS_3
    return mbedtls_x509write_csr_set_extension(req, oid, oid_len, 0, val, val_len);
#else
    return mbedtls_x509write_csr_set_extension(req, oid, oid_len, val, val_len);
#endif
}
#endif

#if MJ_HAS_CRT_WRITE
#include "mbedtls/bignum.h"
#include "mbedtls/x509_crt.h"
/*
 * The serial number as its big-endian bytes: 3.4 added mbedtls_x509write_crt_set_serial_raw (the
 * bytes as given, up to 20); 2.28 takes an mbedtls_mpi, so leading zero bytes are dropped there.
 */
static inline int mj_x509write_crt_set_serial(mbedtls_x509write_cert *crt, unsigned char *serial, size_t len)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
    return mbedtls_x509write_crt_set_serial_raw(crt, serial, len);
#else
    mbedtls_mpi mpi;
    int ret;
    mbedtls_mpi_init(&mpi);
    ret = mbedtls_mpi_read_binary(&mpi, serial, len);
    if (ret == 0) {
        ret = mbedtls_x509write_crt_set_serial(crt, &mpi);
    }
    mbedtls_mpi_free(&mpi);
    return ret;
#endif
}
#endif

/* --- CSRs (X509Csr) ----------------------------------------------------------------------------- */

/*
 * Reading CSRs needs MBEDTLS_X509_CSR_PARSE_C (on in Mbed TLS's default config, on both lines);
 * mbedtls_x509_csr itself is declared either way. Without it every X509Csr parse is refused.
 */
#include "mbedtls/x509_csr.h"
#if defined(MBEDTLS_X509_CSR_PARSE_C)
#define MJ_HAS_CSR 1
#else
#define MJ_HAS_CSR 0
#endif
#define MJ_CSR_UNAVAILABLE "CSR parsing is not compiled into this Mbed TLS (MBEDTLS_X509_CSR_PARSE_C is off)"

/*
 * A CSR's requested extensions (the extensionRequest attribute): 3.6 reads keyUsage,
 * subjectAltName and nsCertType into key_usage, subject_alt_names and ns_cert_type and marks what
 * it recognised in ext_types, and parses with an extension callback
 * (mbedtls_x509_csr_parse_der_with_ext_cb, new in 3.6.0). 2.28's mbedtls_x509_csr has none of
 * these members: it skips the attributes altogether.
 */
#if MJ_HAS_CSR && MBEDTLS_VERSION_NUMBER >= 0x03060000
#define MJ_HAS_CSR_EXTENSIONS 1
#else
#define MJ_HAS_CSR_EXTENSIONS 0
#endif
#define MJ_CSR_EXTENSIONS_UNAVAILABLE "this Mbed TLS (" MBEDTLS_VERSION_STRING ") does not read a CSR's " \
    "requested extensions: its mbedtls_x509_csr has no key_usage, ns_cert_type, subject_alt_names or ext_types " \
    "(the glue reads them on Mbed TLS 3.6 and later)"
#define MJ_CSR_EXT_CB_UNAVAILABLE "mbedtls_x509_csr_parse_der_with_ext_cb is not in this build: it came with " \
    "Mbed TLS 3.6.0, and this library links Mbed TLS " MBEDTLS_VERSION_STRING

#endif /* MJ_COMPAT_H */
