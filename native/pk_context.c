/* JNI glue of io.github.mbedtlsjni.mbedtls.PkContext: mbedtls_pk_context (a private key). */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_PkContext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/base64.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/rsa.h"

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

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nParsePublicKey(JNIEnv *env, jclass cls, jlong handle,
                                                                           jbyteArray key)
{
    size_t key_len;
    unsigned char *buf;
    int ret;
    (void) cls;

    buf = mj_copy_for_parse(env, key, &key_len);
    if (buf == NULL) {
        return;
    }
    ret = mbedtls_pk_parse_public_key(MJ_PTR(mbedtls_pk_context, handle), buf, key_len);
    free(buf);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_pk_parse_public_key", NULL);
    }
}

/* --- Key generation ---------------------------------------------------------------------------- */

/* After a failed generation the context goes back to empty (mbedtls_pk_init), as Java expects. */
static void reset(mbedtls_pk_context *pk)
{
    mbedtls_pk_free(pk);
    mbedtls_pk_init(pk);
}

/* The names of the curves this Mbed TLS's ecp module has (mbedtls_ecp_curve_list), in its order. */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nCurves(JNIEnv *env, jclass cls)
{
    jobjectArray names;
    jsize n = 0, i;
    (void) cls;
#if defined(MBEDTLS_ECP_C)
    const mbedtls_ecp_curve_info *list = mbedtls_ecp_curve_list();
    while (list[n].grp_id != MBEDTLS_ECP_DP_NONE) {
        n++;
    }
    names = (*env)->NewObjectArray(env, n, mj_jni.string, NULL);
    for (i = 0; names != NULL && i < n; i++) {
        jstring name = mj_string(env, list[i].name);
        if (name == NULL) {
            return NULL;
        }
        (*env)->SetObjectArrayElement(env, names, i, name);
        (*env)->DeleteLocalRef(env, name);
    }
#else
    (void) i;
    names = (*env)->NewObjectArray(env, n, mj_jni.string, NULL);
#endif
    return names;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nGenerateEc(JNIEnv *env, jclass cls, jlong handle,
                                                                       jstring jcurve, jlong drbg_handle)
{
    (void) cls;
#if defined(MBEDTLS_ECP_C)
    mbedtls_pk_context *pk = MJ_PTR(mbedtls_pk_context, handle);
    const mbedtls_ecp_curve_info *info;
    char detail[512];
    int ret;
    char *curve = mj_utf8(env, jcurve);
    if (curve == NULL) {
        return;
    }
    info = mbedtls_ecp_curve_info_from_name(curve);
    if (info == NULL) {
        /* No Mbed TLS call fails here, so the code is the one mbedtls_ecp_group_load gives for a
         * curve it was built without. */
        const mbedtls_ecp_curve_info *c;
        size_t used = (size_t) snprintf(detail, sizeof detail, "unknown curve \"%.64s\"; this Mbed TLS has:", curve);
        for (c = mbedtls_ecp_curve_list(); c->grp_id != MBEDTLS_ECP_DP_NONE && used < sizeof detail; c++) {
            used += (size_t) snprintf(detail + used, sizeof detail - used, " %s", c->name);
        }
        free(curve);
        mj_throw_mbedtls(env, MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE, "mbedtls_ecp_curve_info_from_name", detail);
        return;
    }
    free(curve);
    ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_pk_setup", NULL);
        return;
    }
    ret = mbedtls_ecp_gen_key(info->grp_id, mbedtls_pk_ec(*pk), mbedtls_ctr_drbg_random,
                              MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle));
    if (ret != 0) {
        reset(pk);
        snprintf(detail, sizeof detail, "curve %s", info->name);
        mj_throw_mbedtls(env, ret, "mbedtls_ecp_gen_key", detail);
    }
#else
    (void) handle;
    (void) jcurve;
    (void) drbg_handle;
    mj_throw_state(env, MJ_WRITE_UNAVAILABLE("MBEDTLS_ECP_C"));
