/* JNI glue of io.github.mbedtlsjni.mbedtls.X509Crt: mbedtls_x509_crt (a chain of certificates). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509Crt.h"
#include "verify_profile.h"
#include "x509_util.h"

#include "mbedtls/oid.h"
#include "mbedtls/platform.h"

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

/* mbedtls_x509_crt_parse_der_with_ext_cb's callback: the Java ExtensionCall decides. */
static int crt_ext_cb(void *ctx, const mbedtls_x509_crt *crt, const mbedtls_x509_buf *oid, int critical,
                      const unsigned char *p, const unsigned char *end)
{
    (void) crt;
    return mj_x509_ext_call(ctx, oid, critical, p, end);
}

/*
 * Drops the last certificate of chain, which a parse has just appended, as Mbed TLS drops one it
 * fails to parse: the head is freed and initialised again, any other node freed and unlinked.
 */
static void drop_last(mbedtls_x509_crt *chain)
{
    mbedtls_x509_crt *prev = NULL, *last = chain;
    while (last->next != NULL) {
        prev = last;
        last = last->next;
    }
    mbedtls_x509_crt_free(last);
    if (prev == NULL) {
        mbedtls_x509_crt_init(chain);
    } else {
        prev->next = NULL;
        mbedtls_free(last);
    }
}

/*
 * mbedtls_x509_crt_parse_der, or with callback (a Java ExtensionCall)
 * mbedtls_x509_crt_parse_der_with_ext_cb (copying the input, make_copy 1). When the callback
 * failed (threw) the certificate is dropped even if Mbed TLS accepted it (it ignores a
 * callback's failure on a non-critical extension) and nothing is thrown here: the Java side
 * throws, with the callback's exception as cause; an exception that is not the callback's own
 * (an Error) stays pending.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nParseDer(JNIEnv *env, jclass cls, jlong handle,
                                                                   jbyteArray data, jobject callback)
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
    if (callback == NULL) {
        ret = mbedtls_x509_crt_parse_der(crt, buf, (size_t) len);
    } else {
        struct mj_ext_call call = { env, callback, 0 };
        ret = mbedtls_x509_crt_parse_der_with_ext_cb(crt, buf, (size_t) len, 1, crt_ext_cb, &call);
        if (call.failed || (*env)->ExceptionCheck(env)) {
            if (ret == 0) {
                drop_last(crt);
            }
            free(buf);
            return;
        }
    }
    free(buf);
    if (ret != 0) {
        mj_throw_parse(env, ret, callback != NULL ? "mbedtls_x509_crt_parse_der_with_ext_cb" : "mbedtls_x509_crt_parse_der",
                       NULL);
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

/*
 * Certificate number index of the chain at handle, or NULL with IllegalArgumentException pending
 * (the Java side checks the index first, under the chain's read lock).
 */
