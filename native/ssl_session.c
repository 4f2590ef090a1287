/* JNI glue of io.github.mbedtlsjni.mbedtls.SslSession: mbedtls_ssl_session (a session to resume). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_SslSession.h"

#include <stdlib.h>

#include "mbedtls/platform_util.h"

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslSession_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_ssl_session *session = mj_alloc(env, MJ_KIND_SSL_SESSION, sizeof *session);
    (void) cls;
    if (session == NULL) {
        return 0;
    }
    mbedtls_ssl_session_init(session);
    return MJ_HANDLE(session);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslSession_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_ssl_session *session = MJ_PTR(mbedtls_ssl_session, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_session_free(session); /* zeroizes the secrets */
    mj_release(MJ_KIND_SSL_SESSION, session);
}

/* mbedtls_ssl_session_save: the serialized session (secret material), or NULL with an exception. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_SslSession_nSave(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_ssl_session *session = MJ_PTR(mbedtls_ssl_session, handle);
    size_t len = 0, written = 0;
    unsigned char *buf;
    jbyteArray out = NULL;
    int ret;
    (void) cls;

    ret = mbedtls_ssl_session_save(session, NULL, 0, &len);
    if (ret != 0 && ret != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_session_save", NULL);
        return NULL;
    }
    buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        mj_throw_oom(env, "a serialized session");
        return NULL;
    }
    ret = mbedtls_ssl_session_save(session, buf, len, &written);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_session_save", NULL);
    } else if ((out = (*env)->NewByteArray(env, (jsize) written)) != NULL) {
        (*env)->SetByteArrayRegion(env, out, 0, (jsize) written, (const jbyte *) buf);
    }
    mbedtls_platform_zeroize(buf, len);
    free(buf);
    return out;
}

/* mbedtls_ssl_session_load into this (empty) session. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslSession_nLoad(JNIEnv *env, jclass cls, jlong handle,
                                                                  jbyteArray data)
{
    mbedtls_ssl_session *session = MJ_PTR(mbedtls_ssl_session, handle);
    jsize len = (*env)->GetArrayLength(env, data);
    unsigned char *buf = malloc(len > 0 ? (size_t) len : 1);
    int ret;
    (void) cls;
    if (buf == NULL) {
        mj_throw_oom(env, "a serialized session");
        return;
    }
    (*env)->GetByteArrayRegion(env, data, 0, len, (jbyte *) buf);
    ret = mbedtls_ssl_session_load(session, buf, (size_t) len);
    mbedtls_platform_zeroize(buf, (size_t) len);
    free(buf);
    if (ret != 0) {
        /* A failed load may leave parts behind: reset to empty. */
        mbedtls_ssl_session_free(session);
        mbedtls_ssl_session_init(session);
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_session_load", NULL);
    }
}
