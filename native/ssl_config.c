/* JNI glue of io.github.mbedtlsjni.mbedtls.SslConfig: mbedtls_ssl_config. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_SslConfig.h"
#include "verify_profile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbedtls/debug.h"
#include "mbedtls/platform_util.h"

static void debug_release(mj_conf *c);

/* Java AuthMode ordinals -> Mbed TLS. */
static const int authmodes[] = {
    [MJ_AUTHMODE_NONE] = MBEDTLS_SSL_VERIFY_NONE,
    [MJ_AUTHMODE_OPTIONAL] = MBEDTLS_SSL_VERIFY_OPTIONAL,
    [MJ_AUTHMODE_REQUIRED] = MBEDTLS_SSL_VERIFY_REQUIRED,
};

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nInit(JNIEnv *env, jclass cls)
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

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) cls;
    mbedtls_ssl_config_free(&c->conf);
    /* What the config pointed at, now that nothing reads it. */
    free(c->ciphersuites);
    if (c->alpn != NULL) {
        char **p;
        for (p = c->alpn; *p != NULL; p++) {
            free(*p);
        }
        free(c->alpn);
    }
    debug_release(c);
    if (c->debug_callback != NULL) {
        (*env)->DeleteGlobalRef(env, c->debug_callback);
    }
    if (c->psk_lookup != NULL) {
        (*env)->DeleteGlobalRef(env, c->psk_lookup);
    }
    if (c->x509_verify_callback != NULL) {
        (*env)->DeleteGlobalRef(env, c->x509_verify_callback);
    }
    for (size_t i = 0; i < c->sni_count; i++) {
        free(c->sni[i].name);
    }
    free(c->sni);
    mj_release(MJ_KIND_SSL_CONFIG, c);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nDefaults(JNIEnv *env, jclass cls, jlong handle,
                                                                      jint endpoint, jint transport)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    int ret;
    (void) cls;
#if !MJ_HAS_DTLS
    if (transport == MJ_TRANSPORT_DATAGRAM) {
        mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_PROTO_DTLS: no DTLS");
        return;
    }
#endif
#if !defined(MBEDTLS_SSL_SRV_C)
    if (endpoint == MJ_ENDPOINT_SERVER) {
        mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_SRV_C: no server side");
        return;
    }
#endif
    ret = mbedtls_ssl_config_defaults(&c->conf, endpoint == MJ_ENDPOINT_SERVER ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                      transport == MJ_TRANSPORT_DATAGRAM ? MBEDTLS_SSL_TRANSPORT_DATAGRAM
                                                                         : MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_config_defaults", NULL);
        return;
    }
    /* Secure defaults, explicit whatever the Mbed TLS version's own defaults are. */
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    c->authmode = MBEDTLS_SSL_VERIFY_REQUIRED;
    (void) mj_conf_tls_version(&c->conf, MJ_TLS1_2, 1); /* TLS 1.2 is always available */
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) && MBEDTLS_SSL_IN_CONTENT_LEN < 16384
    /* Built with a small input buffer (-Dmbedtls.in.content.len): ask the server for records that
     * fit (max_fragment_length, RFC 6066; TLS 1.2). */
    (void) mbedtls_ssl_conf_max_frag_len(&c->conf,
                                         MBEDTLS_SSL_IN_CONTENT_LEN >= 4096   ? MBEDTLS_SSL_MAX_FRAG_LEN_4096
                                         : MBEDTLS_SSL_IN_CONTENT_LEN >= 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048
                                         : MBEDTLS_SSL_IN_CONTENT_LEN >= 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
                                                                              : MBEDTLS_SSL_MAX_FRAG_LEN_512);
