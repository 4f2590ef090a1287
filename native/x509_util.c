/* Names, times and info texts of certificates and CRLs (x509_util.h). */
#include "x509_util.h"

#include "mbedtls/oid.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/asn1write.h"
#include "mbedtls/base64.h"

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

/* --- Writing ------------------------------------------------------------------------------------ */

#if MJ_HAS_CSR_WRITE || MJ_HAS_CRT_WRITE

void mj_x509_ext_free(struct mj_x509_ext *ext)
{
    size_t i;
    for (i = 0; ext->san_values != NULL && i < ext->san_count; i++) {
        free(ext->san_values[i]);
#if MJ_HAS_SAN_WRITER
        if (ext->dirnames != NULL) {
            mbedtls_asn1_free_named_data_list(&ext->dirnames[i]);
        }
#endif
    }
    free(ext->san_values);
    free(ext->san_lengths);
    free(ext->san_types);
#if MJ_HAS_SAN_WRITER
    free(ext->san);
    free(ext->dirnames);
#else
    free(ext->san_der);
#endif
    free(ext->eku);
    free(ext->eku_der);
    memset(ext, 0, sizeof *ext);
}

/* A malloc'ed NUL-terminated copy of a byte[] (its length in *len); NULL with an exception pending. */
static unsigned char *copy_bytes(JNIEnv *env, jbyteArray array, size_t *len)
{
    jsize n = (*env)->GetArrayLength(env, array);
    unsigned char *copy = malloc((size_t) n + 1);
    if (copy == NULL) {
        mj_throw_oom(env, "a copy of an extension value");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, array, 0, n, (jbyte *) copy);
    copy[n] = '\0';
    *len = (size_t) n;
    return copy;
}

/*
 * Writes a SEQUENCE of what item(i) writes, for i = count - 1 down to 0 (Mbed TLS's ASN.1 writers
 * go backwards from the end of buf), into a malloc'ed *out. 0, or an Mbed TLS error.
 */
typedef int (*mj_asn1_item_fn)(unsigned char **p, unsigned char *start, const struct mj_x509_ext *ext, size_t i);

static int write_sequence(const struct mj_x509_ext *ext, size_t count, mj_asn1_item_fn item, size_t size,
                          unsigned char **out, size_t *out_len)
{
    unsigned char *buf = malloc(size), *p;
    size_t len = 0, i;
    int ret;
    if (buf == NULL) {
        return MBEDTLS_ERR_ASN1_ALLOC_FAILED;
    }
    p = buf + size;
    for (i = count; i-- > 0;) {
        if ((ret = item(&p, buf, ext, i)) < 0) {
            free(buf);
            return ret;
        }
        len += (size_t) ret;
    }
    if ((ret = mbedtls_asn1_write_len(&p, buf, len)) < 0 ||
        (len += (size_t) ret, ret = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0) {
        free(buf);
        return ret;
    }
    len += (size_t) ret;
    memmove(buf, p, len);
    *out = buf;
    *out_len = len;
    return 0;
}

static int write_eku_oid(unsigned char **p, unsigned char *start, const struct mj_x509_ext *ext, size_t i)
{
    return mbedtls_asn1_write_oid(p, start, (const char *) ext->eku[i].buf.p, ext->eku[i].buf.len);
}

#if !MJ_HAS_SAN_WRITER
/* One GeneralName of the kinds 2.28 gets written here: [tag] IMPLICIT IA5String or OCTET STRING. */
static int write_san_entry(unsigned char **p, unsigned char *start, const struct mj_x509_ext *ext, size_t i)
{
    size_t len = 0;
    int ret;
    if ((ret = mbedtls_asn1_write_raw_buffer(p, start, ext->san_values[i], ext->san_lengths[i])) < 0) {
        return ret;
    }
    len += (size_t) ret;
    if ((ret = mbedtls_asn1_write_len(p, start, len)) < 0) {
        return ret;
    }
    len += (size_t) ret;
    if ((ret = mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | (unsigned char) ext->san_types[i])) < 0) {
        return ret;
    }
    return (int) (len + (size_t) ret);
}
#endif

