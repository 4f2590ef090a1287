/* JNI glue of io.github.mbedtlsjni.mbedtls.X509Crl: mbedtls_x509_crl (a chain of CRLs). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509Crl.h"

#include <stdlib.h>

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_x509_crl *crl = mj_alloc(env, MJ_KIND_X509_CRL, sizeof *crl);
    (void) cls;
    if (crl == NULL) {
        return 0;
    }
    mbedtls_x509_crl_init(crl);
    return MJ_HANDLE(crl);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_x509_crl *crl = MJ_PTR(mbedtls_x509_crl, handle);
    (void) env;
    (void) cls;
    mbedtls_x509_crl_free(crl);
    mj_release(MJ_KIND_X509_CRL, crl);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nParse(JNIEnv *env, jclass cls, jlong handle, jbyteArray data)
{
    mbedtls_x509_crl *crl = MJ_PTR(mbedtls_x509_crl, handle);
    size_t parse_len;
    unsigned char *buf = mj_copy_for_parse(env, data, &parse_len);
    int ret;
    (void) cls;
    if (buf == NULL) {
        return;
    }
    ret = mbedtls_x509_crl_parse(crl, buf, parse_len);
    free(buf);
    if (ret != 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_crl_parse", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nParseFile(JNIEnv *env, jclass cls, jlong handle,
                                                                    jstring jpath)
{
    mbedtls_x509_crl *crl = MJ_PTR(mbedtls_x509_crl, handle);
    char *path = mj_utf8(env, jpath);
    int ret;
    (void) cls;
    if (path == NULL) {
        return;
    }
    ret = mbedtls_x509_crl_parse_file(crl, path);
    if (ret != 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_crl_parse_file", path);
    }
    free(path);
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nCount(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_crl *crl = MJ_PTR(mbedtls_x509_crl, handle);
    jint n = 0;
    (void) env;
    (void) cls;
    for (; crl != NULL && crl->version != 0; crl = crl->next) {
        n++;
    }
    return n;
}