static const mbedtls_x509_crt *at(JNIEnv *env, jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = nth(MJ_PTR(mbedtls_x509_crt, handle), index);
    if (crt == NULL) {
        mj_throw_argument(env, "no certificate at that index");
    }
    return crt;
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
    const mbedtls_x509_crt *crt = at(env, handle, index);
    jbyteArray der;
    (void) cls;
    if (crt == NULL) {
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
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    return mj_x509_time(env, from ? &crt->valid_from : &crt->valid_to);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nName(JNIEnv *env, jclass cls, jlong handle, jint index,
                                                                  jboolean subject)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    return mj_x509_name(env, subject ? &crt->subject : &crt->issuer);
}

/* mbedtls_x509_crt_info describes one certificate; it does not follow crt->next. */
static int crt_info(char *buf, size_t size, const char *prefix, const void *crt)
{
    return mbedtls_x509_crt_info(buf, size, prefix, crt);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nInfo(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    return mj_x509_info(env, crt_info, crt, "mbedtls_x509_crt_info");
}

/* X509Crt.Purpose's ordinals. */
enum { MJ_PURPOSE_ANY, MJ_PURPOSE_TLS_SERVER, MJ_PURPOSE_TLS_CLIENT };

/*
 * The flags mbedtls_ssl_check_cert_usage adds for the leaf of a TLS 1.3 handshake or a TLS 1.2
 * one with an (EC)DHE suite (the branch that asks for a signature): keyUsage digitalSignature,
 * and extendedKeyUsage serverAuth for a server's certificate, clientAuth for a client's. That
 * function is internal to Mbed TLS (and its key exchange depends on a negotiated suite), so its
 * two checks are made here with the same public functions it calls.
 */
static uint32_t leaf_usage_flags(const mbedtls_x509_crt *leaf, int server)
{
    uint32_t flags = 0;
    if (mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
        flags |= MBEDTLS_X509_BADCERT_KEY_USAGE;
    }
    if (server ? mbedtls_x509_crt_check_extended_key_usage(leaf, MBEDTLS_OID_SERVER_AUTH,
                                                           MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) != 0
               : mbedtls_x509_crt_check_extended_key_usage(leaf, MBEDTLS_OID_CLIENT_AUTH,
                                                           MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)) != 0) {
        flags |= MBEDTLS_X509_BADCERT_EXT_KEY_USAGE;
    }
    return flags;
}

/* What the f_vrfy of an offline verification needs: the thread's JNIEnv and the Java callback. */
struct verify_call {
    JNIEnv *env;
    jobject callback;
};

/*
 * f_vrfy: asks the Java X509VerifyCallback about crt at depth, and stores its answer as the
 * certificate's flags. A Java exception (or no memory for the DER) stops the verification: the
 * exception stays pending for the caller, and Mbed TLS returns this function's error.
 */
static int verify_with_java(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const struct verify_call *call = ctx;
    JNIEnv *env = call->env;
    jbyteArray der = (*env)->NewByteArray(env, (jsize) crt->raw.len);
    jint answer;
    if (der == NULL) {
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    (*env)->SetByteArrayRegion(env, der, 0, (jsize) crt->raw.len, (const jbyte *) crt->raw.p);
    answer = (*env)->CallIntMethod(env, call->callback, mj_jni.x509_verify_callback, der, (jint) depth, (jint) *flags);
    (*env)->DeleteLocalRef(env, der);
    if ((*env)->ExceptionCheck(env)) {
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    *flags = (uint32_t) answer;
    return 0;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nVerify(JNIEnv *env, jclass cls, jlong handle,
                                                                 jlong trusted_handle, jlong crl_handle, jstring jname,
                                                                 jint kind, jint hashes, jint pk_types, jint curves,
                                                                 jint min_rsa_bits, jint purpose, jobject callback)
{
    struct verify_call call;
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
    call.env = env;
    call.callback = callback;
    ret = mbedtls_x509_crt_verify_with_profile(crt, trusted->raw.len != 0 ? trusted : NULL,
                                               crl != NULL && crl->version != 0 ? crl : NULL, &profile, name,
                                               &flags, callback != NULL ? verify_with_java : NULL, &call);
    free(name);
    if ((*env)->ExceptionCheck(env)) {
        return 0; /* the callback's exception, unchanged */
    }
    if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509_crt_verify_with_profile", NULL);
        return 0;
    }
    if (purpose != MJ_PURPOSE_ANY) {
        flags |= leaf_usage_flags(crt, purpose == MJ_PURPOSE_TLS_SERVER);
    }
    return (jint) flags;
}

/* The parts nFields reports, in this order (X509Crt's FIELD_* indexes). */
enum { MJ_F_VERSION, MJ_F_PK_BITS, MJ_F_CA, MJ_F_MAX_PATHLEN, MJ_F_KEY_USAGE, MJ_F_EXT_TYPES, MJ_F_COUNT };

/*
 * The numbers Mbed TLS parsed from certificate index. max_pathlen is Mbed TLS's stored value:
 * the basicConstraints pathLenConstraint plus one, 0 when there is none.
 */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nFields(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    jint fields[MJ_F_COUNT];
    jintArray result;
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    fields[MJ_F_VERSION] = crt->version;
    fields[MJ_F_PK_BITS] = (jint) mbedtls_pk_get_bitlen(&crt->pk);
    fields[MJ_F_CA] = crt->MBEDTLS_PRIVATE(ca_istrue);
    fields[MJ_F_MAX_PATHLEN] = crt->MBEDTLS_PRIVATE(max_pathlen);
    fields[MJ_F_KEY_USAGE] = (jint) crt->MBEDTLS_PRIVATE(key_usage);
    fields[MJ_F_EXT_TYPES] = crt->MBEDTLS_PRIVATE(ext_types);
    result = (*env)->NewIntArray(env, MJ_F_COUNT);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, MJ_F_COUNT, fields);
    }
    return result;
}

/* The bytes of buf as a new byte[]; NULL with an exception pending. */
static jbyteArray buf_bytes(JNIEnv *env, const mbedtls_x509_buf *buf)
{
    jbyteArray result = (*env)->NewByteArray(env, (jsize) buf->len);
    if (result != NULL && buf->len != 0) {
        (*env)->SetByteArrayRegion(env, result, 0, (jsize) buf->len, (const jbyte *) buf->p);
    }
    return result;
}

/* Raw parts of certificate index as Mbed TLS located them: 0 serial, 1 TBS, 2 signature. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nBytes(JNIEnv *env, jclass cls, jlong handle, jint index,
                                                                      jint which)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    const mbedtls_x509_buf *buf;
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    switch (which) {
    case 0: buf = &crt->serial; break;
    case 1: buf = &crt->tbs; break;
    case 2: buf = &crt->MBEDTLS_PRIVATE(sig); break;
    default:
        mj_throw_argument(env, "no such certificate part");
        return NULL;
    }
    return buf_bytes(env, buf);
}

/*
 * Names of certificate index's algorithms: 0 the signature algorithm's description
 * (mbedtls_oid_get_sig_alg_desc, NULL if Mbed TLS has none), 1 the public key's type
 * (mbedtls_pk_get_name).
 */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nAlgorithm(JNIEnv *env, jclass cls, jlong handle,
                                                                       jint index, jint which)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    const char *desc = NULL;
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    if (which == 0) {
        if (mbedtls_oid_get_sig_alg_desc(&crt->sig_oid, &desc) != 0) {
            return NULL;
        }
    } else {
        desc = mbedtls_pk_get_name(&crt->pk);
    }
    return mj_string(env, desc);
}

