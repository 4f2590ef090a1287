/* JNI glue of io.github.mbedtlsjni.mbedtls.PkContext: mbedtls_pk_context (a private key). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_PkContext.h"

#include <stdlib.h>
#include <string.h>

#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_pk_context *pk = mj_alloc(env, MJ_KIND_PK, sizeof *pk);
    (void) cls;
    if (pk == NULL) {
        return 0;
    }
    mbedtls_pk_init(pk);
    return MJ_HANDLE(pk);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_pk_context *pk = MJ_PTR(mbedtls_pk_context, handle);
    (void) env;
    (void) cls;
    mbedtls_pk_free(pk); /* zeroizes the key material */
    mj_release(MJ_KIND_PK, pk);
}

/* A malloc'ed copy of a Java byte[] (may be NULL: *len_out 0, returns NULL without exception). */
static unsigned char *copy_password(JNIEnv *env, jbyteArray password, size_t *len_out, int *failed)
{
    jsize len;
    unsigned char *buf;
    *len_out = 0;
    *failed = 0;
    if (password == NULL) {
        return NULL;
    }
    len = (*env)->GetArrayLength(env, password);
    buf = malloc((size_t) len + 1);
    if (buf == NULL) {
        mj_throw_oom(env, "a copy of the password");
        *failed = 1;
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, password, 0, len, (jbyte *) buf);
    buf[len] = '\0';
    *len_out = (size_t) len;
    return buf;
}

static void free_secret(void *p, size_t len)
{
    if (p != NULL) {
        mbedtls_platform_zeroize(p, len);
        free(p);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nParseKey(JNIEnv *env, jclass cls, jlong handle,
                                                                     jbyteArray key, jbyteArray password,
                                                                     jlong drbg_handle)
{
    mbedtls_pk_context *pk = MJ_PTR(mbedtls_pk_context, handle);
    size_t key_len, pwd_len;
    unsigned char *buf, *pwd;
    int failed, ret;
    (void) cls;

    buf = mj_copy_for_parse(env, key, &key_len);
    if (buf == NULL) {
        return;
    }
    pwd = copy_password(env, password, &pwd_len, &failed);
    if (failed) {
        free_secret(buf, key_len);
        return;
    }
    ret = mj_pk_parse_key(pk, buf, key_len, pwd, pwd_len, mbedtls_ctr_drbg_random,
                          MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle));
    free_secret(pwd, pwd_len);
    free_secret(buf, key_len);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_pk_parse_key", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nParseKeyFile(JNIEnv *env, jclass cls, jlong handle,
                                                                         jstring jpath, jbyteArray password,
                                                                         jlong drbg_handle)
{
#if defined(MBEDTLS_FS_IO)
    mbedtls_pk_context *pk = MJ_PTR(mbedtls_pk_context, handle);
    size_t pwd_len;
    unsigned char *pwd;
    char *path;
    int failed, ret;
    (void) cls;

    path = mj_utf8(env, jpath);
    if (path == NULL) {
        return;
    }
    pwd = copy_password(env, password, &pwd_len, &failed);
    if (failed) {
        free(path);
        return;
    }
    if (pwd != NULL && strlen((const char *) pwd) != pwd_len) {
        mj_throw_argument(env, "the password contains a NUL character");
        ret = 0;
    } else {
        ret = mj_pk_parse_keyfile(pk, path, (const char *) pwd, mbedtls_ctr_drbg_random,
                                  MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle));
    }
    free_secret(pwd, pwd_len);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_pk_parse_keyfile", path);
    }
    free(path);
#else
    (void) cls;
    (void) handle;
    (void) jpath;
    (void) password;
    (void) drbg_handle;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_FS_IO: read the file in Java and call parseKey");
#endif
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nName(JNIEnv *env, jclass cls, jlong handle)
{
    (void) cls;
    return mj_string(env, mbedtls_pk_get_name(MJ_PTR(mbedtls_pk_context, handle)));
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nBits(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    return (jint) mbedtls_pk_get_bitlen(MJ_PTR(mbedtls_pk_context, handle));
}
