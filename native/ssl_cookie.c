/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.SslCookie: mbedtls_ssl_cookie_ctx, the key a DTLS
 * server makes and checks HelloVerifyRequest cookies with (RFC 6347 4.2.1), so that a ClientHello
 * from a spoofed address gets an answer but no state.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_SslCookie.h"

#if defined(MBEDTLS_SSL_COOKIE_C)
#include "mbedtls/ssl_cookie.h"
#endif

#if defined(MBEDTLS_SSL_COOKIE_C)

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_ssl_cookie_ctx *ctx = mj_alloc(env, MJ_KIND_SSL_COOKIE, sizeof *ctx);
    (void) cls;
    if (ctx == NULL) {
        return 0;
    }
    mbedtls_ssl_cookie_init(ctx);
    return MJ_HANDLE(ctx);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_ssl_cookie_ctx *ctx = MJ_PTR(mbedtls_ssl_cookie_ctx, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_cookie_free(ctx);
    mj_release(MJ_KIND_SSL_COOKIE, ctx);
}

/* mbedtls_ssl_cookie_setup: draws the HMAC key from the DRBG (used only during this call). */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nSetup(JNIEnv *env, jclass cls, jlong handle,
                                                                  jlong drbg_handle)
{
    int ret;
    (void) cls;
    ret = mbedtls_ssl_cookie_setup(MJ_PTR(mbedtls_ssl_cookie_ctx, handle), mbedtls_ctr_drbg_random,
                                   MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle));
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_cookie_setup", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nSetTimeout(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong seconds)
{
    (void) env;
    (void) cls;
    mbedtls_ssl_cookie_set_timeout(MJ_PTR(mbedtls_ssl_cookie_ctx, handle), (unsigned long) seconds);
}

#else /* no MBEDTLS_SSL_COOKIE_C: every call refuses */

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nInit(JNIEnv *env, jclass cls)
{
    (void) cls;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_COOKIE_C: no DTLS cookies");
    return 0;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    (void) handle;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nSetup(JNIEnv *env, jclass cls, jlong handle,
                                                                  jlong drbg_handle)
{
    (void) env;
    (void) cls;
    (void) handle;
    (void) drbg_handle;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslCookie_nSetTimeout(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong seconds)
{
    (void) env;
    (void) cls;
    (void) handle;
    (void) seconds;
}

#endif