/* GeneralName tags (RFC 5280) the writers take; Mbed TLS 3.5+ names them MBEDTLS_X509_SAN_*. */
enum { MJ_SAN_RFC822 = 1, MJ_SAN_DNS = 2, MJ_SAN_DIRECTORY = 4, MJ_SAN_URI = 6, MJ_SAN_IP = 7 };

static int read_eku(JNIEnv *env, jobjectArray eku_oids, struct mj_x509_ext *ext)
{
    jsize n = eku_oids == NULL ? 0 : (*env)->GetArrayLength(env, eku_oids), i;
    size_t size = 16;
    int ret;
    if (n == 0) {
        return 0;
    }
    ext->eku = calloc((size_t) n, sizeof *ext->eku);
    if (ext->eku == NULL) {
        mj_throw_oom(env, "extendedKeyUsage");
        return -1;
    }
    for (i = 0; i < n; i++) {
        jbyteArray oid = (*env)->GetObjectArrayElement(env, eku_oids, i);
        size_t len = 0;
        ext->eku[i].buf.tag = MBEDTLS_ASN1_OID;
        ext->eku[i].buf.p = copy_bytes(env, oid, &len);
        (*env)->DeleteLocalRef(env, oid);
        if (ext->eku[i].buf.p == NULL) {
            ext->eku_count = (size_t) i;
            return -1;
        }
        ext->eku[i].buf.len = len;
        ext->eku[i].next = i + 1 < n ? &ext->eku[i + 1] : NULL;
        size += len + 8;
    }
    ext->eku_count = (size_t) n;
    ret = write_sequence(ext, ext->eku_count, write_eku_oid, size, &ext->eku_der, &ext->eku_der_len);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_asn1_write_oid", "extendedKeyUsage");
        return -1;
    }
    return 0;
}

int mj_x509_ext_read(JNIEnv *env, jobjectArray eku_oids, jintArray san_types, jobjectArray san_values,
                     struct mj_x509_ext *ext)
{
    jsize n, i;
    size_t size = 16;
    memset(ext, 0, sizeof *ext);
    if (read_eku(env, eku_oids, ext) != 0) {
        return -1;
    }
    n = san_types == NULL ? 0 : (*env)->GetArrayLength(env, san_types);
    if (n == 0) {
        return 0;
    }
    ext->san_values = calloc((size_t) n, sizeof *ext->san_values);
    ext->san_lengths = calloc((size_t) n, sizeof *ext->san_lengths);
    ext->san_types = calloc((size_t) n, sizeof *ext->san_types);
#if MJ_HAS_SAN_WRITER
    ext->san = calloc((size_t) n, sizeof *ext->san);
    ext->dirnames = calloc((size_t) n, sizeof *ext->dirnames);
    if (ext->san == NULL || ext->dirnames == NULL) {
        ext->san_count = 0;
        mj_throw_oom(env, "subjectAltName");
        return -1;
    }
#endif
    ext->san_count = (size_t) n;
    if (ext->san_values == NULL || ext->san_lengths == NULL || ext->san_types == NULL) {
        mj_throw_oom(env, "subjectAltName");
        return -1;
    }
    (*env)->GetIntArrayRegion(env, san_types, 0, n, ext->san_types);
    for (i = 0; i < n; i++) {
        jbyteArray value = (*env)->GetObjectArrayElement(env, san_values, i);
        ext->san_values[i] = copy_bytes(env, value, &ext->san_lengths[i]);
        (*env)->DeleteLocalRef(env, value);
        if (ext->san_values[i] == NULL) {
            return -1;
        }
        size += ext->san_lengths[i] + 8;
#if MJ_HAS_SAN_WRITER
        /* Mbed TLS writes the list from its head backwards, so the head ends up last: linked
         * last to first, the entries come out in the order given. */
        ext->san[i].next = i > 0 ? &ext->san[i - 1] : NULL;
        ext->san[i].node.type = ext->san_types[i];
        if (ext->san_types[i] == MJ_SAN_DIRECTORY) {
            int ret = mbedtls_x509_string_to_names(&ext->dirnames[i], (const char *) ext->san_values[i]);
            if (ret != 0) {
                mj_throw_mbedtls(env, ret, "mbedtls_x509_string_to_names", "a directoryName subjectAltName");
                return -1;
            }
            ext->san[i].node.san.directory_name = *ext->dirnames[i];
        } else {
            ext->san[i].node.san.unstructured_name.p = ext->san_values[i];
            ext->san[i].node.san.unstructured_name.len = ext->san_lengths[i];
        }
#else
        if (ext->san_types[i] == MJ_SAN_DIRECTORY) {
            mj_throw_argument(env, "a directoryName subjectAltName needs Mbed TLS 3.5 or later (its SAN writer); "
                                   "this library links Mbed TLS " MBEDTLS_VERSION_STRING);
            return -1;
        }
#endif
    }
#if !MJ_HAS_SAN_WRITER
    {
        int ret = write_sequence(ext, ext->san_count, write_san_entry, size, &ext->san_der, &ext->san_der_len);
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_asn1_write_raw_buffer", "subjectAltName");
            return -1;
        }
    }