#endif
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetRng(JNIEnv *env, jclass cls, jlong handle,
                                                                   jlong drbg_handle)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle));
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetAuthMode(JNIEnv *env, jclass cls, jlong handle,
                                                                        jint mode)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_conf_authmode(&c->conf, authmodes[mode]);
    c->authmode = authmodes[mode];
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetVersion(JNIEnv *env, jclass cls, jlong handle,
                                                                       jint version, jboolean minimum)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) cls;
    if (mj_conf_tls_version(&c->conf, version, minimum) != 0) {
        mj_throw_argument(env, MJ_TLS13_UNAVAILABLE);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetCaChain(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong ca_handle, jlong crl_handle)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_conf_ca_chain(&c->conf, MJ_PTR(mbedtls_x509_crt, ca_handle),
                              crl_handle != 0 ? MJ_PTR(mbedtls_x509_crl, crl_handle) : NULL);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetVerifyProfile(JNIEnv *env, jclass cls, jlong handle,
                                                                             jint kind, jint hashes, jint pk_types,
                                                                             jint curves, jint min_rsa_bits)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    mbedtls_x509_crt_profile profile;
    (void) cls;
    if (mj_profile_fill(env, kind, hashes, pk_types, curves, min_rsa_bits, &profile) != 0) {
        return;
    }
    c->profile = profile; /* the config points at its own copy, freed with it */
    mbedtls_ssl_conf_cert_profile(&c->conf, &c->profile);
}

/*
 * The application's X509VerifyCallback. Not mbedtls_ssl_conf_verify: every context installs the
 * binding's own callback with mbedtls_ssl_set_verify (which takes precedence over the config's),
 * and that one calls this callback for each certificate (mj_ssl_verify in ssl_context.c).
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetVerifyCallback(JNIEnv *env, jclass cls, jlong handle,
                                                                              jobject callback)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    jobject ref = NULL;
    (void) cls;
    if (callback != NULL && (ref = (*env)->NewGlobalRef(env, callback)) == NULL) {
        mj_throw_oom(env, "a global reference to the verify callback");
        return;
    }
    if (c->x509_verify_callback != NULL) {
        (*env)->DeleteGlobalRef(env, c->x509_verify_callback);
    }
    c->x509_verify_callback = ref;
}

/* --- Client certificate ------------------------------------------------------------------------ */

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetOwnCert(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong crt_handle, jlong pk_handle)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    int ret;
    (void) cls;
    ret = mbedtls_ssl_conf_own_cert(&c->conf, MJ_PTR(mbedtls_x509_crt, crt_handle),
                                    MJ_PTR(mbedtls_pk_context, pk_handle));
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_conf_own_cert", NULL);
    }
}

/* --- Cipher suites and ALPN -------------------------------------------------------------------- */

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetCiphersuites(JNIEnv *env, jclass cls, jlong handle,
                                                                            jobjectArray names)
{
    mj_conf *c = MJ_PTR(mj_conf, handle);
    jsize n = (*env)->GetArrayLength(env, names), i;
    int *ids;
    (void) cls;

    ids = calloc((size_t) n + 1, sizeof *ids); /* zero-terminated, as Mbed TLS wants it */
    if (ids == NULL) {
        mj_throw_oom(env, "the cipher suite list");
        return;
    }
    for (i = 0; i < n; i++) {
        /* Java checked every name and passes its own copy of the array: no element is null. */
        jstring jname = (jstring) (*env)->GetObjectArrayElement(env, names, i);
        char *name = mj_utf8(env, jname);
        int id;
        (*env)->DeleteLocalRef(env, jname);
        if (name == NULL) {
            free(ids);
            return;
        }
        id = mbedtls_ssl_get_ciphersuite_id(name);
        if (id == 0) {
            char message[400];
            snprintf(message, sizeof message,
                     "unknown cipher suite '%.200s' (not compiled into this Mbed TLS, or misspelt: "
                     "use Mbed TLS names such as TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256)", name);
            free(name);
            free(ids);
            mj_throw_argument(env, message);
            return;
        }
        free(name);
        ids[i] = id;
    }
    mbedtls_ssl_conf_ciphersuites(&c->conf, ids);
    free(c->ciphersuites); /* a previous list, no longer pointed at */
    c->ciphersuites = ids;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetAlpn(JNIEnv *env, jclass cls, jlong handle,
                                                                    jobjectArray protocols)
{
#if defined(MBEDTLS_SSL_ALPN)
    mj_conf *c = MJ_PTR(mj_conf, handle);
    jsize n = (*env)->GetArrayLength(env, protocols), i;
    char **list, **p;
    int ret;
    (void) cls;

    list = calloc((size_t) n + 1, sizeof *list); /* NULL-terminated */
    if (list == NULL) {
        mj_throw_oom(env, "the ALPN list");
        return;
    }
    for (i = 0; i < n; i++) {
        /* Java checked every name and passes its own copy of the array: no element is null. */
        jstring jname = (jstring) (*env)->GetObjectArrayElement(env, protocols, i);
        list[i] = mj_utf8(env, jname);
        (*env)->DeleteLocalRef(env, jname);
        if (list[i] == NULL) {
            goto fail;
        }
    }
    ret = mbedtls_ssl_conf_alpn_protocols(&c->conf, (const char **) list);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_conf_alpn_protocols", "each name must be 1..255 bytes");
        goto fail;
    }
    if (c->alpn != NULL) { /* a previous list, no longer pointed at */
        for (p = c->alpn; *p != NULL; p++) {
            free(*p);
        }
        free(c->alpn);
    }
    c->alpn = list;
    return;
fail:
    for (p = list; *p != NULL; p++) {
        free(*p);
    }
    free(list);
#else
    (void) cls;
    (void) handle;
    (void) protocols;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_ALPN");
#endif
}

