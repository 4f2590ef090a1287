/*
 * JNI glue of io.github.mbedtlsjni.jsse.CipherSuites: Mbed TLS's own table of cipher suites
 * (mbedtls_ssl_list_ciphersuites, in its order of preference), from which the JSSE provider
 * derives the IANA names it lists and accepts.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_jsse_CipherSuites.h"

#include "mbedtls/ssl_ciphersuites.h"

/* Kinds, as the Java side reads them: bit 0 TLS 1.3 suite, bit 1 needs a pre-shared key. */
#define MJ_SUITE_TLS13 1
#define MJ_SUITE_PSK 2

static jsize suite_count(const int *list)
{
    jsize n = 0;
    while (list[n] != 0) {
        n++;
    }
    return n;
}

/* The Mbed TLS name of each suite this build has, in Mbed TLS's order. */
JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_jsse_CipherSuites_nNames(JNIEnv *env, jclass cls)
{
    const int *list = mbedtls_ssl_list_ciphersuites();
    jsize n = suite_count(list), i;
    jobjectArray names = (*env)->NewObjectArray(env, n, mj_jni.string, NULL);
    (void) cls;
    for (i = 0; names != NULL && i < n; i++) {
        jstring name = mj_string(env, mbedtls_ssl_get_ciphersuite_name(list[i]));
        if (name == NULL) {
            return NULL;
        }
        (*env)->SetObjectArrayElement(env, names, i, name);
        (*env)->DeleteLocalRef(env, name);
    }
    return names;
}

/* For the same suites: the IANA code point shifted left by 2, ORed with the kind bits. */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_jsse_CipherSuites_nInfo(JNIEnv *env, jclass cls)
{
    const int *list = mbedtls_ssl_list_ciphersuites();
    jsize n = suite_count(list), i;
    jintArray info = (*env)->NewIntArray(env, n);
    (void) cls;
    for (i = 0; info != NULL && i < n; i++) {
        const mbedtls_ssl_ciphersuite_t *suite = mbedtls_ssl_ciphersuite_from_id(list[i]);
        jint value = list[i] << 2;
        if (suite != NULL) {
            value |= (mj_ciphersuite_is_tls13(suite) ? MJ_SUITE_TLS13 : 0) | (mj_ciphersuite_uses_psk(suite) ? MJ_SUITE_PSK : 0);
        }
        (*env)->SetIntArrayRegion(env, info, i, 1, &value);
    }
    return info;
}