#else
    (void) size;
#endif
    return 0;
}

#endif

#if MJ_HAS_CSR_WRITE || MJ_HAS_CRT_WRITE || MJ_HAS_PK_WRITE
/* Past this a CSR or certificate is not worth writing: Mbed TLS's TLS stack takes 16 KiB chains. */
#define MJ_WRITE_MAX (4u * 1024u * 1024u)

jbyteArray mj_x509_write(JNIEnv *env, mj_x509_write_fn write, void *ctx, int pem, void *drbg, const char *function)
{
    size_t size = 4096;
    for (;;) {
        unsigned char *buf = malloc(size);
        jbyteArray out;
        size_t len;
        int ret;
        if (buf == NULL) {
            mj_throw_oom(env, function);
            return NULL;
        }
        ret = write(ctx, buf, size, pem, drbg);
        if ((ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || ret == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL) && size < MJ_WRITE_MAX) {
            free(buf);
            size *= 4;
            continue;
        }
        if (ret < 0) {
            free(buf);
            mj_throw_mbedtls(env, ret, function, NULL);
            return NULL;
        }
        len = pem ? strlen((const char *) buf) : (size_t) ret;
        out = (*env)->NewByteArray(env, (jsize) len);
        if (out != NULL) {
            (*env)->SetByteArrayRegion(env, out, 0, (jsize) len, (const jbyte *) (pem ? buf : buf + size - len));
        }
        free(buf);
        return out;
    }
}
#endif

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
 * One subjectAltName entry as three elements of out from lead + 3 * i: {kind}, first, second. kind is
 * MBEDTLS_X509_SAN_* when mbedtls_x509_parse_subject_alt_name parsed it, else 0x80 | the
 * GeneralName tag number (first: the raw contents). Parsed: unstructured names (DNS, URI,
 * rfc822, IP) give their bytes; a hardware module name its hwType OID, dotted, and its serial; a
 * directoryName its mbedtls_x509_dn_gets text. Returns 0, or -1 with an exception pending.
 */
static int put_san(JNIEnv *env, jobjectArray out, jsize lead, jsize i, const mbedtls_x509_buf *raw)
{
    mbedtls_x509_subject_alternative_name san;
    char text[1024] = "";
    unsigned char kind;
    const unsigned char *first = raw->p, *second = NULL;
    size_t first_len = raw->len, second_len = 0;
    jsize at;
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
    at = lead + 3 * i;
    ret = put_bytes(env, out, at, &kind, 1) != 0 || put_bytes(env, out, at + 1, first, first_len) != 0 ||
          (second != NULL && put_bytes(env, out, at + 2, second, second_len) != 0) ? -1 : 0;
    if (kind < 0x80) {
        mj_san_free(&san);
    }
    return ret;
}