/* --- TLS 1.3 tickets --------------------------------------------------------------------------- */

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetTls13Tickets(JNIEnv *env, jclass cls, jlong handle,
                                                                            jboolean enable)
{
    (void) env;
    (void) cls;
    mj_conf_tls13_signal_tickets(&MJ_PTR(mj_conf, handle)->conf, enable);
}

/* Java's Tls13KeyExchangeMode set as bits by ordinal: PSK, EPHEMERAL, PSK_EPHEMERAL (NativeConstantsTest). */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetTls13KeyExchangeModes(JNIEnv *env, jclass cls,
                                                                                     jlong handle, jint modes)
{
    (void) cls;
    if (mj_conf_tls13_key_exchange_modes(&MJ_PTR(mj_conf, handle)->conf, modes & 1, modes & 2, modes & 4) != 0) {
        mj_throw_state(env, "this Mbed TLS has no TLS 1.3 key exchange modes (3.x with MBEDTLS_SSL_PROTO_TLS1_3)");
    }
}

/* --- Debug output ------------------------------------------------------------------------------ */

/*
 * mbedtls_debug_set_threshold is one process-wide level; each config has its own. The global
 * threshold is the highest level of any live config with debug output (counted per level under
 * this lock), and the callback drops what is above its own config's level.
 */
#define MJ_DEBUG_LEVELS 6 /* Mbed TLS's levels 0..5 */
static pthread_mutex_t debug_lock = PTHREAD_MUTEX_INITIALIZER;
static long debug_configs[MJ_DEBUG_LEVELS];

static void debug_update_threshold(void) /* with debug_lock held */
{
#if defined(MBEDTLS_DEBUG_C)
    int level = 0, i;
    for (i = 1; i < MJ_DEBUG_LEVELS; i++) {
        if (debug_configs[i] > 0) {
            level = i;
        }
    }
    mbedtls_debug_set_threshold(level);
#endif
}

static void debug_release(mj_conf *c)
{
    if (c->debug_level > 0) {
        pthread_mutex_lock(&debug_lock);
        debug_configs[c->debug_level]--;
        debug_update_threshold();
        pthread_mutex_unlock(&debug_lock);
        c->debug_level = 0;
    }
}

#if defined(MBEDTLS_DEBUG_C)
/*
 * Mbed TLS's debug callback: runs on the thread inside mbedtls_ssl_handshake/read/write, which is
 * a Java thread in a JNI call, so the JavaVM gives its JNIEnv. Calls callback.message(level,
 * file, line, text); anything the Java side throws is dropped (Mbed TLS cannot take it back).
 */
