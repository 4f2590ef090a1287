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

/* A client library: the TLS server side is not compiled in. */
#undef MBEDTLS_SSL_SRV_C

/* What the binding relies on; spelled out so that a change of defaults is noticed here. */
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_DEBUG_C
#define MBEDTLS_X509_CRL_PARSE_C
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
