/*
 * JNI glue of io.github.mbedtlsjni.internal.NativeConstants: the values the C side gives every constant
 * that Java mirrors, so that a test can compare them all (NativeConstantsTest).
 *
 * The Mbed TLS part (error codes, verify flags) is generated from the headers of the Mbed TLS this
 * library is built against (cmake/NativeConstants.cmake); the rest are the glue's own tables that
 * Java addresses by ordinal or kind.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_internal_NativeConstants.h"
#include "verify_profile.h"

#include "mbedtls/asn1.h"
#include "mbedtls/base64.h"
#include "mbedtls/cipher.h"
#include "mbedtls/error.h"
#include "mbedtls/oid.h"
#include "mbedtls/pem.h"
#include "mbedtls/pkcs12.h"
#include "mbedtls/pkcs5.h"
#include "mbedtls/x509.h"

struct mj_constant {
    const char *name;
    long long value;
};

#define MJ_CONSTANT(name) { #name, (long long) (name) },
#define MJ_NAMED(name, value) { name, (long long) (value) },
#define MJ_HASH_CONSTANT(name, id) MJ_NAMED("VerifyProfile.Hash." #name, MJ_HASH_##name)
#define MJ_PK_TYPE_CONSTANT(name, id) MJ_NAMED("VerifyProfile.PkType." #name, MJ_PK_TYPE_##name)
#define MJ_CURVE_CONSTANT(name, id) MJ_NAMED("VerifyProfile.Curve." #name, MJ_CURVE_##name)

static const struct mj_constant constants[] = {
#include "mj_mbedtls_constants.inc"
    MJ_CONSTANT(MBEDTLS_SSL_VERIFY_NONE)
    MJ_CONSTANT(MBEDTLS_SSL_VERIFY_OPTIONAL)
    MJ_CONSTANT(MBEDTLS_SSL_VERIFY_REQUIRED)
    MJ_NAMED("VerifyResult.NOT_AVAILABLE", MJ_VERIFY_RESULT_NONE)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_SSL_CLIENT", MBEDTLS_X509_NS_CERT_TYPE_SSL_CLIENT)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_SSL_SERVER", MBEDTLS_X509_NS_CERT_TYPE_SSL_SERVER)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_EMAIL", MBEDTLS_X509_NS_CERT_TYPE_EMAIL)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_OBJECT_SIGNING", MBEDTLS_X509_NS_CERT_TYPE_OBJECT_SIGNING)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_RESERVED", MBEDTLS_X509_NS_CERT_TYPE_RESERVED)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_SSL_CA", MBEDTLS_X509_NS_CERT_TYPE_SSL_CA)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_EMAIL_CA", MBEDTLS_X509_NS_CERT_TYPE_EMAIL_CA)
    MJ_NAMED("X509Csr.NS_CERT_TYPE_OBJECT_SIGNING_CA", MBEDTLS_X509_NS_CERT_TYPE_OBJECT_SIGNING_CA)
    MJ_NAMED("TlsVersion.TLS1_2", MJ_TLS1_2)
    MJ_NAMED("TlsVersion.TLS1_3", MJ_TLS1_3)
    MJ_NAMED("AuthMode.NONE", MJ_AUTHMODE_NONE)
    MJ_NAMED("AuthMode.OPTIONAL", MJ_AUTHMODE_OPTIONAL)
    MJ_NAMED("AuthMode.REQUIRED", MJ_AUTHMODE_REQUIRED)
    MJ_NAMED("SslContext.Inbound.OPEN", MJ_INBOUND_OPEN)
    MJ_NAMED("SslContext.Inbound.CLOSE_NOTIFY", MJ_INBOUND_CLOSE_NOTIFY)
    MJ_NAMED("SslContext.Inbound.EOF_WITHOUT_CLOSE_NOTIFY", MJ_INBOUND_EOF)
    MJ_NAMED("VerifyProfile.KIND_DEFAULT", MJ_PROFILE_DEFAULT)
    MJ_NAMED("VerifyProfile.KIND_NEXT", MJ_PROFILE_NEXT)
    MJ_NAMED("VerifyProfile.KIND_SUITE_B", MJ_PROFILE_SUITE_B)
    MJ_NAMED("VerifyProfile.KIND_CUSTOM", MJ_PROFILE_CUSTOM)
    MJ_PROFILE_HASHES(MJ_HASH_CONSTANT)
    MJ_PROFILE_PK_TYPES(MJ_PK_TYPE_CONSTANT)
    MJ_PROFILE_CURVES(MJ_CURVE_CONSTANT)
    MJ_NAMED("VerifyProfile.Hash.COUNT", MJ_HASH_COUNT)
    MJ_NAMED("VerifyProfile.PkType.COUNT", MJ_PK_TYPE_COUNT)
    MJ_NAMED("VerifyProfile.Curve.COUNT", MJ_CURVE_COUNT)
};

#define MJ_CONSTANT_COUNT ((jsize) (sizeof constants / sizeof constants[0]))

JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_internal_NativeConstants_nNames(JNIEnv *env, jclass cls)
{
    jobjectArray names = (*env)->NewObjectArray(env, MJ_CONSTANT_COUNT, mj_jni.string, NULL);
    jsize i;
    (void) cls;
    for (i = 0; names != NULL && i < MJ_CONSTANT_COUNT; i++) {
        jstring name = mj_string(env, constants[i].name);
        if (name == NULL) {
            return NULL;
        }
        (*env)->SetObjectArrayElement(env, names, i, name);
        (*env)->DeleteLocalRef(env, name);
    }
    return names;
}

JNIEXPORT jlongArray JNICALL Java_io_github_mbedtlsjni_internal_NativeConstants_nValues(JNIEnv *env, jclass cls)
{
    jlong values[MJ_CONSTANT_COUNT];
    jlongArray array;
    jsize i;
    (void) cls;
    for (i = 0; i < MJ_CONSTANT_COUNT; i++) {
        values[i] = (jlong) constants[i].value;
    }
    array = (*env)->NewLongArray(env, MJ_CONSTANT_COUNT);
    if (array != NULL) {
        (*env)->SetLongArrayRegion(env, array, 0, MJ_CONSTANT_COUNT, values);
    }
    return array;
}
