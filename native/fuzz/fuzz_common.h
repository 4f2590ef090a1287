/* Shared by the libFuzzer harnesses of native/fuzz (see CMakeLists.txt there and scripts/fuzz). */
#ifndef MJ_FUZZ_COMMON_H
#define MJ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/version.h"
#if MBEDTLS_VERSION_MAJOR >= 3
#include "psa/crypto.h"
#endif

/* A deterministic "RNG", so that every input replays the same way. */
static inline int mj_fuzz_rng(void *ctx, unsigned char *out, size_t len)
{
    static uint32_t state = 0x6d6a6675;
    (void) ctx;
    for (size_t i = 0; i < len; i++) {
        state = state * 1103515245u + 12345u;
        out[i] = (unsigned char) (state >> 16);
    }
    return 0;
}

/* psa_crypto_init once (3.x: TLS 1.3 and some PK paths use PSA). */
static inline void mj_fuzz_init(void)
{
#if MBEDTLS_VERSION_MAJOR >= 3
    static int done;
    if (!done) {
        (void) psa_crypto_init();
        done = 1;
    }
#endif
}

#endif
