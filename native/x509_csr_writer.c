/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.X509CsrWriter: one call that fills an
 * mbedtls_x509write_csr, signs it and frees it, so no native object outlives the call.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_X509CsrWriter.h"

#include <stdlib.h>

#include "verify_profile.h"
#include "x509_util.h"

#if MJ_HAS_CSR_WRITE
#include "mbedtls/oid.h"
#include "mbedtls/x509_csr.h"

static int write_csr(void *ctx, unsigned char *buf, size_t size, int pem, void *drbg)
{
    if (pem) {
        return mbedtls_x509write_csr_pem(ctx, buf, size, mbedtls_ctr_drbg_random, drbg);
    }
    return mbedtls_x509write_csr_der(ctx, buf, size, mbedtls_ctr_drbg_random, drbg);
}

/* Everything but the signature; 0, or -1 with an exception pending. */
static int fill(JNIEnv *env, mbedtls_x509write_csr *req, mbedtls_pk_context *key, const char *subject, jint md,
                jint key_usage, jint ns_cert_type, const struct mj_x509_ext *ext)
{
    int id = mj_profile_hash_id(md), ret;
    if (id < 0) {
        mj_throw_argument(env, "this Mbed TLS has no such digest (SHA-3 needs Mbed TLS 3.5 or later)");
        return -1;
    }
    mbedtls_x509write_csr_set_md_alg(req, (mbedtls_md_type_t) id);
    mbedtls_x509write_csr_set_key(req, key);
    if ((ret = mbedtls_x509write_csr_set_subject_name(req, subject)) != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509write_csr_set_subject_name", subject);
        return -1;
    }
    if (key_usage >= 0) {
        /* The CSR setter takes an unsigned char: decipherOnly (bit 15) cannot be asked for. */
        if (key_usage > 0xFF) {
            mj_throw_argument(env, "a CSR's keyUsage holds the first 8 bits only (mbedtls_x509write_csr_set_key_usage "
                                   "takes an unsigned char): no decipherOnly");
            return -1;
        }
        if ((ret = mbedtls_x509write_csr_set_key_usage(req, (unsigned char) key_usage)) != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_x509write_csr_set_key_usage", NULL);
            return -1;
        }
    }
    if (ns_cert_type >= 0) {
        if ((ret = mbedtls_x509write_csr_set_ns_cert_type(req, (unsigned char) ns_cert_type)) != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_x509write_csr_set_ns_cert_type", NULL);
            return -1;
        }
    }
    /* Mbed TLS has no extendedKeyUsage setter for CSRs; its own tests set the DER, as here. */
    if (ext->eku_der != NULL &&
        (ret = mj_x509write_csr_set_extension(req, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), ext->eku_der,
                                              ext->eku_der_len)) != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509write_csr_set_extension", "extendedKeyUsage");
        return -1;
    }
    if (ext->san_count > 0) {
#if MJ_HAS_SAN_WRITER
        ret = mbedtls_x509write_csr_set_subject_alternative_name(req, &ext->san[ext->san_count - 1]);
#else
        ret = mj_x509write_csr_set_extension(req, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
                                             ext->san_der, ext->san_der_len);
#endif
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_x509write_csr_set_subject_alternative_name", NULL);
            return -1;
        }
    }
    return 0;
}
#endif

JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_X509CsrWriter_nWrite(
    JNIEnv *env, jclass cls, jlong key, jlong drbg, jstring jsubject, jint md, jint key_usage, jint ns_cert_type,
    jobjectArray eku_oids, jintArray san_types, jobjectArray san_values, jboolean pem)
{
    (void) cls;
#if MJ_HAS_CSR_WRITE
    mbedtls_x509write_csr req;
    struct mj_x509_ext ext;
    jbyteArray out = NULL;
    char *subject = mj_utf8(env, jsubject);
    if (subject == NULL) {
        return NULL;
    }
    mbedtls_x509write_csr_init(&req);
    if (mj_x509_ext_read(env, eku_oids, san_types, san_values, &ext) == 0 &&
        fill(env, &req, MJ_PTR(mbedtls_pk_context, key), subject, md, key_usage, ns_cert_type, &ext) == 0) {
        out = mj_x509_write(env, write_csr, &req, pem, MJ_PTR(mbedtls_ctr_drbg_context, drbg),
                            pem ? "mbedtls_x509write_csr_pem" : "mbedtls_x509write_csr_der");
    }
    mbedtls_x509write_csr_free(&req);
    mj_x509_ext_free(&ext);
    free(subject);
    return out;
#else
    (void) key;
    (void) drbg;
    (void) jsubject;
    (void) md;
    (void) key_usage;
    (void) ns_cert_type;
    (void) eku_oids;
    (void) san_types;
    (void) san_values;
    (void) pem;
    mj_throw_state(env, MJ_WRITE_UNAVAILABLE("MBEDTLS_X509_CSR_WRITE_C or MBEDTLS_PEM_WRITE_C"));
    return NULL;
#endif
}