/*
 * mbedtls_x509_crt_check_key_usage (which = 0, usage the bits) or
 * mbedtls_x509_crt_check_extended_key_usage (which = 1, oid the DER contents of the OID):
 * 0 if the certificate allows it, else Mbed TLS's error.
 */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nCheckUsage(JNIEnv *env, jclass cls, jlong handle,
                                                                     jint index, jint usage, jbyteArray oid)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    unsigned char der[64];
    jsize len;
    (void) cls;
    if (crt == NULL) {
        return 0;
    }
    if (oid == NULL) {
        return mbedtls_x509_crt_check_key_usage(crt, (unsigned int) usage);
    }
    len = (*env)->GetArrayLength(env, oid);
    if (len <= 0 || (size_t) len > sizeof der) {
        mj_throw_argument(env, "an OID of 1 to 64 bytes");
        return 0;
    }
    (*env)->GetByteArrayRegion(env, oid, 0, len, (jbyte *) der);
    return mbedtls_x509_crt_check_extended_key_usage(crt, (const char *) der, (size_t) len);
}

/* The subjectAltName entries of certificate index, three elements each (see x509_util.h). */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nSubjectAltNames(JNIEnv *env, jclass cls, jlong handle,
                                                                                  jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    return mj_x509_subject_alt_names(env, &crt->subject_alt_names);
}

/*
 * The subjectKeyIdentifier of certificate index: the keyIdentifier bytes of subject_key_id
 * (tag MBEDTLS_ASN1_OCTET_STRING once Mbed TLS parsed the extension), or NULL without one.
 * UnsupportedOperationException before Mbed TLS 3.5.
 */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nSubjectKeyId(JNIEnv *env, jclass cls, jlong handle,
                                                                             jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
#if MJ_HAS_X509_KEY_IDS
    return crt->subject_key_id.tag == MBEDTLS_ASN1_OCTET_STRING ? buf_bytes(env, &crt->subject_key_id) : NULL;
#else
    mj_throw_unsupported(env, MJ_X509_KEY_IDS_UNAVAILABLE);
    return NULL;
#endif
}