static void debug_message(void *ctx, int level, const char *file, int line, const char *text)
{
    mj_conf *c = ctx;
    JNIEnv *env = NULL;
    jstring jfile, jtext;
    jthrowable pending;

    if (level > c->debug_level || c->debug_callback == NULL || mj_vm == NULL ||
        (*mj_vm)->GetEnv(mj_vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
        return;
    }
    pending = (*env)->ExceptionOccurred(env);
    if (pending != NULL) { /* never call Java with an exception pending: keep it for the caller */
        (*env)->DeleteLocalRef(env, pending);
        return;
    }
    if ((*env)->PushLocalFrame(env, 8) != 0) {
        (*env)->ExceptionClear(env);
        return;
    }
    jfile = mj_string(env, file != NULL ? file : "");
    jtext = jfile != NULL ? mj_string(env, text != NULL ? text : "") : NULL;
    if (jtext != NULL) {
        (*env)->CallVoidMethod(env, c->debug_callback, mj_jni.debug_message, (jint) level, jfile, (jint) line, jtext);
    }
    (*env)->ExceptionClear(env);
    (*env)->PopLocalFrame(env, NULL);
}
#endif

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetDebug(JNIEnv *env, jclass cls, jlong handle, jint level,
                                                                     jobject callback)
{
#if defined(MBEDTLS_DEBUG_C)
    mj_conf *c = MJ_PTR(mj_conf, handle);
    jobject ref = NULL;
    (void) cls;
    /* Java checked the level: 0 .. MJ_DEBUG_LEVELS - 1. */
    if (level > 0 && (ref = (*env)->NewGlobalRef(env, callback)) == NULL) {
        return;
    }
    debug_release(c);
    if (c->debug_callback != NULL) {
        (*env)->DeleteGlobalRef(env, c->debug_callback);
    }
    c->debug_callback = ref;
    if (level == 0) {
        mbedtls_ssl_conf_dbg(&c->conf, NULL, NULL);
        return;
    }
    pthread_mutex_lock(&debug_lock);
    c->debug_level = level;
    debug_configs[level]++;
    debug_update_threshold();
    pthread_mutex_unlock(&debug_lock);
    mbedtls_ssl_conf_dbg(&c->conf, debug_message, c);
#else
    (void) cls;
    (void) handle;
    (void) callback;
    if (level != 0) {
        mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_DEBUG_C: no debug output");
    }
#endif
}

/* --- DTLS ---------------------------------------------------------------------------------------- */

#if MJ_HAS_DTLS
#include "mbedtls/ssl_cookie.h"
#endif

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetHandshakeTimeout(JNIEnv *env, jclass cls,
                                                                                jlong handle, jint min_ms, jint max_ms)
{
    (void) env;
    (void) cls;
#if MJ_HAS_DTLS
    /* Java checked 0 < min <= max. */
    mbedtls_ssl_conf_handshake_timeout(&MJ_PTR(mj_conf, handle)->conf, (uint32_t) min_ms, (uint32_t) max_ms);
#else
    (void) handle;
    (void) min_ms;
    (void) max_ms;
#endif
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetAntiReplay(JNIEnv *env, jclass cls, jlong handle,
                                                                          jboolean enable)
{
    (void) cls;
#if MJ_HAS_DTLS && defined(MBEDTLS_SSL_DTLS_ANTI_REPLAY)
    (void) env;
    mbedtls_ssl_conf_dtls_anti_replay(&MJ_PTR(mj_conf, handle)->conf,
                                      enable ? MBEDTLS_SSL_ANTI_REPLAY_ENABLED : MBEDTLS_SSL_ANTI_REPLAY_DISABLED);
#else
    (void) handle;
    if (enable) {
        mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_DTLS_ANTI_REPLAY");
    }
#endif
}

/* mbedtls_ssl_conf_cid: the length of the CIDs this side asks its peers to put in records. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetCid(JNIEnv *env, jclass cls, jlong handle, jint len,
                                                                   jboolean ignore_other)
{
    (void) cls;
#if MJ_HAS_CID
    {
        int ret = mbedtls_ssl_conf_cid(&MJ_PTR(mj_conf, handle)->conf, (size_t) len,
                                       ignore_other ? MBEDTLS_SSL_UNEXPECTED_CID_IGNORE : MBEDTLS_SSL_UNEXPECTED_CID_FAIL);
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_conf_cid", "the length must be 0..MBEDTLS_SSL_CID_IN_LEN_MAX");
        }
    }
#else
    (void) handle;
    (void) len;
    (void) ignore_other;
    mj_throw_state(env, MJ_CID_UNAVAILABLE);
#endif
}

/* The largest CID this build takes (MBEDTLS_SSL_CID_IN_LEN_MAX), or -1 without RFC 9146 CID. */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nMaxCidLength(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
#if MJ_HAS_CID
    return MBEDTLS_SSL_CID_IN_LEN_MAX;
#else
    return -1;
#endif
}

/*
 * mbedtls_ssl_conf_dtls_cookies with Mbed TLS's own cookie functions over cookie, or (cookie 0)
 * with none: no HelloVerifyRequest at all.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetDtlsCookies(JNIEnv *env, jclass cls, jlong handle,
                                                                           jlong cookie)
{
    (void) cls;
#if MJ_HAS_DTLS && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY) && defined(MBEDTLS_SSL_COOKIE_C) && defined(MBEDTLS_SSL_SRV_C)
    (void) env;
    if (cookie != 0) {
        mbedtls_ssl_conf_dtls_cookies(&MJ_PTR(mj_conf, handle)->conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                      MJ_PTR(mbedtls_ssl_cookie_ctx, cookie));
    } else {
        mbedtls_ssl_conf_dtls_cookies(&MJ_PTR(mj_conf, handle)->conf, NULL, NULL, NULL);
    }
#else
    (void) handle;
    (void) cookie;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_DTLS_HELLO_VERIFY, MBEDTLS_SSL_COOKIE_C or MBEDTLS_SSL_SRV_C");
#endif
}

/* mbedtls_ssl_conf_psk: one pre-shared key and the identity this side names it by. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetPsk(JNIEnv *env, jclass cls, jlong handle,
                                                                   jbyteArray key, jbyteArray identity)
{
    (void) cls;
#if defined(MBEDTLS_SSL_HANDSHAKE_WITH_PSK_ENABLED) || defined(MBEDTLS_KEY_EXCHANGE_SOME_PSK_ENABLED) || \
    defined(MBEDTLS_KEY_EXCHANGE_PSK_ENABLED)
    {
        jsize klen = (*env)->GetArrayLength(env, key), ilen = (*env)->GetArrayLength(env, identity);
        unsigned char *k = malloc((size_t) klen + 1), *id = malloc((size_t) ilen + 1);
        int ret;
        if (k == NULL || id == NULL) {
            free(k);
            free(id);
            mj_throw_oom(env, "the pre-shared key");
            return;
        }
        (*env)->GetByteArrayRegion(env, key, 0, klen, (jbyte *) k);
        (*env)->GetByteArrayRegion(env, identity, 0, ilen, (jbyte *) id);
        /* Mbed TLS copies both. */
        ret = mbedtls_ssl_conf_psk(&MJ_PTR(mj_conf, handle)->conf, k, (size_t) klen, id, (size_t) ilen);
        mbedtls_platform_zeroize(k, (size_t) klen);
        free(k);
        free(id);
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_conf_psk", NULL);
        }
    }
