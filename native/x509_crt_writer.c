/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.X509CrtWriter: one call that fills an
 * mbedtls_x509write_cert, signs it with the issuer's key and frees it, so no native object
 * outlives the call.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509CrtWriter.h"

#include <stdlib.h>
#include <string.h>

#include "verify_profile.h"
#include "x509_util.h"

/* X509CrtWriter's FIELD_* indexes into the int[] of settings. */
enum {
    MJ_CRT_VERSION,      /* 1, 2 or 3 */
    MJ_CRT_MD,           /* VerifyProfile.Hash ordinal */
    MJ_CRT_KEY_USAGE,    /* -1: none */
    MJ_CRT_NS_CERT_TYPE, /* -1: none */
    MJ_CRT_CA,           /* -1: no basicConstraints, 0: not a CA, 1: a CA */
    MJ_CRT_PATH_LEN,     /* -1: unlimited */
    MJ_CRT_SUBJECT_KEY_ID,
    MJ_CRT_AUTHORITY_KEY_ID,
    MJ_CRT_FIELDS
};

#if MJ_HAS_CRT_WRITE
#include "mbedtls/oid.h"
#include "mbedtls/x509_crt.h"

static int write_crt(void *ctx, unsigned char *buf, size_t size, int pem, void *drbg)
{
    if (pem) {
        return mbedtls_x509write_crt_pem(ctx, buf, size, mbedtls_ctr_drbg_random, drbg);
    }
    return mbedtls_x509write_crt_der(ctx, buf, size, mbedtls_ctr_drbg_random, drbg);
}

#define MJ_CHECK(call, function, detail)            \
    do {                                            \
        int ret_ = (call);                          \
        if (ret_ != 0) {                            \
            mj_throw_mbedtls(env, ret_, function, detail); \
            return -1;                              \
        }                                           \
    } while (0)

/* Everything but the signature; 0, or -1 with an exception pending. */
static int fill(JNIEnv *env, mbedtls_x509write_cert *crt, mbedtls_pk_context *subject_key, mbedtls_pk_context *issuer_key,
                const char *subject, const char *issuer, unsigned char *serial, size_t serial_len, const char *not_before,
                const char *not_after, const jint *f, const struct mj_x509_ext *ext)
{
    int id = mj_profile_hash_id(f[MJ_CRT_MD]);
    if (id < 0) {
        mj_throw_argument(env, "this Mbed TLS has no such digest (SHA-3 needs Mbed TLS 3.5 or later)");
        return -1;
    }
    mbedtls_x509write_crt_set_version(crt, f[MJ_CRT_VERSION] - 1); /* MBEDTLS_X509_CRT_VERSION_1 is 0 */
    mbedtls_x509write_crt_set_md_alg(crt, (mbedtls_md_type_t) id);
    /* The keys first: the key identifiers are computed from them. */
    mbedtls_x509write_crt_set_subject_key(crt, subject_key);
    mbedtls_x509write_crt_set_issuer_key(crt, issuer_key);
    MJ_CHECK(mj_x509write_crt_set_serial(crt, serial, serial_len), "mbedtls_x509write_crt_set_serial", NULL);
    MJ_CHECK(mbedtls_x509write_crt_set_validity(crt, not_before, not_after), "mbedtls_x509write_crt_set_validity", NULL);
    MJ_CHECK(mbedtls_x509write_crt_set_subject_name(crt, subject), "mbedtls_x509write_crt_set_subject_name", subject);
    MJ_CHECK(mbedtls_x509write_crt_set_issuer_name(crt, issuer), "mbedtls_x509write_crt_set_issuer_name", issuer);
    /* Mbed TLS writes extensions into version 3 certificates only; the setters are called for any
     * version, as they only record them. */
    if (f[MJ_CRT_CA] >= 0) {
        MJ_CHECK(mbedtls_x509write_crt_set_basic_constraints(crt, f[MJ_CRT_CA], f[MJ_CRT_PATH_LEN]),
                 "mbedtls_x509write_crt_set_basic_constraints", NULL);
    }
    if (f[MJ_CRT_SUBJECT_KEY_ID]) {
        MJ_CHECK(mbedtls_x509write_crt_set_subject_key_identifier(crt), "mbedtls_x509write_crt_set_subject_key_identifier", NULL);
    }
    if (f[MJ_CRT_AUTHORITY_KEY_ID]) {
        MJ_CHECK(mbedtls_x509write_crt_set_authority_key_identifier(crt), "mbedtls_x509write_crt_set_authority_key_identifier",
                 NULL);
    }
    if (f[MJ_CRT_KEY_USAGE] >= 0) {
        MJ_CHECK(mbedtls_x509write_crt_set_key_usage(crt, (unsigned int) f[MJ_CRT_KEY_USAGE]), "mbedtls_x509write_crt_set_key_usage",
                 NULL);
    }
    if (f[MJ_CRT_NS_CERT_TYPE] >= 0) {
        MJ_CHECK(mbedtls_x509write_crt_set_ns_cert_type(crt, (unsigned char) f[MJ_CRT_NS_CERT_TYPE]),
                 "mbedtls_x509write_crt_set_ns_cert_type", NULL);
    }
    if (ext->eku_count > 0) {
#if MJ_HAS_CRT_EKU_WRITER
        MJ_CHECK(mbedtls_x509write_crt_set_ext_key_usage(crt, ext->eku), "mbedtls_x509write_crt_set_ext_key_usage", NULL);
#else
        /* Critical, as 3.x's mbedtls_x509write_crt_set_ext_key_usage marks it. */
        MJ_CHECK(mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                     MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 1, ext->eku_der,
                                                     ext->eku_der_len),
                 "mbedtls_x509write_crt_set_extension", "extendedKeyUsage");
#endif
    }
    if (ext->san_count > 0) {
#if MJ_HAS_SAN_WRITER
        MJ_CHECK(mbedtls_x509write_crt_set_subject_alternative_name(crt, &ext->san[ext->san_count - 1]),
                 "mbedtls_x509write_crt_set_subject_alternative_name", NULL);
#else
        MJ_CHECK(mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                     MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, ext->san_der,
                                                     ext->san_der_len),
                 "mbedtls_x509write_crt_set_extension", "subjectAltName");