jobjectArray mj_x509_general_names(JNIEnv *env, const mbedtls_x509_sequence *names, jsize lead)
{
    const mbedtls_x509_sequence *cur;
    jobjectArray result;
    jsize n = 0, i = 0;
    for (cur = names; cur != NULL && cur->buf.p != NULL; cur = cur->next) {
        n++;
    }
    result = (*env)->NewObjectArray(env, lead + 3 * n, mj_jni.byte_array, NULL);
    for (cur = names; result != NULL && i < n; cur = cur->next, i++) {
        if (put_san(env, result, lead, i, &cur->buf) != 0) {
            return NULL;
        }
    }
    return result;
}

jobjectArray mj_x509_subject_alt_names(JNIEnv *env, const mbedtls_x509_sequence *names)
{
    return mj_x509_general_names(env, names, 0);
}

int mj_x509_oid_text(JNIEnv *env, const mbedtls_x509_buf *oid, char *buf, size_t size)
{
    int ret = mbedtls_oid_get_numeric_string(buf, size, oid);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_oid_get_numeric_string", NULL);
        return -1;
    }
    return ret;
}

jobjectArray mj_x509_name_attributes(JNIEnv *env, const mbedtls_x509_name *name)
{
    const mbedtls_x509_name *cur;
    jobjectArray result;
    jsize n = 0, i = 0;
    /* As mbedtls_x509_dn_gets walks it: an entry without an OID (an empty name's head) is no attribute. */
    for (cur = name; cur != NULL; cur = cur->next) {
        n += cur->oid.p != NULL;
    }
    result = (*env)->NewObjectArray(env, 4 * n, mj_jni.byte_array, NULL);
    for (cur = name; result != NULL && i < n; cur = cur->next) {
        char oid[MJ_OID_TEXT_MAX];
        const char *short_name = NULL;
        unsigned char head[2];
        int len;
        if (cur->oid.p == NULL) {
            continue;
        }
        if ((len = mj_x509_oid_text(env, &cur->oid, oid, sizeof oid)) < 0) {
            return NULL;
        }
        head[0] = (unsigned char) cur->val.tag;
        head[1] = cur->MBEDTLS_PRIVATE(next_merged) != 0;
        if (put_bytes(env, result, 4 * i, head, sizeof head) != 0 ||
            put_bytes(env, result, 4 * i + 1, (const unsigned char *) oid, (size_t) len) != 0 ||
            (mbedtls_oid_get_attr_short_name(&cur->oid, &short_name) == 0 &&
             put_bytes(env, result, 4 * i + 2, (const unsigned char *) short_name, strlen(short_name)) != 0) ||
            put_bytes(env, result, 4 * i + 3, cur->val.p, cur->val.len) != 0) {
            return NULL;
        }
        i++;
    }
    return result;
}

#if MJ_HAS_PK_WRITE
/* mbedtls_pk_write_pubkey_der as an mj_x509_write_fn (ctx: the key; DER only, no RNG). */
static int write_pubkey_der(void *ctx, unsigned char *buf, size_t size, int pem, void *drbg)
{
    (void) pem;
    (void) drbg;
    return mbedtls_pk_write_pubkey_der(ctx, buf, size);
}
#endif

jbyteArray mj_x509_public_key_der(JNIEnv *env, const mbedtls_pk_context *pk)
{
#if MJ_HAS_PK_WRITE
    /* Mbed TLS only reads the key; 2.28's mbedtls_pk_write_pubkey_der takes it without const. */
    return mj_x509_write(env, write_pubkey_der, (void *) pk, 0, NULL, "mbedtls_pk_write_pubkey_der");
#else
    (void) pk;
    mj_throw_unsupported(env, MJ_WRITE_UNAVAILABLE("MBEDTLS_PK_WRITE_C") ": it writes the public key's DER, which "
                              "PkContext.parsePublicKey then parses");
    return NULL;
#endif
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
