/* JNI glue of io.github.mbedtlsjni.mbedtls.X509Crl: mbedtls_x509_crl (a chain of CRLs). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509Crl.h"
#include "x509_util.h"

#include "mbedtls/asn1.h"
#include "mbedtls/oid.h"

#include <stdlib.h>
#include <string.h>

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

/* CRL index of the chain, or NULL. */
static const mbedtls_x509_crl *nth(const mbedtls_x509_crl *crl, int index)
{
    for (; crl != NULL && crl->version != 0; crl = crl->next) {
        if (index-- == 0) {
            return crl;
        }
    }
    return NULL;
}

/* CRL index, or NULL with IllegalArgumentException pending (Java checks the index first). */
static const mbedtls_x509_crl *nth_or_throw(JNIEnv *env, jlong handle, jint index)
{
    const mbedtls_x509_crl *crl = nth(MJ_PTR(mbedtls_x509_crl, handle), index);
    if (crl == NULL) {
        mj_throw_argument(env, "no CRL at that index");
    }
    return crl;
}

/* How many entries a CRL lists. */
static jsize entry_count(const mbedtls_x509_crl *crl)
{
    const mbedtls_x509_crl_entry *e;
    jsize n = 0;
    for (e = &crl->entry; e != NULL && e->raw.len != 0; e = e->next) {
        n++;
    }
    return n;
}

/* The CRL's version (1 or 2) and how many entries it lists. */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nFields(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crl *crl = nth_or_throw(env, handle, index);
    jint fields[2] = {0, 0};
    jintArray result;
    (void) cls;
    if (crl == NULL) {
        return NULL;
    }
    fields[0] = crl->version;
    fields[1] = entry_count(crl);
    result = (*env)->NewIntArray(env, 2);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, 2, fields);
    }
    return result;
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nIssuer(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crl *crl = nth_or_throw(env, handle, index);
    (void) cls;
    return crl == NULL ? NULL : mj_x509_name(env, &crl->issuer);
}

/* thisUpdate (which = 0) or nextUpdate (1; all zero when the CRL has none). */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nTime(JNIEnv *env, jclass cls, jlong handle, jint index,
                                                                    jint which)
{
    const mbedtls_x509_crl *crl = nth_or_throw(env, handle, index);
    (void) cls;
    return crl == NULL ? NULL : mj_x509_time(env, which == 0 ? &crl->this_update : &crl->next_update);
}

/* mbedtls_oid_get_sig_alg_desc of the CRL's signature algorithm; NULL if Mbed TLS has no name for it. */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nSignatureAlgorithm(JNIEnv *env, jclass cls, jlong handle,
                                                                                jint index)
{
    const mbedtls_x509_crl *crl = nth_or_throw(env, handle, index);
    const char *desc = NULL;
    (void) cls;
    if (crl == NULL || mbedtls_oid_get_sig_alg_desc(&crl->sig_oid, &desc) != 0) {
        return NULL;
    }
    return mj_string(env, desc);
}

/* mbedtls_x509_crl_info describes one CRL, every entry included; it does not follow crl->next. */
static int crl_info(char *buf, size_t size, const char *prefix, const void *crl)
{
    return mbedtls_x509_crl_info(buf, size, prefix, crl);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nInfo(JNIEnv *env, jclass cls, jlong handle, jint index)
{
    const mbedtls_x509_crl *crl = nth_or_throw(env, handle, index);
    (void) cls;
    return crl == NULL ? NULL : mj_x509_info(env, crl_info, crl, "mbedtls_x509_crl_info");
}

/*
 * The reasonCode extension (RFC 5280 5.3.1) of an entry's crlEntryExtensions, read with Mbed
 * TLS's ASN.1 parser (Mbed TLS keeps these extensions raw and reads none of them): the code, -1
 * without one, or -2 if the extensions are not well-formed DER.
 */
static int reason_code(const mbedtls_x509_crl_entry *e)
{
    static const unsigned char reason_oid[] = {0x55, 0x1D, 0x15}; /* 2.5.29.21 */
    unsigned char *p = e->entry_ext.p;
    const unsigned char *end = e->raw.p + e->raw.len;
    size_t len;
    if (p == NULL || e->entry_ext.len == 0) {
        return -1;
    }
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
        return -2;
    }
    end = p + len;
    while (p < end) {
        const unsigned char *ext_end;
        mbedtls_asn1_buf oid;
        int critical = 0, code;
        if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
            return -2;
        }
        ext_end = p + len;
        oid.tag = MBEDTLS_ASN1_OID;
        if (mbedtls_asn1_get_tag(&p, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0) {
            return -2;
        }
        oid.p = p;
        p += oid.len;
        (void) mbedtls_asn1_get_bool(&p, ext_end, &critical); /* DEFAULT FALSE: absent is fine */
        if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
            return -2;
        }
        if (oid.len == sizeof reason_oid && memcmp(oid.p, reason_oid, sizeof reason_oid) == 0) {
            const unsigned char *value_end = p + len;
            if (mbedtls_asn1_get_enum(&p, value_end, &code) != 0 || p != value_end || code < 0) {
                return -2;
            }
            return code;
        }
        p = (unsigned char *) ext_end;
    }
    return -1;
}

/*
 * The entries of CRL index in one walk of the entry list: two elements each in the result, the
 * serial's bytes and the raw crlEntryExtensions (DER from the SEQUENCE's tag to the end of the
 * entry, or null without any); and in times_out[0] a new int[] of seven ints each, the
 * revocation date (year, month, day, hour, minute, second) and the reason code (see reason_code).
 */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509Crl_nEntries(JNIEnv *env, jclass cls, jlong handle, jint index,
                                                                          jobjectArray times_out)
{
    const mbedtls_x509_crl *crl = nth_or_throw(env, handle, index);
    const mbedtls_x509_crl_entry *e;
    jobjectArray result;
    jintArray times;
    jsize n, i = 0;
    (void) cls;
    if (crl == NULL) {
        return NULL;
    }
    n = entry_count(crl);
    result = (*env)->NewObjectArray(env, 2 * n, mj_jni.byte_array, NULL);
    times = result != NULL ? (*env)->NewIntArray(env, 7 * n) : NULL;
    if (times == NULL) {
        return NULL;
    }
    for (e = &crl->entry; i < n; e = e->next, i++) {
        int has_ext = e->entry_ext.p != NULL && e->entry_ext.len != 0;
        const unsigned char *p[2] = {e->serial.p, e->entry_ext.p};
        size_t len[2] = {e->serial.len, has_ext ? (size_t) (e->raw.p + e->raw.len - e->entry_ext.p) : 0};
        jint when[7];
        int k;
        for (k = 0; k < 1 + has_ext; k++) {
            jbyteArray b;
            b = (*env)->NewByteArray(env, (jsize) len[k]);
            if (b == NULL) {
                return NULL;
            }
            (*env)->SetByteArrayRegion(env, b, 0, (jsize) len[k], (const jbyte *) p[k]);
            (*env)->SetObjectArrayElement(env, result, 2 * i + k, b);
            (*env)->DeleteLocalRef(env, b);
        }
        mj_x509_time_fields(&e->revocation_date, when);
        when[6] = reason_code(e);
        (*env)->SetIntArrayRegion(env, times, 7 * i, 7, when);
    }
    (*env)->SetObjectArrayElement(env, times_out, 0, times);
    return result;
}
