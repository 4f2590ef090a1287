/* JNI glue of io.github.mbedtlsjni.mbedtls.X509Csr: mbedtls_x509_csr (one certificate signing request). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509Csr.h"
#include "x509_util.h"

#include "mbedtls/oid.h"

#include <stdlib.h>

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_x509_csr *csr = mj_alloc(env, MJ_KIND_X509_CSR, sizeof *csr);
    (void) cls;
    if (csr == NULL) {
        return 0;
    }
#if MJ_HAS_CSR
    mbedtls_x509_csr_init(csr);
#endif
    return MJ_HANDLE(csr);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_x509_csr *csr = MJ_PTR(mbedtls_x509_csr, handle);
    (void) env;
    (void) cls;
#if MJ_HAS_CSR
    mbedtls_x509_csr_free(csr);
#endif
    mj_release(MJ_KIND_X509_CSR, csr);
}

/*
 * 0 if csr may be parsed into: this build reads CSRs, and csr holds none yet. Every
 * mbedtls_x509_csr_parse* starts with mbedtls_x509_csr_init, which would drop (leak) a request
 * parsed before. Else -1 with IllegalStateException pending.
 */
static int check_empty(JNIEnv *env, const mbedtls_x509_csr *csr)
{
    if (!MJ_HAS_CSR) {
        mj_throw_state(env, MJ_CSR_UNAVAILABLE);
        return -1;
    }
    if (csr->raw.p != NULL) {
        mj_throw_state(env, "X509Csr already holds a request (mbedtls_x509_csr_parse* would drop it): use a new X509Csr");
        return -1;
    }
    return 0;
}

/* csr if it holds a parsed request, else NULL with IllegalStateException pending. */
static const mbedtls_x509_csr *parsed(JNIEnv *env, jlong handle)
{
    const mbedtls_x509_csr *csr = MJ_PTR(mbedtls_x509_csr, handle);
    if (csr->raw.p == NULL) {
        mj_throw_state(env, "X509Csr holds no request: parse one first");
        return NULL;
    }
    return csr;
}

/* What the glue reports in place of Mbed TLS for a build without CSR parsing. */
#if MJ_HAS_CSR
#define MJ_CSR_CALL(call) (call)
#else
#define MJ_CSR_CALL(call) MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE
#endif

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nParse(JNIEnv *env, jclass cls, jlong handle, jbyteArray data)
{
    mbedtls_x509_csr *csr = MJ_PTR(mbedtls_x509_csr, handle);
    size_t len;
    unsigned char *buf;
    int ret;
    (void) cls;
    if (check_empty(env, csr) != 0 || (buf = mj_copy_for_parse(env, data, &len)) == NULL) {
        return;
    }
    ret = MJ_CSR_CALL(mbedtls_x509_csr_parse(csr, buf, len));
    free(buf);
    if (ret != 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_csr_parse", NULL);
    }
}

#if MJ_HAS_CSR_EXTENSIONS
/* mbedtls_x509_csr_parse_der_with_ext_cb's callback: the Java ExtensionCall decides. */
static int csr_ext_cb(void *ctx, const mbedtls_x509_csr *csr, const mbedtls_x509_buf *oid, int critical,
                      const unsigned char *p, const unsigned char *end)
{
    (void) csr;
    return mj_x509_ext_call(ctx, oid, critical, p, end);
}
#endif

