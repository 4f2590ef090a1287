/* JNI glue of io.github.mbedtlsjni.mbedtls.CtrDrbg: mbedtls_ctr_drbg_context. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_CtrDrbg.h"

#include <stdlib.h>

#include "mbedtls/platform_util.h"

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_CtrDrbg_nInit(JNIEnv *env, jclass cls)
{
    mbedtls_ctr_drbg_context *drbg = mj_alloc(env, MJ_KIND_CTR_DRBG, sizeof *drbg);
    (void) cls;
    if (drbg == NULL) {
        return 0;
    }
    mbedtls_ctr_drbg_init(drbg);
    return MJ_HANDLE(drbg);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_CtrDrbg_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mbedtls_ctr_drbg_context *drbg = MJ_PTR(mbedtls_ctr_drbg_context, handle);
    (void) env;
    (void) cls;
    mbedtls_ctr_drbg_free(drbg);
    mj_release(MJ_KIND_CTR_DRBG, drbg);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_CtrDrbg_nSeed(JNIEnv *env, jclass cls, jlong handle,
                                                               jlong entropy_handle, jbyteArray personalization)
{
    mbedtls_ctr_drbg_context *drbg = MJ_PTR(mbedtls_ctr_drbg_context, handle);
    mbedtls_entropy_context *entropy = MJ_PTR(mbedtls_entropy_context, entropy_handle);
    jsize len = (*env)->GetArrayLength(env, personalization);
    unsigned char *pers = malloc((size_t) len + 1);
    int ret;
    (void) cls;

    if (pers == NULL) {
        mj_throw_oom(env, "the personalization string");
        return;
    }
    (*env)->GetByteArrayRegion(env, personalization, 0, len, (jbyte *) pers);
    ret = mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, pers, (size_t) len);
    free(pers);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ctr_drbg_seed", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_CtrDrbg_nRandom(JNIEnv *env, jclass cls, jlong handle, jbyteArray out)
{
    mbedtls_ctr_drbg_context *drbg = MJ_PTR(mbedtls_ctr_drbg_context, handle);
    jsize len = (*env)->GetArrayLength(env, out), done = 0;
    unsigned char chunk[MBEDTLS_CTR_DRBG_MAX_REQUEST];
    (void) cls;

    while (done < len) {
        jsize n = len - done < (jsize) sizeof chunk ? len - done : (jsize) sizeof chunk;
        int ret = mbedtls_ctr_drbg_random(drbg, chunk, (size_t) n);
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ctr_drbg_random", NULL);
            break;
        }
        (*env)->SetByteArrayRegion(env, out, done, n, (const jbyte *) chunk);
        done += n;
    }
    mbedtls_platform_zeroize(chunk, sizeof chunk);
}