#endif
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nGenerateRsa(JNIEnv *env, jclass cls, jlong handle,
                                                                        jint bits, jint exponent, jlong drbg_handle)
{
    (void) cls;
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_GENPRIME)
    mbedtls_pk_context *pk = MJ_PTR(mbedtls_pk_context, handle);
    char detail[96];
    int ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_pk_setup", NULL);
        return;
    }
    /* Mbed TLS decides which sizes and exponents it takes (3.6: 1024 to 4096 bits... even sizes,
     * odd exponents >= 3); Java only keeps negative numbers away from the unsigned parameter. */
    ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), mbedtls_ctr_drbg_random, MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle),
                              (unsigned int) bits, (int) exponent);
    if (ret != 0) {
        reset(pk);
        snprintf(detail, sizeof detail, "%d bits, public exponent %d", (int) bits, (int) exponent);
        mj_throw_mbedtls(env, ret, "mbedtls_rsa_gen_key", detail);
    }
#else
    (void) handle;
    (void) bits;
    (void) exponent;
    (void) drbg_handle;
    mj_throw_state(env, MJ_WRITE_UNAVAILABLE("MBEDTLS_RSA_C and MBEDTLS_GENPRIME"));
#endif
}

/* --- Writing ------------------------------------------------------------------------------------ */

/* PkContext's WRITE_* constants: what nWrite writes. */
enum { MJ_WRITE_KEY_DER = 0, MJ_WRITE_KEY_PEM = 1, MJ_WRITE_PUBKEY_DER = 2, MJ_WRITE_PUBKEY_PEM = 3 };

#if MJ_HAS_PK_WRITE
/* Not const: 2.28's pk_write functions take a non-const context. */
static int write_one(mbedtls_pk_context *pk, jint what, unsigned char *buf, size_t size, const char **function)
{
    switch (what) {
    case MJ_WRITE_KEY_DER:
        *function = "mbedtls_pk_write_key_der";
        return mbedtls_pk_write_key_der(pk, buf, size);
#if defined(MBEDTLS_PEM_WRITE_C)
    case MJ_WRITE_KEY_PEM:
        *function = "mbedtls_pk_write_key_pem";
        return mbedtls_pk_write_key_pem(pk, buf, size);
    case MJ_WRITE_PUBKEY_PEM:
        *function = "mbedtls_pk_write_pubkey_pem";
        return mbedtls_pk_write_pubkey_pem(pk, buf, size);
#endif
    case MJ_WRITE_PUBKEY_DER:
        *function = "mbedtls_pk_write_pubkey_der";
        return mbedtls_pk_write_pubkey_der(pk, buf, size);
    default:
        *function = "mbedtls_pk_write (PEM)";
        return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE; /* PEM without MBEDTLS_PEM_WRITE_C */
    }
}
#endif

/* Past this a key does not grow: an 8192-bit RSA private key is under 7 KiB of PEM. */
#define MJ_KEY_WRITE_MAX (256u * 1024u)

JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_PkContext_nWrite(JNIEnv *env, jclass cls, jlong handle, jint what)
{
    (void) cls;
#if MJ_HAS_PK_WRITE
    mbedtls_pk_context *pk = MJ_PTR(mbedtls_pk_context, handle);
    size_t size = 4096;
    for (;;) {
        const char *function = NULL;
        unsigned char *buf = malloc(size);
        jbyteArray out;
        size_t len;
        int ret;
        if (buf == NULL) {
            mj_throw_oom(env, "a key's encoding");
            return NULL;
        }
        ret = write_one(pk, what, buf, size, &function);
        if ((ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || ret == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL) && size < MJ_KEY_WRITE_MAX) {
            free_secret(buf, size);
            size *= 2;
            continue;
        }
        if (ret < 0) {
            free_secret(buf, size);
            mj_throw_mbedtls(env, ret, function, NULL);
            return NULL;
        }
        /* DER is written at the end of the buffer (ret bytes); PEM from the start, NUL-terminated. */
        if (what == MJ_WRITE_KEY_DER || what == MJ_WRITE_PUBKEY_DER) {
            len = (size_t) ret;
            out = (*env)->NewByteArray(env, (jsize) len);
            if (out != NULL) {
                (*env)->SetByteArrayRegion(env, out, 0, (jsize) len, (const jbyte *) (buf + size - len));
            }
        } else {
            len = strlen((const char *) buf);
            out = (*env)->NewByteArray(env, (jsize) len);
            if (out != NULL) {
                (*env)->SetByteArrayRegion(env, out, 0, (jsize) len, (const jbyte *) buf);
            }
        }
        free_secret(buf, size); /* the private key's encoding must not stay in freed memory */
        return out;
    }
#else
    (void) handle;
    (void) what;
    mj_throw_state(env, MJ_WRITE_UNAVAILABLE("MBEDTLS_PK_WRITE_C"));
    return NULL;
#endif
}
