/* JNI glue of io.github.mbedtlsjni.SslConfig: mbedtls_ssl_config. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_SslConfig.h"

/* Java AuthMode ordinals -> Mbed TLS. */
static const int authmodes[] = { MBEDTLS_SSL_VERIFY_NONE, MBEDTLS_SSL_VERIFY_OPTIONAL, MBEDTLS_SSL_VERIFY_REQUIRED };

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_SslConfig_nInit(JNIEnv *env, jclass cls)
{
    mj_conf *c = mj_alloc(env, MJ_KIND_SSL_CONFIG, sizeof *c);
    (void) cls;
    if (c == NULL) {
        return 0;
    }
    mbedtls_ssl_config_init(&c->conf);
    c->authmode = MBEDTLS_SSL_VERIFY_REQUIRED;
    return MJ_HANDLE(c);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslConfig_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_config_free(&c->conf);
    mj_release(MJ_KIND_SSL_CONFIG, c);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslConfig_nDefaults(JNIEnv *env, jclass cls, jlong handle, jobject owner)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    int ret;
    (void) cls;
    (void) owner;
    ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_config_defaults", NULL);
        return;
    }
    /* Secure defaults, explicit whatever the Mbed TLS version's own defaults are. */
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    c->authmode = MBEDTLS_SSL_VERIFY_REQUIRED;
    (void) mj_conf_tls_version(&c->conf, MJ_TLS1_2, 1); /* TLS 1.2 is always available */
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslConfig_nSetRng(JNIEnv *env, jclass cls, jlong handle, jobject owner,
                                                                   jlong drbg_handle, jobject drbg_owner)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) env;
    (void) cls;
    (void) owner;
    (void) drbg_owner;
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle));
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslConfig_nSetAuthMode(JNIEnv *env, jclass cls, jlong handle,
                                                                        jobject owner, jint mode)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) cls;
    (void) owner;
    if (mode < 0 || mode >= (jint) (sizeof authmodes / sizeof authmodes[0])) {
        mj_throw_argument(env, "unknown authentication mode");
        return;
    }
    mbedtls_ssl_conf_authmode(&c->conf, authmodes[mode]);
    c->authmode = authmodes[mode];
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslConfig_nSetVersion(JNIEnv *env, jclass cls, jlong handle,
                                                                       jobject owner, jint version, jboolean minimum)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) cls;
    (void) owner;
    if (mj_conf_tls_version(&c->conf, version, minimum) != 0) {
        mj_throw_argument(env, MJ_TLS13_UNAVAILABLE);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslConfig_nSetCaChain(JNIEnv *env, jclass cls, jlong handle,
                                                                       jobject owner, jlong ca_handle, jobject ca_owner,
                                                                       jlong crl_handle, jobject crl_owner)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) env;
    (void) cls;
    (void) owner;
    (void) ca_owner;
    (void) crl_owner;
    mbedtls_ssl_conf_ca_chain(&c->conf, MJ_PTR(mbedtls_x509_crt, ca_handle),
                              crl_handle != 0 ? MJ_PTR(mbedtls_x509_crl, crl_handle) : NULL);
}