/*
 * mbedtls_x509_csr_parse_der, or with callback (a Java ExtensionCall) its _with_ext_cb. When the
 * callback failed (threw) the request is dropped even if Mbed TLS accepted it (it ignores a
 * callback's failure on a non-critical extension) and nothing is thrown here: the Java side
 * throws, with the callback's exception as cause; an exception that is not the callback's own
 * (an Error) stays pending.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nParseDer(JNIEnv *env, jclass cls, jlong handle,
                                                                   jbyteArray data, jobject callback)
{
    mbedtls_x509_csr *csr = MJ_PTR(mbedtls_x509_csr, handle);
    jsize len;
    unsigned char *buf;
    int ret;
    (void) cls;
    if (check_empty(env, csr) != 0) {
        return;
    }
#if !MJ_HAS_CSR_EXTENSIONS
    if (callback != NULL) {
        mj_throw_state(env, MJ_CSR_EXT_CB_UNAVAILABLE);
        return;
    }
#endif
    len = (*env)->GetArrayLength(env, data);
    buf = malloc((size_t) len + 1);
    if (buf == NULL) {
        mj_throw_oom(env, "a copy of the input");
        return;
    }
    (*env)->GetByteArrayRegion(env, data, 0, len, (jbyte *) buf);
    if (callback == NULL) {
        ret = MJ_CSR_CALL(mbedtls_x509_csr_parse_der(csr, buf, (size_t) len));
    } else {
#if MJ_HAS_CSR_EXTENSIONS
        struct mj_ext_call call = { env, callback, 0 };
        ret = mbedtls_x509_csr_parse_der_with_ext_cb(csr, buf, (size_t) len, csr_ext_cb, &call);
        if (call.failed || (*env)->ExceptionCheck(env)) {
            if (ret == 0) {
                mbedtls_x509_csr_free(csr);
                mbedtls_x509_csr_init(csr);
            }
            free(buf);
            return;
        }
#else
        ret = MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE; /* refused above */
#endif
    }
    free(buf);
    if (ret != 0) {
        mj_throw_parse(env, ret,
                       callback != NULL ? "mbedtls_x509_csr_parse_der_with_ext_cb" : "mbedtls_x509_csr_parse_der", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nParseFile(JNIEnv *env, jclass cls, jlong handle,
                                                                    jstring jpath)
{
    mbedtls_x509_csr *csr = MJ_PTR(mbedtls_x509_csr, handle);
    char *path;
    int ret;
    (void) cls;
    if (check_empty(env, csr) != 0 || (path = mj_utf8(env, jpath)) == NULL) {
        return;
    }
    ret = MJ_CSR_CALL(mbedtls_x509_csr_parse_file(csr, path));
    if (ret != 0) {
        mj_throw_parse(env, ret, "mbedtls_x509_csr_parse_file", path);
    }
    free(path);
}

JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nParsed(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    return MJ_PTR(mbedtls_x509_csr, handle)->raw.p != NULL;
}

#if MJ_HAS_CSR
/* mbedtls_x509_csr_info, as x509_util.c's info printers are called. */
static int csr_info(char *buf, size_t size, const char *prefix, const void *csr)
{
    return mbedtls_x509_csr_info(buf, size, prefix, csr);
}
#endif

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nInfo(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    (void) cls;
#if MJ_HAS_CSR
    return csr == NULL ? NULL : mj_x509_info(env, csr_info, csr, "mbedtls_x509_csr_info");
#else
    (void) csr;
    return NULL; /* never parsed */
#endif
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nSubject(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    (void) cls;
    return csr == NULL ? NULL : mj_x509_name(env, &csr->subject);
}

/* The subject's attributes, four elements each (see x509_util.h). */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nSubjectAttributes(JNIEnv *env, jclass cls,
                                                                                     jlong handle)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    (void) cls;
    return csr == NULL ? NULL : mj_x509_name_attributes(env, &csr->subject);
}

/* The parts nFields reports, in this order (X509Csr's FIELD_* indexes). */
enum { MJ_CSR_VERSION, MJ_CSR_PK_BITS, MJ_CSR_HAS_EXTENSIONS, MJ_CSR_KEY_USAGE, MJ_CSR_NS_CERT_TYPE, MJ_CSR_EXT_TYPES,
       MJ_CSR_COUNT };

/*
 * The numbers Mbed TLS parsed: version, key size, whether this build reads requested extensions
 * (1 on 3.6; 0 on 2.28, where the three after it are 0), key_usage, ns_cert_type, ext_types.
 */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nFields(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    jint fields[MJ_CSR_COUNT] = { 0 };
    jintArray result;
    (void) cls;
    if (csr == NULL) {
        return NULL;
    }
    fields[MJ_CSR_VERSION] = csr->version;
    fields[MJ_CSR_PK_BITS] = (jint) mbedtls_pk_get_bitlen(&csr->pk);
#if MJ_HAS_CSR_EXTENSIONS
    fields[MJ_CSR_HAS_EXTENSIONS] = 1;
    fields[MJ_CSR_KEY_USAGE] = (jint) csr->key_usage;
    fields[MJ_CSR_NS_CERT_TYPE] = csr->ns_cert_type;
    fields[MJ_CSR_EXT_TYPES] = csr->MBEDTLS_PRIVATE(ext_types);
#endif
    result = (*env)->NewIntArray(env, MJ_CSR_COUNT);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, MJ_CSR_COUNT, fields);
    }
    return result;
}