#endif
    }
    return 0;
}
#endif

JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509CrtWriter_nWrite(
    JNIEnv *env, jclass cls, jlong subject_key, jlong issuer_key, jlong drbg, jstring jsubject, jstring jissuer,
    jbyteArray jserial, jstring jnot_before, jstring jnot_after, jintArray jfields, jobjectArray eku_oids,
    jintArray san_types, jobjectArray san_values, jboolean pem)
{
    (void) cls;
#if MJ_HAS_CRT_WRITE
    mbedtls_x509write_cert crt;
    struct mj_x509_ext ext;
    jbyteArray out = NULL;
    jint fields[MJ_CRT_FIELDS];
    jsize serial_len = (*env)->GetArrayLength(env, jserial);
    unsigned char serial[64];
    char *subject = mj_utf8(env, jsubject);
    char *issuer = subject == NULL ? NULL : mj_utf8(env, jissuer);
    char *not_before = issuer == NULL ? NULL : mj_utf8(env, jnot_before);
    char *not_after = not_before == NULL ? NULL : mj_utf8(env, jnot_after);
    mbedtls_x509write_crt_init(&crt);
    memset(&ext, 0, sizeof ext);
    if (not_after == NULL) {
        goto done;
    }
    if ((*env)->GetArrayLength(env, jfields) != MJ_CRT_FIELDS || serial_len > (jsize) sizeof serial) {
        mj_throw_argument(env, "X509CrtWriter: fields or serial out of range"); /* Java checks both first */
        goto done;
    }
    (*env)->GetIntArrayRegion(env, jfields, 0, MJ_CRT_FIELDS, fields);
    (*env)->GetByteArrayRegion(env, jserial, 0, serial_len, (jbyte *) serial);
    if (mj_x509_ext_read(env, eku_oids, san_types, san_values, &ext) == 0 &&
        fill(env, &crt, MJ_PTR(mbedtls_pk_context, subject_key), MJ_PTR(mbedtls_pk_context, issuer_key), subject, issuer, serial,
             (size_t) serial_len, not_before, not_after, fields, &ext) == 0) {
        out = mj_x509_write(env, write_crt, &crt, pem, MJ_PTR(mbedtls_ctr_drbg_context, drbg),
                            pem ? "mbedtls_x509write_crt_pem" : "mbedtls_x509write_crt_der");
    }
done:
    mbedtls_x509write_crt_free(&crt);
    mj_x509_ext_free(&ext);
    free(not_after);
    free(not_before);
    free(issuer);
    free(subject);
    return out;
#else
    (void) subject_key;
    (void) issuer_key;
    (void) drbg;
    (void) jsubject;
    (void) jissuer;
    (void) jserial;
    (void) jnot_before;
    (void) jnot_after;
    (void) jfields;
    (void) eku_oids;
    (void) san_types;
    (void) san_values;
    (void) pem;
    mj_throw_state(env, MJ_WRITE_UNAVAILABLE("MBEDTLS_X509_CRT_WRITE_C or MBEDTLS_PEM_WRITE_C"));
    return NULL;
#endif
}