#else
    (void) handle;
    (void) key;
    (void) identity;
    mj_throw_state(env, "this Mbed TLS is built without a PSK key exchange");
#endif
}

/* --- The server's PSK lookup (mbedtls_ssl_conf_psk_cb) ---------------------------------------- */

#if defined(MBEDTLS_SSL_SRV_C) && (defined(MBEDTLS_SSL_HANDSHAKE_WITH_PSK_ENABLED) || \
                                   defined(MBEDTLS_KEY_EXCHANGE_SOME_PSK_ENABLED))
/*
 * Asks the Java PskLookup for the key of identity, during a handshake (a Java thread in a JNI
 * call, holding the context's lock). No key (null, empty, or an exception, which is cleared) is
 * -1: Mbed TLS refuses the identity (MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY in TLS 1.2; in TLS 1.3 the
 * PSK does not match). The key is copied, given to mbedtls_ssl_set_hs_psk (which keeps its own
 * copy), and both the copy and the Java array are wiped.
 */
static int psk_lookup(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *id, size_t id_len)
{
    mj_conf *c = ctx;
    JNIEnv *env = NULL;
    jbyteArray jid, jkey;
    int ret = -1;

    if (mj_vm == NULL || (*mj_vm)->GetEnv(mj_vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK ||
        (*env)->ExceptionCheck(env) || id_len > INT_MAX || (*env)->PushLocalFrame(env, 4) != 0) {
        return -1;
    }
    jid = (*env)->NewByteArray(env, (jsize) id_len);
    if (jid != NULL) {
        (*env)->SetByteArrayRegion(env, jid, 0, (jsize) id_len, (const jbyte *) id);
        jkey = (*env)->CallObjectMethod(env, c->psk_lookup, c->psk_key_for, jid);
        if (!(*env)->ExceptionCheck(env) && jkey != NULL) {
            jsize len = (*env)->GetArrayLength(env, jkey);
            unsigned char *key = len > 0 ? calloc(1, (size_t) len) : NULL;
            if (key != NULL) {
                jbyte *zero = calloc(1, (size_t) len);
                (*env)->GetByteArrayRegion(env, jkey, 0, len, (jbyte *) key);
                ret = mbedtls_ssl_set_hs_psk(ssl, key, (size_t) len) == 0 ? 0 : -1;
                if (ret == 0) { /* every context of the binding is an mj_ssl, its ssl first */
                    ((mj_ssl *) (void *) ssl)->external_psk = 1;
                }
                mbedtls_platform_zeroize(key, (size_t) len);
                free(key);
                if (zero != NULL) {
                    (*env)->SetByteArrayRegion(env, jkey, 0, len, zero);
                    free(zero);
                }
            }
        }
    }
    (*env)->ExceptionClear(env);
    (*env)->PopLocalFrame(env, NULL);
    return ret;
}
#endif

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetPskLookup(JNIEnv *env, jclass cls, jlong handle,
                                                                         jobject lookup)
{
    (void) cls;
#if defined(MBEDTLS_SSL_SRV_C) && (defined(MBEDTLS_SSL_HANDSHAKE_WITH_PSK_ENABLED) || \
                                   defined(MBEDTLS_KEY_EXCHANGE_SOME_PSK_ENABLED))
    {
        mj_conf *c = MJ_PTR(mj_conf, handle);
        jclass type = (*env)->FindClass(env, "io/github/mbedtlsjni/mbedtls/PskLookup");
        jmethodID key_for;
        jobject ref;
        if (type == NULL) {
            return;
        }
        key_for = (*env)->GetMethodID(env, type, "keyFor", "([B)[B");
        (*env)->DeleteLocalRef(env, type);
        if (key_for == NULL || (ref = (*env)->NewGlobalRef(env, lookup)) == NULL) {
            return;
        }
        if (c->psk_lookup != NULL) {
            (*env)->DeleteGlobalRef(env, c->psk_lookup);
        }
        c->psk_lookup = ref;
        c->psk_key_for = key_for;
        mbedtls_ssl_conf_psk_cb(&c->conf, psk_lookup, c);
    }
#else
    (void) handle;
    (void) lookup;
    mj_throw_state(env, "this Mbed TLS is built without the server side or a PSK key exchange");
#endif
}

