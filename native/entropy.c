/* JNI glue of io.github.mbedtlsjni.mbedtls.Entropy: mbedtls_entropy_context. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_Entropy.h"

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_Entropy_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_entropy_context *entropy = mj_alloc(env, MJ_KIND_ENTROPY, sizeof *entropy);
    (void) cls;
    if (entropy == NULL) {
        return 0;
    }
    mbedtls_entropy_init(entropy);
    return MJ_HANDLE(entropy);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_Entropy_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_entropy_context *entropy = MJ_PTR(mbedtls_entropy_context, handle);
    (void) env;
    (void) cls;
    mbedtls_entropy_free(entropy);
    mj_release(MJ_KIND_ENTROPY, entropy);
}
