/*
 * mbedtls-jni's changes to Mbed TLS's default configuration (used as MBEDTLS_USER_CONFIG_FILE,
 * so everything not named here stays as Mbed TLS ships it: TLS 1.2 and 1.3, X.509 with CRLs,
 * MBEDTLS_DEBUG_C, MBEDTLS_ERROR_C, MBEDTLS_VERSION_FEATURES).
 *
 * -Dmbedtls.config=FILE replaces the whole configuration instead (see docs/building.md).
 */

/* Several Java threads share one DRBG and one config, and TLS 1.3 uses PSA from all of them. */
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD

/* Mbed TLS allocates through a function pointer, which the library and the benchmark harness set
 * to malloc + memset at start (native/platform_memory.h: glibc's calloc takes a lock in every
 * multi-threaded process); a program that sets nothing gets calloc, as without this option. */
#define MBEDTLS_PLATFORM_MEMORY
#define MJ_PLATFORM_MEMORY_MALLOC

/* Clients and servers: TLS servers, and DTLS servers (which need the server side too). */
#define MBEDTLS_SSL_SRV_C

/* What the binding relies on; spelled out so that a change of defaults is noticed here. */
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_DEBUG_C
#define MBEDTLS_X509_CRL_PARSE_C
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/*
 * DTLS 1.2 (DtlsClient, DtlsServer, DatagramBio): the transport, HelloVerifyRequest cookies,
 * anti-replay and context serialization (idle sessions saved and loaded); Mbed TLS's defaults
 * on both lines, spelled out. The Connection ID is RFC 9146's only on 3.x: there
 * MBEDTLS_VERSION_MAJOR is already defined when this file is read (build_info.h), and
 * MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT must stay 0 (1 selects the pre-RFC draft's format).
 * 2.28 knows only that draft, with another extension number, which RFC 9146 peers do not
 * understand: it stays off there (native/compat.h refuses CID on 2.28 whatever the config).
 */
#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY
#define MBEDTLS_SSL_COOKIE_C
#define MBEDTLS_SSL_CONTEXT_SERIALIZATION
#if defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR >= 3
#define MBEDTLS_SSL_DTLS_CONNECTION_ID
#undef MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT
#define MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT 0
#else
#undef MBEDTLS_SSL_DTLS_CONNECTION_ID
#endif
