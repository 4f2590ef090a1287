/* JNI glue of io.github.mbedtlsjni.mbedtls.X509Crt: mbedtls_x509_crt (a chain of certificates). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509Crt.h"
#include "verify_profile.h"

#include <stdlib.h>

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_x509_crt *crt = mj_alloc(env, MJ_KIND_X509_CRT, sizeof *crt);
    (void) cls;
    if (crt == NULL) {
        return 0;
    }
    mbedtls_x509_crt_init(crt);
    return MJ_HANDLE(crt);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    (void) env;
    (void) cls;
    mbedtls_x509_crt_free(crt);
    mj_release(MJ_KIND_X509_CRT, crt);
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nParse(JNIEnv *env, jclass cls, jlong handle, jbyteArray data)
{
    mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    size_t len;
    unsigned char *buf = mj_copy_for_parse(env, data, &len);
    int ret;
    (void) cls;
    if (buf == NULL) {
        return 0;
    }
    ret = mbedtls_x509_crt_parse(crt, buf, len);
    free(buf);
    if (ret < 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_crt_parse", NULL);
        return 0;
    }
    return ret;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nParseDer(JNIEnv *env, jclass cls, jlong handle,
                                                                   jbyteArray data)
{
    mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    jsize len = (*env)->GetArrayLength(env, data);
    unsigned char *buf = malloc((size_t) len + 1);
    int ret;
    (void) cls;
    if (buf == NULL) {
        mj_throw_oom(env, "a copy of the input");
        return;
    }
    (*env)->GetByteArrayRegion(env, data, 0, len, (jbyte *) buf);
    ret = mbedtls_x509_crt_parse_der(crt, buf, (size_t) len);
    free(buf);
    if (ret != 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_crt_parse_der", NULL);
    }
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nParseFile(JNIEnv *env, jclass cls, jlong handle,
                                                                    jstring jpath)
{
    mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    char *path = mj_utf8(env, jpath);
    int ret;
    (void) cls;
    if (path == NULL) {
        return 0;
    }
    ret = mbedtls_x509_crt_parse_file(crt, path);
    if (ret < 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_crt_parse_file", path);
        ret = 0;
    }
    free(path);
    return ret;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nParsePath(JNIEnv *env, jclass cls, jlong handle,
                                                                    jstring jpath)
{
    mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    char *path = mj_utf8(env, jpath);
    int ret;
    (void) cls;
    if (path == NULL) {
        return 0;
    }
    ret = mbedtls_x509_crt_parse_path(crt, path);
    if (ret < 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_crt_parse_path", path);
        ret = 0;
    }
    free(path);
    return ret;
}

/* Certificate number index of the chain (an empty chain is one node with no data). */
static const mbedtls_x509_crt *nth(const mbedtls_x509_crt *crt, int index)
{
    for (; crt != NULL && crt->raw.len != 0; crt = crt->next) {
        if (index-- == 0) {
            return crt;
        }
    }
    return NULL;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nCount(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    jint n = 0;
    (void) env;
    (void) cls;
    for (; crt != NULL && crt->raw.len != 0; crt = crt->next) {
        n++;
    }
    return n;
}

JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nDer(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = nth(MJ_PTR(mbedtls_x509_crt, handle), index);
    jbyteArray der;
    (void) cls;
    if (crt == NULL) {
        mj_throw_argument(env, "no certificate at that index");
        return NULL;
    }
    der = (*env)->NewByteArray(env, (jsize) crt->raw.len);
    if (der != NULL) {
        (*env)->SetByteArrayRegion(env, der, 0, (jsize) crt->raw.len, (const jbyte *) crt->raw.p);
    }
    return der;
}

JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nDers(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_crt *head = MJ_PTR(mbedtls_x509_crt, handle);
    const mbedtls_x509_crt *crt;
    jobjectArray result;
    jsize n = 0, i = 0;
    (void) cls;

    for (crt = head; crt != NULL && crt->raw.len != 0; crt = crt->next) {
        n++;
    }
    result = (*env)->NewObjectArray(env, n, mj_jni.byte_array, NULL);
    if (result == NULL) {
        return NULL;
    }
    for (crt = head; i < n; crt = crt->next, i++) {
        jbyteArray der = (*env)->NewByteArray(env, (jsize) crt->raw.len);
        if (der == NULL) {
            return NULL;
        }
        (*env)->SetByteArrayRegion(env, der, 0, (jsize) crt->raw.len, (const jbyte *) crt->raw.p);
        (*env)->SetObjectArrayElement(env, result, i, der);
        (*env)->DeleteLocalRef(env, der);
    }
    return result;
}

/* valid_from or valid_to of certificate index: {year, month, day, hour, minute, second}, UTC. */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nTime(JNIEnv *env, jclass cls, jlong handle, jint index,
                                                                    jboolean from)
{
    const mbedtls_x509_crt *crt = nth(MJ_PTR(mbedtls_x509_crt, handle), index);
    const mbedtls_x509_time *t;
    jint fields[6];
    jintArray result;
    (void) cls;
    if (crt == NULL) {
        mj_throw_argument(env, "no certificate at that index");
        return NULL;
    }
    t = from ? &crt->valid_from : &crt->valid_to;
    fields[0] = t->year;
    fields[1] = t->mon;
    fields[2] = t->day;
    fields[3] = t->hour;
    fields[4] = t->min;
    fields[5] = t->sec;
    result = (*env)->NewIntArray(env, 6);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, 6, fields);
    }
    return result;
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nName(JNIEnv *env, jclass cls, jlong handle, jint index,
                                                                  jboolean subject)
{
    const mbedtls_x509_crt *crt = nth(MJ_PTR(mbedtls_x509_crt, handle), index);
    /* mbedtls_x509_dn_gets writes nothing at all for an empty name (no attribute), not even the
     * terminating NUL: start from an empty string. */
    char name[2048] = "";
    int ret;
    (void) cls;
    if (crt == NULL) {
        mj_throw_argument(env, "no certificate at that index");
        return NULL;
    }
    ret = mbedtls_x509_dn_gets(name, sizeof name, subject ? &crt->subject : &crt->issuer);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509_dn_gets", NULL);
        return NULL;
    }
    return mj_string(env, name);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nInfo(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = nth(MJ_PTR(mbedtls_x509_crt, handle), index);
    char *info;
    int ret;
    jstring s;
    (void) cls;
    if (crt == NULL) {
        mj_throw_argument(env, "no certificate at that index");
        return NULL;
    }
    info = malloc(16384);
    if (info == NULL) {
        mj_throw_oom(env, "certificate info");
        return NULL;
    }
    /* mbedtls_x509_crt_info describes one certificate; it does not follow crt->next. */
    ret = mbedtls_x509_crt_info(info, 16384, "", crt);
    if (ret < 0) {
        free(info);
        mj_throw_mbedtls(env, ret, "mbedtls_x509_crt_info", NULL);
        return NULL;
    }
    s = mj_string(env, info);
    free(info);
    return s;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nVerify(JNIEnv *env, jclass cls, jlong handle,
                                                                 jlong trusted_handle, jlong crl_handle, jstring jname,
                                                                 jint kind, jint hashes, jint pk_types, jint curves,
                                                                 jint min_rsa_bits)
{
    mbedtls_x509_crt *crt = MJ_PTR(mbedtls_x509_crt, handle);
    mbedtls_x509_crt *trusted = MJ_PTR(mbedtls_x509_crt, trusted_handle);
    mbedtls_x509_crl *crl = crl_handle != 0 ? MJ_PTR(mbedtls_x509_crl, crl_handle) : NULL;
    mbedtls_x509_crt_profile profile;
    char *name = NULL;
    uint32_t flags = 0;
    int ret;
    (void) cls;

    if (mj_profile_fill(env, kind, hashes, pk_types, curves, min_rsa_bits, &profile) != 0) {
        return 0;
    }
    if (jname != NULL && (name = mj_utf8(env, jname)) == NULL) {
        return 0;
    }
    /* Empty lists (an init'ed head with no data) are passed as "none". */
    ret = mbedtls_x509_crt_verify_with_profile(crt, trusted->raw.len != 0 ? trusted : NULL,
                                               crl != NULL && crl->version != 0 ? crl : NULL, &profile, name,
                                               &flags, NULL, NULL);
    free(name);
    if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509_crt_verify_with_profile", NULL);
        return 0;
    }
    return (jint) flags;
}
