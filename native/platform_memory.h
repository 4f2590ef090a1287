/*
 * Where Mbed TLS's heap memory comes from: a TLS handshake makes thousands of small allocations
 * (bignums, mostly) through mbedtls_calloc. glibc's calloc (up to 2.40 at least) bypasses the
 * per-thread cache that malloc uses, and in a multi-threaded process — every JVM — takes the
 * arena's lock on each call; its frees then find that cache full and take the lock too. So with
 * the project's configuration (MBEDTLS_PLATFORM_MEMORY, native/mbedtls_jni_config.h), Mbed TLS
 * allocates with malloc + memset instead: the same zeroed memory from the same heap, freed with
 * free, without the lock while the cache has a chunk of the size. The library installs it at load
 * (mj_crypto_init, compat.h); native/bench/mbedtls_bench.c does the same, so that the C harness
 * runs the same allocator. A system Mbed TLS (a shared library others may use) is left alone.
 */
#ifndef MJ_PLATFORM_MEMORY_H
#define MJ_PLATFORM_MEMORY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/platform.h"

#if defined(MJ_PLATFORM_MEMORY_MALLOC) && defined(MBEDTLS_PLATFORM_MEMORY) && \
    !defined(MBEDTLS_PLATFORM_CALLOC_MACRO) && !defined(MJ_MBEDTLS_SHARED)
/*
 * calloc's contract: NULL when n * size overflows; zeroed memory otherwise. The empty asm hides
 * where p came from, or GCC and Clang would fold malloc + memset back into calloc.
 */
static void *mj_calloc(size_t n, size_t size)
{
    void *p;
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    p = malloc(n * size);
    __asm__("" : "+r"(p));
    if (p != NULL) {
        memset(p, 0, n * size);
    }
    return p;
}

static inline void mj_platform_memory_init(void)
{
    (void) mbedtls_platform_set_calloc_free(mj_calloc, free);
}
#else
static inline void mj_platform_memory_init(void)
{
}
#endif

#endif /* MJ_PLATFORM_MEMORY_H */