/* --- Certificates by server name (mbedtls_ssl_conf_sni) --------------------------------------- */

#if defined(MBEDTLS_SSL_SRV_C) && defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
/*
 * The SNI callback: the pair registered for the name the client sent (ASCII case ignored, as DNS
 * names compare), given to this handshake with mbedtls_ssl_set_hs_own_cert; a name without one
 * keeps the config's own pairs. The table is read only: the config is frozen before handshakes.
 */
static int sni_lookup(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    mj_conf *c = ctx;
    for (size_t i = 0; i < c->sni_count; i++) {
        if (strlen(c->sni[i].name) == len && strncasecmp(c->sni[i].name, (const char *) name, len) == 0) {
            return mbedtls_ssl_set_hs_own_cert(ssl, c->sni[i].chain, c->sni[i].key);
        }
    }
    return 0;
}
#endif

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nAddSniIdentity(JNIEnv *env, jclass cls, jlong handle,
                                                                           jstring jname, jlong crt, jlong pk)
{
    (void) cls;
#if defined(MBEDTLS_SSL_SRV_C) && defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
    {
        mj_conf *c = MJ_PTR(mj_conf, handle);
        struct mj_sni_entry *grown;
        char *name = mj_utf8(env, jname);
        if (name == NULL) {
            return;
        }
        grown = realloc(c->sni, (c->sni_count + 1) * sizeof *grown);
        if (grown == NULL) {
            free(name);
            mj_throw_oom(env, "the SNI table");
            return;
        }
        c->sni = grown;
        c->sni[c->sni_count].name = name;
        c->sni[c->sni_count].chain = MJ_PTR(mbedtls_x509_crt, crt);
        c->sni[c->sni_count].key = MJ_PTR(mbedtls_pk_context, pk);
        c->sni_count++;
        mbedtls_ssl_conf_sni(&c->conf, sni_lookup, c);
    }
#else
    (void) handle;
    (void) jname;
    (void) crt;
    (void) pk;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_SERVER_NAME_INDICATION or MBEDTLS_SSL_SRV_C");
#endif
}