/*
 * Names of the request's algorithms: 0 the signature algorithm's description
 * (mbedtls_oid_get_sig_alg_desc, NULL if Mbed TLS has none), 1 the public key's type
 * (mbedtls_pk_get_name).
 */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nAlgorithm(JNIEnv *env, jclass cls, jlong handle,
                                                                       jint which)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    const char *desc = NULL;
    (void) cls;
    if (csr == NULL) {
        return NULL;
    }
    if (which == 0) {
        if (mbedtls_oid_get_sig_alg_desc(&csr->sig_oid, &desc) != 0) {
            return NULL;
        }
    } else {
        desc = mbedtls_pk_get_name(&csr->pk);
    }
    return mj_string(env, desc);
}

/* Raw parts as Mbed TLS located them: 0 the whole request (DER), 1 CertificationRequestInfo, 2 signature. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nBytes(JNIEnv *env, jclass cls, jlong handle,
                                                                      jint which)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    const mbedtls_x509_buf *buf;
    jbyteArray result;
    (void) cls;
    if (csr == NULL) {
        return NULL;
    }
    switch (which) {
    case 0: buf = &csr->raw; break;
    case 1: buf = &csr->cri; break;
    case 2: buf = &csr->MBEDTLS_PRIVATE(sig); break;
    default:
        mj_throw_argument(env, "no such request part");
        return NULL;
    }
    result = (*env)->NewByteArray(env, (jsize) buf->len);
    if (result != NULL && buf->len != 0) {
        (*env)->SetByteArrayRegion(env, result, 0, (jsize) buf->len, (const jbyte *) buf->p);
    }
    return result;
}

/* The requested subjectAltName entries, three elements each (x509_util.h); 3.6 only. */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nSubjectAltNames(JNIEnv *env, jclass cls,
                                                                                  jlong handle)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    (void) cls;
    if (csr == NULL) {
        return NULL;
    }
#if MJ_HAS_CSR_EXTENSIONS
    return mj_x509_subject_alt_names(env, &csr->subject_alt_names);
#else
    mj_throw_state(env, MJ_CSR_EXTENSIONS_UNAVAILABLE);
    return NULL;
#endif
}

/* mbedtls_pk_write_pubkey_der of the requested public key (pk); see mj_x509_public_key_der. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nPublicKeyDer(JNIEnv *env, jclass cls, jlong handle)
{
    const mbedtls_x509_csr *csr = parsed(env, handle);
    (void) cls;
    return csr == NULL ? NULL : mj_x509_public_key_der(env, &csr->pk);
}

/* Why this build cannot read requested extensions, or NULL if it can. */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Csr_nExtensionsUnavailable(JNIEnv *env, jclass cls)
{
    (void) cls;
    return MJ_HAS_CSR_EXTENSIONS ? NULL : mj_string(env, MJ_HAS_CSR ? MJ_CSR_EXTENSIONS_UNAVAILABLE : MJ_CSR_UNAVAILABLE);
}
