/* Names, times and info texts of certificates and CRLs (x509_util.h). */
#include "x509_util.h"

#include "mbedtls/oid.h"

#include <limits.h>
#include <stdlib.h>

jstring mj_x509_name(JNIEnv *env, const mbedtls_x509_name *name)
{
    /* mbedtls_x509_dn_gets writes nothing at all for an empty name (no attribute), not even the
     * terminating NUL: start from an empty string. */
    char text[2048] = "";
    int ret = mbedtls_x509_dn_gets(text, sizeof text, name);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509_dn_gets", NULL);
        return NULL;
    }
    return mj_string(env, text);
}

void mj_x509_time_fields(const mbedtls_x509_time *t, jint out[6])
{
    out[0] = t->year;
    out[1] = t->mon;
    out[2] = t->day;
    out[3] = t->hour;
    out[4] = t->min;
    out[5] = t->sec;
}

jintArray mj_x509_time(JNIEnv *env, const mbedtls_x509_time *t)
{
    jint fields[6];
    jintArray result = (*env)->NewIntArray(env, 6);
    if (result != NULL) {
        mj_x509_time_fields(t, fields);
        (*env)->SetIntArrayRegion(env, result, 0, 6, fields);
    }
    return result;
}

/* Past this, a text is not worth building: Mbed TLS's own parsers bound what they keep far lower. */
#define MJ_INFO_MAX (64u * 1024u * 1024u)

jstring mj_x509_info(JNIEnv *env, mj_x509_info_fn info, const void *object, const char *function)
{
    size_t size = 16384;
    for (;;) {
        char *buf = malloc(size);
        int ret;
        jstring s;
        if (buf == NULL) {
            mj_throw_oom(env, function);
            return NULL;
        }
        ret = info(buf, size, "", object);
        if (ret == MBEDTLS_ERR_X509_BUFFER_TOO_SMALL && size < MJ_INFO_MAX) {
            free(buf);
            size *= 4;
            continue;
        }
        if (ret < 0) {
            free(buf);
            mj_throw_mbedtls(env, ret, function, NULL);
            return NULL;
        }
        s = mj_string(env, buf);
        free(buf);
        return s;
    }
}

/* Stores bytes as element i of out; 0, or -1 with an exception pending. */
static int put_bytes(JNIEnv *env, jobjectArray out, jsize i, const unsigned char *p, size_t len)
{
    jbyteArray b = (*env)->NewByteArray(env, (jsize) len);
    if (b == NULL) {
        return -1;
    }
    if (len != 0) {
        (*env)->SetByteArrayRegion(env, b, 0, (jsize) len, (const jbyte *) p);
    }
    (*env)->SetObjectArrayElement(env, out, i, b);
    (*env)->DeleteLocalRef(env, b);
    return 0;
}

/*
 * One subjectAltName entry as three elements of out from 3 * i: {kind}, first, second. kind is
 * MBEDTLS_X509_SAN_* when mbedtls_x509_parse_subject_alt_name parsed it, else 0x80 | the
 * GeneralName tag number (first: the raw contents). Parsed: unstructured names (DNS, URI,
 * rfc822, IP) give their bytes; a hardware module name its hwType OID, dotted, and its serial; a
 * directoryName its mbedtls_x509_dn_gets text. Returns 0, or -1 with an exception pending.
 */
