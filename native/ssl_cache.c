/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.SslCache: mbedtls_ssl_cache_context, a server's cache
 * of TLS 1.2 sessions by session id, for abbreviated handshakes.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_SslCache.h"

#if defined(MBEDTLS_SSL_CACHE_C)
#include "mbedtls/ssl_cache.h"

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_ssl_cache_context *ctx = mj_alloc(env, MJ_KIND_SSL_CACHE, sizeof *ctx);
    (void) cls;
    if (ctx == NULL) {
        return 0;
    }
    mbedtls_ssl_cache_init(ctx);
    return MJ_HANDLE(ctx);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_ssl_cache_context *ctx = MJ_PTR(mbedtls_ssl_cache_context, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_cache_free(ctx); /* wipes the cached sessions' master secrets */
    mj_release(MJ_KIND_SSL_CACHE, ctx);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nSetMaxEntries(JNIEnv *env, jclass cls, jlong handle,
                                                                         jint entries)
{
    (void) env;
    (void) cls;
    mbedtls_ssl_cache_set_max_entries(MJ_PTR(mbedtls_ssl_cache_context, handle), entries);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nSetTimeout(JNIEnv *env, jclass cls, jlong handle,
                                                                      jint seconds)
{
    (void) env;
    (void) cls;
#if defined(MBEDTLS_HAVE_TIME)
    mbedtls_ssl_cache_set_timeout(MJ_PTR(mbedtls_ssl_cache_context, handle), seconds);
#else
    (void) handle;
    (void) seconds;
#endif
}

#else /* no MBEDTLS_SSL_CACHE_C: every call refuses */

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nInit(JNIEnv *env, jclass cls)
{
    (void) cls;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_CACHE_C: no session cache");
    return 0;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    (void) handle;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nSetMaxEntries(JNIEnv *env, jclass cls, jlong handle,
                                                                         jint entries)
{
    (void) env;
    (void) cls;
    (void) handle;
    (void) entries;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCache_nSetTimeout(JNIEnv *env, jclass cls, jlong handle,
                                                                      jint seconds)
{
    (void) env;
    (void) cls;
    (void) handle;
    (void) seconds;
}

#endif

/* mbedtls_ssl_conf_session_cache with Mbed TLS's own get and set functions over cache. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetSessionCache(JNIEnv *env, jclass cls, jlong handle,
                                                                            jlong cache)
{
    (void) cls;
#if defined(MBEDTLS_SSL_CACHE_C) && defined(MBEDTLS_SSL_SRV_C)
    (void) env;
    mbedtls_ssl_conf_session_cache(&MJ_PTR(mj_conf, handle)->conf, MJ_PTR(mbedtls_ssl_cache_context, cache),
                                   mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
#else
    (void) handle;
    (void) cache;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_CACHE_C or MBEDTLS_SSL_SRV_C");
#endif
}
