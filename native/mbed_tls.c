/* JNI glue of io.github.mbedtlsjni.mbedtls.MbedTls: version, features, error texts, diagnostics. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_MbedTls.h"

#include <limits.h>

#include "mbedtls/error.h"
#include "mbedtls/version.h"

#ifndef MJ_SOURCE_KIND
#define MJ_SOURCE_KIND "unknown"
#endif
#ifndef MJ_CONFIG_DESCRIPTION
#define MJ_CONFIG_DESCRIPTION "unknown"
#endif
#ifndef MJ_PLATFORM
#define MJ_PLATFORM "unknown"
#endif

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nVersion(JNIEnv *env, jclass cls)
{
    char version[32] = { 0 }; /* mbedtls_version_get_string needs 9 bytes */
    (void) cls;
    mbedtls_version_get_string(version);
    return mj_string(env, version);
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nVersionNumber(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
    return (jint) mbedtls_version_get_number();
}

JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nCheckFeature(JNIEnv *env, jclass cls, jstring name)
{
#if defined(MBEDTLS_VERSION_FEATURES)
    char *feature = mj_utf8(env, name);
    int ret;
    (void) cls;
    if (feature == NULL) {
        return JNI_FALSE;
    }
    ret = mbedtls_version_check_feature(feature);
    free(feature);
    return ret == 0 ? JNI_TRUE : JNI_FALSE;
#else
    (void) cls;
    (void) name;
    mj_throw_state(env, "this Mbed TLS was built without MBEDTLS_VERSION_FEATURES: features cannot be queried");
    return JNI_FALSE;
#endif
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nStrerror(JNIEnv *env, jclass cls, jint code)
{
    char text[256];
    (void) cls;
    if (code == INT_MIN) { /* mbedtls_strerror negates the code: undefined behaviour for INT_MIN */
        return mj_string(env, "UNKNOWN ERROR CODE (80000000)");
    }
    mbedtls_strerror(code, text, sizeof text);
    return mj_string(env, text);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nBuildSource(JNIEnv *env, jclass cls)
{
    (void) cls;
    return mj_string(env, MJ_SOURCE_KIND);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nBuildConfig(JNIEnv *env, jclass cls)
{
    (void) cls;
    return mj_string(env, MJ_CONFIG_DESCRIPTION);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nPlatform(JNIEnv *env, jclass cls)
{
    (void) cls;
    return mj_string(env, MJ_PLATFORM);
}

JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nLiveObjectNames(JNIEnv *env, jclass cls)
{
    jobjectArray names;
    int i;
    (void) cls;
    names = (*env)->NewObjectArray(env, MJ_KIND_COUNT, mj_jni.string, NULL);
    for (i = 0; names != NULL && i < MJ_KIND_COUNT; i++) {
        jstring name = mj_string(env, mj_kind_names[i]);
        if (name == NULL) {
            return NULL;
        }
        (*env)->SetObjectArrayElement(env, names, i, name);
        (*env)->DeleteLocalRef(env, name);
    }
    return names;
}

JNIEXPORT jlongArray JNICALL Java_io_github_mbedtlsjni_mbedtls_MbedTls_nLiveObjectCounts(JNIEnv *env, jclass cls)
{
    jlong counts[MJ_KIND_COUNT];
    jlongArray array;
    int i;
    (void) cls;
    for (i = 0; i < MJ_KIND_COUNT; i++) {
        counts[i] = (jlong) mj_live_count((enum mj_kind) i);
    }
    array = (*env)->NewLongArray(env, MJ_KIND_COUNT);
    if (array != NULL) {
        (*env)->SetLongArrayRegion(env, array, 0, MJ_KIND_COUNT, counts);
    }
    return array;
}