static int put_san(JNIEnv *env, jobjectArray out, jsize i, const mbedtls_x509_buf *raw)
{
    mbedtls_x509_subject_alternative_name san;
    char text[1024] = "";
    unsigned char kind;
    const unsigned char *first = raw->p, *second = NULL;
    size_t first_len = raw->len, second_len = 0;
    int ret = mbedtls_x509_parse_subject_alt_name(raw, &san);

    if (ret == MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE) {
        kind = (unsigned char) (0x80 | (raw->tag & 0x1F));
    } else if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509_parse_subject_alt_name", NULL);
        return -1;
    } else {
        kind = (unsigned char) san.type;
        if (san.type == MBEDTLS_X509_SAN_OTHER_NAME) {
            const mbedtls_x509_buf *oid = &san.san.other_name.value.hardware_module_name.oid;
            ret = mbedtls_oid_get_numeric_string(text, sizeof text, oid);
            first = (const unsigned char *) text;
            first_len = ret > 0 ? (size_t) ret : 0;
            second = san.san.other_name.value.hardware_module_name.val.p;
            second_len = san.san.other_name.value.hardware_module_name.val.len;
#if defined(MBEDTLS_X509_SAN_DIRECTORY_NAME) && MBEDTLS_VERSION_NUMBER >= 0x03050000
        } else if (san.type == MBEDTLS_X509_SAN_DIRECTORY_NAME) {
            ret = mbedtls_x509_dn_gets(text, sizeof text, &san.san.directory_name);
            first = (const unsigned char *) text;
            first_len = ret > 0 ? (size_t) ret : 0;
#endif
        } else {
            first = san.san.unstructured_name.p;
            first_len = san.san.unstructured_name.len;
        }
    }
    ret = put_bytes(env, out, 3 * i, &kind, 1) != 0 || put_bytes(env, out, 3 * i + 1, first, first_len) != 0 ||
          (second != NULL && put_bytes(env, out, 3 * i + 2, second, second_len) != 0) ? -1 : 0;
    if (kind < 0x80) {
        mj_san_free(&san);
    }
    return ret;
}

jobjectArray mj_x509_subject_alt_names(JNIEnv *env, const mbedtls_x509_sequence *names)
{
    const mbedtls_x509_sequence *cur;
    jobjectArray result;
    jsize n = 0, i = 0;
    for (cur = names; cur != NULL && cur->buf.p != NULL; cur = cur->next) {
        n++;
    }
    result = (*env)->NewObjectArray(env, 3 * n, mj_jni.byte_array, NULL);
    for (cur = names; result != NULL && i < n; cur = cur->next, i++) {
        if (put_san(env, result, i, &cur->buf) != 0) {
            return NULL;
        }
    }
    return result;
}

/* A byte[] copy of len bytes at p; NULL with an exception pending. */
static jbyteArray new_bytes(JNIEnv *env, const unsigned char *p, size_t len)
{
    jbyteArray b = (*env)->NewByteArray(env, (jsize) len);
    if (b != NULL && len != 0) {
        (*env)->SetByteArrayRegion(env, b, 0, (jsize) len, (const jbyte *) p);
    }
    return b;
}

int mj_x509_ext_call(struct mj_ext_call *call, const mbedtls_x509_buf *oid, int critical, const unsigned char *p,
                     const unsigned char *end)
{
    JNIEnv *env = call->env;
    char dotted[256];
    jstring joid = NULL;
    jbyteArray jder, jvalue;
    jint answer;
    int len;

    if (call->failed || (*env)->ExceptionCheck(env)) {
        return MBEDTLS_ERR_X509_FATAL_ERROR; /* the first failure ends the parse; no second call */
    }
    /* The dotted form as Mbed TLS writes it; null when it cannot (the raw bytes still go). */
    len = mbedtls_oid_get_numeric_string(dotted, sizeof dotted, oid);
    if (len > 0 && (joid = mj_string(env, dotted)) == NULL) {
        call->failed = 1;
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    jder = new_bytes(env, oid->p, oid->len);
    jvalue = jder != NULL ? new_bytes(env, p, (size_t) (end - p)) : NULL;
    if (jvalue == NULL) {
        call->failed = 1;
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    answer = (*env)->CallIntMethod(env, call->callback, mj_jni.x509_extension_call, joid, jder,
                                   (jboolean) (critical != 0), jvalue);
    (*env)->DeleteLocalRef(env, jvalue);
    (*env)->DeleteLocalRef(env, jder);
    if (joid != NULL) {
        (*env)->DeleteLocalRef(env, joid);
    }
    if ((*env)->ExceptionCheck(env) || answer == INT_MIN) {
        call->failed = 1;
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    return (int) answer;
}