/*
 * The authorityKeyIdentifier of certificate index (authority_key_id): {keyIdentifier or null,
 * authorityCertSerialNumber or null}, then the authorityCertIssuer GeneralNames three elements
 * each (x509_util.h); NULL, with nothing pending, when all three are absent (Mbed TLS sets a
 * field's tag only when it parsed it). UnsupportedOperationException before Mbed TLS 3.5.
 */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nAuthorityKeyId(JNIEnv *env, jclass cls,
                                                                                 jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
#if MJ_HAS_X509_KEY_IDS
    {
        const mbedtls_x509_authority *aki = &crt->authority_key_id;
        const mbedtls_x509_buf *parts[2] = { &aki->keyIdentifier, &aki->authorityCertSerialNumber };
        jobjectArray result;
        jsize i;
        if (aki->keyIdentifier.tag == 0 && aki->authorityCertSerialNumber.tag == 0 &&
            aki->authorityCertIssuer.buf.p == NULL) {
            return NULL;
        }
        result = mj_x509_general_names(env, &aki->authorityCertIssuer, 2);
        for (i = 0; result != NULL && i < 2; i++) {
            jbyteArray part;
            if (parts[i]->tag == 0) {
                continue;
            }
            if ((part = buf_bytes(env, parts[i])) == NULL) {
                return NULL;
            }
            (*env)->SetObjectArrayElement(env, result, i, part);
            (*env)->DeleteLocalRef(env, part);
        }
        return result;
    }
#else
    mj_throw_unsupported(env, MJ_X509_KEY_IDS_UNAVAILABLE);
    return NULL;
#endif
}

/* Why this build cannot read key identifiers (MJ_X509_KEY_IDS_UNAVAILABLE), or NULL if it can. */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nKeyIdsUnavailable(JNIEnv *env, jclass cls)
{
    (void) cls;
    return MJ_HAS_X509_KEY_IDS ? NULL : mj_string(env, MJ_X509_KEY_IDS_UNAVAILABLE);
}

/* The extendedKeyUsage OIDs of certificate index (ext_key_usage), in order and dotted; empty without one. */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nExtendedKeyUsages(JNIEnv *env, jclass cls,
                                                                                    jlong handle, jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    const mbedtls_x509_sequence *cur;
    jobjectArray result;
    jsize n = 0, i = 0;
    (void) cls;
    if (crt == NULL) {
        return NULL;
    }
    for (cur = &crt->ext_key_usage; cur != NULL && cur->buf.p != NULL; cur = cur->next) {
        n++;
    }
    result = (*env)->NewObjectArray(env, n, mj_jni.string, NULL);
    for (cur = &crt->ext_key_usage; result != NULL && i < n; cur = cur->next, i++) {
        char oid[MJ_OID_TEXT_MAX];
        jstring s;
        if (mj_x509_oid_text(env, &cur->buf, oid, sizeof oid) < 0 || (s = mj_string(env, oid)) == NULL) {
            return NULL;
        }
        (*env)->SetObjectArrayElement(env, result, i, s);
        (*env)->DeleteLocalRef(env, s);
    }
    return result;
}

/* The subject's or issuer's attributes of certificate index, four elements each (see x509_util.h). */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nNameAttributes(JNIEnv *env, jclass cls,
                                                                                 jlong handle, jint index,
                                                                                 jboolean subject)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    return crt == NULL ? NULL : mj_x509_name_attributes(env, subject ? &crt->subject : &crt->issuer);
}

/* mbedtls_pk_write_pubkey_der of certificate index's public key (pk); see mj_x509_public_key_der. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nPublicKeyDer(JNIEnv *env, jclass cls, jlong handle,
                                                                             jint index)
{
    const mbedtls_x509_crt *crt = at(env, handle, index);
    (void) cls;
    return crt == NULL ? NULL : mj_x509_public_key_der(env, &crt->pk);
}

/* mbedtls_x509_crt_verify_info(buf, size, prefix, flags) (VerifyResult.verifyInfo). */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crt_nVerifyInfo(JNIEnv *env, jclass cls, jint flags,
                                                                        jstring jprefix)
{
    char *prefix = mj_utf8(env, jprefix);
    jstring result;
    (void) cls;
    if (prefix == NULL) {
        return NULL;
    }
    result = mj_verify_info_prefixed(env, (uint32_t) flags, prefix);
    free(prefix);
    return result;
}
