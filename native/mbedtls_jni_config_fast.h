/*
 * The "fast" profile (-Dmbedtls.profile=fast, CMake -DMBEDTLS_PROFILE=fast): the project's
 * configuration plus speed options that change no protocol behaviour — the same cipher suites,
 * groups and signature algorithms offered in the same order (scripts/bench checks this with
 * mbedtls_bench suites) and the same verification results — only how fast the same math runs.
 * Used as MBEDTLS_USER_CONFIG_FILE instead of mbedtls_jni_config.h (which it includes), so the
 * archives, the glue and the benchmark harness all see it. CMake adds -maes -mpclmul on x86-64
 * (AES-NI/PCLMUL intrinsics instead of inline assembly; CPU support is still checked at run time).
 */
#include "mbedtls_jni_config.h"

/* ECP: a larger window for the variable-base multiplications of ECDSA verification (the
 * default is 4; 6 uses ~4x the table memory during one multiplication), and the precomputed
 * tables for the curves' base points (the default, spelled out). */
#undef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 6
#undef MBEDTLS_ECP_FIXED_POINT_OPTIM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1

/* X25519 shared secrets through the formally verified Everest (HACL*) code instead of the generic
 * Montgomery ladder on bignums. */
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED

/* Not here: the p256-m PSA driver (MBEDTLS_PSA_P256M_DRIVER_ENABLED + MBEDTLS_USE_PSA_CRYPTO) is
 * built for code size, with 32-bit limbs: on x86-64 its TLS 1.3 handshakes are slower than with
 * Mbed TLS's own 64-bit P-256 (scripts/bench shows it). */

/* GHASH with 8-bit tables where there is no PCLMUL (no effect where AES-NI/PCLMUL run). */
#define MBEDTLS_GCM_LARGE_TABLE
