/* JNI glue of io.github.mbedtlsjni.mbedtls.SslContext: mbedtls_ssl_context, the TLS connection. */
#include "buffer_window.h"
#include "ssl_io.h"
#include "io_github_mbedtlsjni_mbedtls_SslContext.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Largest plaintext copied per Mbed TLS call from/to a Java byte[]: one TLS record. */
#define MJ_IO_CHUNK 16384

static int mj_ssl_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nInit(JNIEnv *env, jclass cls)
{
    mj_ssl *s = mj_alloc(env, MJ_KIND_SSL_CONTEXT, sizeof *s);
    (void) cls;
    if (s == NULL) {
        return 0;
    }
    if (mj_io_init(s) != 0) { /* mbedtls_ssl_init, and the context's lock */
        mj_release(MJ_KIND_SSL_CONTEXT, s);
        mj_throw_oom(env, "the lock of an mbedtls_ssl_context");
        return 0;
    }
    return MJ_HANDLE(s);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) cls;
    mj_io_free(s); /* mbedtls_ssl_free; no call is in flight when the handle frees */
    if (s->verify_callback != NULL) {
        (*env)->DeleteGlobalRef(env, s->verify_callback);
    }
    if (s->refused_chain != NULL) {
        (*env)->DeleteGlobalRef(env, s->refused_chain);
    }
    if (s->callback_error != NULL) {
        (*env)->DeleteGlobalRef(env, s->callback_error);
    }
    free(s->verify_name);
    mj_release(MJ_KIND_SSL_CONTEXT, s);
}

/*
 * Configuration steps (setup, hostname, bio, session, verify name) run before the handshake, and
 * the Java side lets them run only then and one at a time, so no other call can be inside Mbed
 * TLS: they take no lock. Everything from the handshake on does.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSetup(JNIEnv *env, jclass cls, jlong handle,
                                                                   jlong conf_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    mj_conf *c = MJ_PTR(mj_conf, conf_handle);
    int ret;
    (void) cls;
    ret = mbedtls_ssl_setup(&s->ssl, &c->conf);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_setup", NULL);
        return;
    }
    s->conf = c;
    mbedtls_ssl_set_verify(&s->ssl, mj_ssl_verify, s);
}

/*
 * The chain as the peer sent it, leaf first, as a Java byte[][] (NULL with an exception pending).
 * At depth 0 of the verify callback, crt is the first certificate of that list.
 */
static jobjectArray chain_ders(JNIEnv *env, const mbedtls_x509_crt *crt)
{
    const mbedtls_x509_crt *c;
    jobjectArray result;
    jsize n = 0, i = 0;
    for (c = crt; c != NULL && c->raw.len != 0; c = c->next) {
        n++;
    }
    result = (*env)->NewObjectArray(env, n, mj_jni.byte_array, NULL);
    for (c = crt; result != NULL && c != NULL && c->raw.len != 0; c = c->next, i++) {
        jbyteArray der = (*env)->NewByteArray(env, (jsize) c->raw.len);
        if (der == NULL) {
            return NULL;
        }
        (*env)->SetByteArrayRegion(env, der, 0, (jsize) c->raw.len, (const jbyte *) c->raw.p);
        (*env)->SetObjectArrayElement(env, result, i, der);
        (*env)->DeleteLocalRef(env, der);
    }
    return result;
}

/*
 * Asks the Java VerifyCallback about the chain Mbed TLS has checked (total: the flags of all its
 * certificates). It may only add flags; anything it throws refuses the chain
 * (MBEDTLS_X509_BADCERT_OTHER). Runs on the thread inside the handshake, a Java thread in a JNI
 * call, holding the context's (recursive) lock.
 */
static uint32_t ask_java(mj_ssl *s, const mbedtls_x509_crt *crt, uint32_t total)
{
    JNIEnv *env = NULL;
    jobjectArray chain;
    jint answer;
    uint32_t added = MBEDTLS_X509_BADCERT_OTHER;

    if (mj_vm == NULL || (*mj_vm)->GetEnv(mj_vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK ||
        (*env)->ExceptionCheck(env) || (*env)->PushLocalFrame(env, 8) != 0) {
        return added;
    }
    chain = chain_ders(env, crt);
    if (chain != NULL) {
        answer = (*env)->CallIntMethod(env, s->verify_callback, mj_jni.verify_callback, chain, (jint) total);
        if (!(*env)->ExceptionCheck(env)) {
            added = (uint32_t) answer & ~total;
        }
    }
    (*env)->ExceptionClear(env);
    (*env)->PopLocalFrame(env, NULL);
    return added;
}

/*
 * Keeps the chain of a verification that flagged something (crt: the leaf, at depth 0), for the
 * exception that reports it: in required mode Mbed TLS frees a chain it refused (TLS 1.2), and
 * mbedtls_ssl_get_peer_cert has nothing after a failed handshake. Only on this path, so a
 * verified handshake copies nothing. Best effort: without memory the exception has no chain.
 */
static void keep_refused_chain(mj_ssl *s, const mbedtls_x509_crt *crt)
{
    JNIEnv *env = NULL;
    jobjectArray chain;
    if (mj_vm == NULL || (*mj_vm)->GetEnv(mj_vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK ||
        (*env)->ExceptionCheck(env) || (*env)->PushLocalFrame(env, 8) != 0) {
        return;
    }
    chain = chain_ders(env, crt);
    if (chain != NULL) {
        if (s->refused_chain != NULL) {
            (*env)->DeleteGlobalRef(env, s->refused_chain);
        }
        s->refused_chain = (*env)->NewGlobalRef(env, chain);
    }
    (*env)->ExceptionClear(env);
    (*env)->PopLocalFrame(env, NULL);
}

/*
 * Asks the config's X509VerifyCallback about crt at depth; its answer replaces *flags. If it
 * throws, the exception is kept for mj_ssl_throw_handshake (as the cause of the handshake's
 * exception) and MBEDTLS_ERR_X509_FATAL_ERROR is returned: Mbed TLS stops the verification and
 * fails the handshake with that code. Never calls Java with an exception pending.
 */
static int ask_application(mj_ssl *s, const mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    JNIEnv *env = NULL;
    jbyteArray der;
    jint answer = 0;
    jthrowable thrown;

    if (mj_vm == NULL || (*mj_vm)->GetEnv(mj_vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK ||
        (*env)->ExceptionCheck(env) || (*env)->PushLocalFrame(env, 8) != 0) {
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    der = (*env)->NewByteArray(env, (jsize) crt->raw.len);
    if (der != NULL) {
        (*env)->SetByteArrayRegion(env, der, 0, (jsize) crt->raw.len, (const jbyte *) crt->raw.p);
        answer = (*env)->CallIntMethod(env, s->conf->x509_verify_callback, mj_jni.x509_verify_callback, der,
                                       (jint) depth, (jint) *flags);
    }
    thrown = (*env)->ExceptionOccurred(env);
    if (thrown == NULL) {
        *flags = (uint32_t) answer;
        (*env)->PopLocalFrame(env, NULL);
        return 0;
    }
    (*env)->ExceptionClear(env);
    if (s->callback_error != NULL) {
        (*env)->DeleteGlobalRef(env, s->callback_error);
    }
    s->callback_error = (*env)->NewGlobalRef(env, thrown); /* NULL without memory: no cause, same code */
    (*env)->PopLocalFrame(env, NULL);
    return MBEDTLS_ERR_X509_FATAL_ERROR;
}

/*
 * The verify callback of every context (mbedtls_ssl_set_verify). Mbed TLS calls it for each
 * certificate of the server's chain, root first, the leaf (depth 0) last, with that certificate's
 * flags, after its own checks; it is not called when no certificate is verified, as in a resumed
 * handshake. At the leaf it records that a full handshake verified the server; when a verify
 * name is set (SNI and verified name differ), replaces Mbed TLS's name check against the hostname
 * (the SNI) by the same check against the verify name: mbedtls_x509_crt_verify with that name
 * computes MBEDTLS_X509_BADCERT_CN_MISMATCH exactly as for the hostname (SAN DNS and IP entries,
 * wildcards, CN without SAN); only that bit of its result is used. With skip_name_check the bit
 * is dropped instead. The config's X509VerifyCallback (if any) sees every certificate with its
 * depth and flags, the leaf's after the name rules above, and may change them (ask_application).
 * Then, if the chain is accepted so far, the internal VerifyCallback may refuse it; if it is not,
 * the chain is kept for the exception (keep_refused_chain).
 */
static int mj_ssl_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    mj_ssl *s = ctx;
    uint32_t name_flags = 0;
    int ret;

    if (depth != 0) {
        if (s->conf->x509_verify_callback != NULL && (ret = ask_application(s, crt, depth, flags)) != 0) {
            s->chain_flags = 0;
            return ret;
        }
        s->chain_flags |= *flags;
        return 0;
    }
    s->leaf_verified = 1;
    if (s->skip_name_check) {
        *flags &= ~(uint32_t) MBEDTLS_X509_BADCERT_CN_MISMATCH;
    } else if (s->verify_name != NULL) {
        ret = mbedtls_x509_crt_verify(crt, NULL, NULL, s->verify_name, &name_flags, NULL, NULL);
        if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            s->chain_flags = 0;
            return ret; /* fatal: the handshake fails with this error */
        }
        *flags = (*flags & ~(uint32_t) MBEDTLS_X509_BADCERT_CN_MISMATCH) |
                 (name_flags & (uint32_t) MBEDTLS_X509_BADCERT_CN_MISMATCH);
    }
    if (s->conf->x509_verify_callback != NULL && (ret = ask_application(s, crt, depth, flags)) != 0) {
        s->chain_flags = 0;
        return ret;
    }
    if (s->verify_callback != NULL && (s->chain_flags | *flags) == 0) {
        *flags |= ask_java(s, crt, s->chain_flags | *flags);
    }
    if ((s->chain_flags | *flags) != 0) {
        keep_refused_chain(s, crt);
    }
    s->chain_flags = 0;
    return 0;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSkipNameCheck(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    MJ_PTR(mj_ssl, handle)->skip_name_check = 1;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSetVerifyCallback(JNIEnv *env, jclass cls, jlong handle,
                                                                               jobject callback)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    jobject ref = NULL;
    (void) cls;
    if (callback != NULL && (ref = (*env)->NewGlobalRef(env, callback)) == NULL) {
        return;
    }
    if (s->verify_callback != NULL) {
        (*env)->DeleteGlobalRef(env, s->verify_callback);
    }
    s->verify_callback = ref;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSetVerifyName(JNIEnv *env, jclass cls, jlong handle,
                                                                           jstring jname)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    char *name = NULL;
    (void) cls;
    if (jname != NULL && (name = mj_utf8(env, jname)) == NULL) {
        return;
    }
    free(s->verify_name);
    s->verify_name = name;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSetSession(JNIEnv *env, jclass cls, jlong handle,
                                                                        jlong session_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;
    ret = mbedtls_ssl_set_session(&s->ssl, MJ_PTR(mbedtls_ssl_session, session_handle));
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_set_session", NULL);
        return;
    }
    s->session_offered = 1;
}

/* mbedtls_ssl_get_session: true if filled, false if there is nothing new to export. */
JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nGetSession(JNIEnv *env, jclass cls, jlong handle,
                                                                            jlong session_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    mbedtls_ssl_session *session = MJ_PTR(mbedtls_ssl_session, session_handle);
    int ret;
    (void) cls;
    mj_ssl_lock(s);
    ret = mbedtls_ssl_get_session(&s->ssl, session);
    mj_ssl_unlock(s);
    if (ret == 0) {
        return JNI_TRUE;
    }
    /* A failed copy may leave parts behind: keep the session empty. */
    mbedtls_ssl_session_free(session);
    mbedtls_ssl_session_init(session);
    if (ret == MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE) { /* 3.x: already exported */
        return JNI_FALSE;
    }
    mj_throw_mbedtls(env, ret, "mbedtls_ssl_get_session", NULL);
    return JNI_FALSE;
}

JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nResumed(JNIEnv *env, jclass cls, jlong handle,
                                                                        jboolean server)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int resumed;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    resumed = server ? mj_io_server_resumed(s)
                     : s->session_offered && !s->leaf_verified && s->conf->authmode != MBEDTLS_SSL_VERIFY_NONE;
    mj_ssl_unlock(s);
    return resumed;
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nAlpnProtocol(JNIEnv *env, jclass cls, jlong handle)
{
#if defined(MBEDTLS_SSL_ALPN)
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    const char *name;
    jstring result;
    (void) cls;
    mj_ssl_lock(s);
    name = mbedtls_ssl_get_alpn_protocol(&s->ssl);
    result = name != NULL ? mj_string(env, name) : NULL;
    mj_ssl_unlock(s);
    return result;
#else
    (void) env;
    (void) cls;
    (void) handle;
    return NULL;
#endif
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSetHostname(JNIEnv *env, jclass cls, jlong handle,
                                                                         jstring jhostname)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    char *hostname = NULL;
    int ret;
    (void) cls;
    if (jhostname != NULL && (hostname = mj_utf8(env, jhostname)) == NULL) {
        return;
    }
    ret = mbedtls_ssl_set_hostname(&s->ssl, hostname);
    free(hostname);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_set_hostname", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSetBio(JNIEnv *env, jclass cls, jlong handle,
                                                                    jlong net_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    mj_net *n = MJ_PTR(mj_net, net_handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_set_bio(&s->ssl, n, mj_net_send, mj_net_recv, NULL);
    s->net = n;
}

/*
 * mbedtls_ssl_session_reset of a socket context, which the Java side runs only with no other call
 * in flight. The socket goes with the old connection (the Java side lets go of it), so nothing
 * may point at it until the next setBio; what the binding knew of the connection goes too.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSessionReset(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    jobject refused;
    int ret;
    (void) cls;
    mj_ssl_lock(s);
    ret = mj_io_session_reset(s);
    mbedtls_ssl_set_bio(&s->ssl, NULL, NULL, NULL, NULL);
    s->net = NULL;
    refused = s->refused_chain;
    s->refused_chain = NULL;
    mj_ssl_unlock(s);
    if (refused != NULL) {
        (*env)->DeleteGlobalRef(env, refused);
    }
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_session_reset", NULL);
    }
}

/* --- Calls that do I/O: the I/O core (ssl_io.c) with the socket as its bio -------------------- */

/*
 * The socket bio (mbedtls_ssl_set_bio with mj_net_send/mj_net_recv, which never block): where
 * Mbed TLS cannot go on, the core releases the context's lock and this waits for the socket with
 * poll(), within the NetContext's timeouts. 0 when ready, else MBEDTLS_ERR_SSL_TIMEOUT or
 * MBEDTLS_ERR_NET_POLL_FAILED.
 */
static int socket_wait(mj_ssl *s, void *call, int want)
{
    (void) call;
    return mj_net_wait(s->net, want == MBEDTLS_ERR_SSL_WANT_WRITE ? MJ_WAIT_SEND : MJ_WAIT_RECV);
}

static const struct mj_bio socket_bio = { socket_wait, NULL, 1 };

/* The socket bio for a call that must not wait (close_notify while closing): gives up instead. */
static int socket_give_up(mj_ssl *s, void *call, int want)
{
    (void) s;
    (void) call;
    return want;
}

static const struct mj_bio socket_bio_no_wait = { socket_give_up, NULL, 0 };

/*
 * Makes what the X509VerifyCallback threw the cause of the pending exception (which keeps Mbed
 * TLS's error code). Best effort: if initCause fails, the exception stays without it.
 */
static void attach_callback_error(JNIEnv *env, mj_ssl *s)
{
    jthrowable pending;
    jobject cause;
    jclass throwable;
    jmethodID init_cause;

    mj_ssl_lock(s);
    cause = s->callback_error;
    s->callback_error = NULL;
    mj_ssl_unlock(s);
    if (cause == NULL) {
        return;
    }
    pending = (*env)->ExceptionOccurred(env);
    if (pending != NULL) {
        (*env)->ExceptionClear(env);
        throwable = (*env)->FindClass(env, "java/lang/Throwable");
        init_cause = throwable != NULL ? (*env)->GetMethodID(env, throwable, "initCause",
                                                             "(Ljava/lang/Throwable;)Ljava/lang/Throwable;")
                                       : NULL;
        if (init_cause != NULL) {
            (void) (*env)->CallObjectMethod(env, pending, init_cause, cause);
        }
        (*env)->ExceptionClear(env);
        (*env)->Throw(env, pending);
        (*env)->DeleteLocalRef(env, pending);
        if (throwable != NULL) {
            (*env)->DeleteLocalRef(env, throwable);
        }
    }
    (*env)->DeleteGlobalRef(env, cause);
}

void mj_ssl_throw_handshake(JNIEnv *env, mj_ssl *s, int ret)
{
    uint32_t flags;
    mj_ssl_lock(s);
    flags = mbedtls_ssl_get_verify_result(&s->ssl);
    mj_ssl_unlock(s);
    if (ret == MBEDTLS_ERR_X509_FATAL_ERROR) {
        /* Mbed TLS also returns this code for its own fatal verification errors (e.g. a chain
         * too long): the detail names the callback only when it threw. */
        int thrown;
        mj_ssl_lock(s);
        thrown = s->callback_error != NULL;
        mj_ssl_unlock(s);
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_handshake", thrown ? "the X509VerifyCallback threw" : NULL);
        attach_callback_error(env, s);
        return;
    }
    /* SKIP_VERIFY alone: nothing was verified (VERIFY_NONE, a server not asking for a certificate),
     * so the failure is not a verification's. */
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
        (flags != 0 && flags != MJ_VERIFY_RESULT_NONE && flags != MBEDTLS_X509_BADCERT_SKIP_VERIFY)) {
        jobject chain;
        mj_ssl_lock(s);
        chain = s->refused_chain;
        s->refused_chain = NULL;
        mj_ssl_unlock(s);
        mj_throw_verify(env, ret, "mbedtls_ssl_handshake", flags, (jobjectArray) chain);
        if (chain != NULL) {
            (*env)->DeleteGlobalRef(env, chain);
        }
    } else {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_handshake", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nHandshake(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;

    /*
     * TCP_NODELAY: Mbed TLS hands each handshake message and each record to send() on its own, so
     * with Nagle's algorithm a flight of several (TLS 1.2's ClientKeyExchange + ChangeCipherSpec +
     * Finished, TLS 1.3's Finished + the first data) waits for the server's delayed ACK, so every
     * handshake pays a delayed-ACK timeout on top of its round trips. Records are complete writes
     * already, so there is nothing for Nagle to coalesce. Fails harmlessly on a non-TCP fd.
     */
    if (s->net->net.fd >= 0) {
        int one = 1;
        (void) setsockopt(s->net->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ret = mj_io_handshake(s, &socket_bio, NULL); /* mbedtls_ssl_handshake */
    if (ret != 0) {
        mj_ssl_throw_handshake(env, s, ret);
    }
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nVerifyFlags(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    uint32_t flags;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    flags = mbedtls_ssl_get_verify_result(&s->ssl);
    mj_ssl_unlock(s);
    return (jint) flags;
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nVerifyInfo(JNIEnv *env, jclass cls, jint flags)
{
    (void) cls;
    return mj_verify_info(env, (uint32_t) flags);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nProtocol(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    jstring result;
    (void) cls;
    mj_ssl_lock(s);
    result = mj_string(env, mbedtls_ssl_get_version(&s->ssl));
    mj_ssl_unlock(s);
    return result;
}

/*
 * The cipher suite: mbedtls_ssl_get_ciphersuite once the handshake is over. During it (a verify
 * callback, a JSSE handshake session) Mbed TLS has none to report, but the server has chosen one
 * as soon as its hello is read, i.e. once the state machine is past MBEDTLS_SSL_SERVER_HELLO: the
 * suite of the session being negotiated. (Before that, a session offered for resumption has put
 * its own suite there, which the server may not take.)
 */
JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nCiphersuite(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    const char *name;
    jstring result;
    (void) cls;
    mj_ssl_lock(s);
    name = mbedtls_ssl_get_ciphersuite(&s->ssl);
    if (name == NULL && mj_io_negotiating_ciphersuite(s) != 0) {
        name = mbedtls_ssl_get_ciphersuite_name(mj_io_negotiating_ciphersuite(s));
    }
    result = name != NULL ? mj_string(env, name) : NULL;
    mj_ssl_unlock(s);
    return result;
}

/* The DER of each certificate of the peer's chain (with the lock held), or NULL if there is none. */
static jobjectArray peer_certificates(JNIEnv *env, mj_ssl *s)
{
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&s->ssl);
    return peer == NULL || peer->raw.len == 0 ? NULL : chain_ders(env, peer);
}

JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nPeerCertificates(JNIEnv *env, jclass cls,
                                                                                      jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    jobjectArray result;
    (void) cls;
    mj_ssl_lock(s);
    result = peer_certificates(env, s);
    mj_ssl_unlock(s);
    return result;
}

/*
 * mbedtls_ssl_read into buf[0 .. len), waiting for the socket as often as needed: the byte count,
 * or -1 at the end (close_notify or EOF, recorded in s->inbound), or -2 with an exception pending.
 */
static int read_some(JNIEnv *env, mj_ssl *s, unsigned char *buf, size_t len)
{
    int ret = mj_io_read(s, &socket_bio, NULL, buf, len, NULL);
    if (ret >= 0) {
        return ret;
    }
    if (ret == MJ_IO_END) {
        return -1;
    }
    mj_throw_mbedtls(env, ret, "mbedtls_ssl_read", NULL);
    return -2;
}

/*
 * The one read of the socket bio: into dst[off .. off+len) (a byte[], copied once from a record's
 * worth on the stack, or a direct ByteBuffer, written in place) the byte count, or -1 at the end.
 * With dst NULL, one byte, returned as 0..255 (InputStream.read() without a shared buffer).
 */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nRead(JNIEnv *env, jclass cls, jlong handle,
                                                                  jobject dst, jint off, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window w;
    unsigned char chunk[MJ_IO_CHUNK];
    int n;
    (void) cls;
    if (dst == NULL) {
        n = read_some(env, s, chunk, 1);
        return n > 0 ? (jint) chunk[0] : -1;
    }
    if (mj_window_open(env, dst, off, len, MJ_WINDOW_OUTPUT, &w) != 0) {
        return -1;
    }
    if (w.address != NULL) {
        n = read_some(env, s, w.address, w.length);
    } else {
        n = read_some(env, s, chunk, w.length < sizeof chunk ? w.length : sizeof chunk);
        if (n > 0) {
            mj_window_put(env, &w, 0, chunk, (size_t) n);
        }
    }
    return n < -1 ? -1 : n;
}

/* mj_io_write over all of buf[0 .. len): the number of bytes written before a failure is lost with it. */
static int write_all(mj_ssl *s, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        int n = mj_io_write(s, &socket_bio, NULL, buf, len);
        if (n < 0) {
            return n;
        }
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

/*
 * The one write of the socket bio: mbedtls_ssl_write of src[off .. off+len) (a byte[], copied a
 * record's worth at a time to the stack, which Mbed TLS encrypts from, or a direct ByteBuffer,
 * read in place), waiting for the socket as often as needed. fully: all of it, record after
 * record, in this one call (returns len); else one record (returns its byte count). With src
 * NULL, the one byte off (OutputStream.write(int) without a shared buffer).
 */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nWrite(JNIEnv *env, jclass cls, jlong handle,
                                                                   jobject src, jint off, jint len, jboolean fully)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window w;
    unsigned char chunk[MJ_IO_CHUNK];
    size_t done = 0;
    int ret;
    (void) cls;
    if (src == NULL) {
        chunk[0] = (unsigned char) off;
        ret = write_all(s, chunk, 1);
        if (ret < 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
            return 0;
        }
        return 1;
    }
    if (mj_window_open(env, src, off, len, MJ_WINDOW_INPUT, &w) != 0) {
        return 0;
    }
    while (done < w.length) {
        const unsigned char *data;
        size_t n = w.length - done;
        if (w.address != NULL) {
            data = w.address + done;
        } else {
            n = n < sizeof chunk ? n : sizeof chunk;
            mj_window_get(env, &w, done, chunk, n);
            data = chunk;
        }
        ret = fully ? write_all(s, data, n) : mj_io_write(s, &socket_bio, NULL, data, n);
        if (ret < 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
            return 0;
        }
        if (!fully) {
            return ret;
        }
        done += n;
    }
    return (jint) done;
}

/*
 * mbedtls_ssl_close_notify, after any record still pending from another call. With wait false,
 * gives up instead of waiting when the socket takes nothing now (returns false); true once the
 * alert is sent.
 */
JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nCloseNotify(JNIEnv *env, jclass cls, jlong handle,
                                                                             jboolean wait)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;
    ret = mj_io_close_notify(s, wait ? &socket_bio : &socket_bio_no_wait, NULL);
    if (ret == 0) {
        return JNI_TRUE;
    }
    if (!wait && (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MJ_IO_ALERT_NOT_MADE)) {
        return JNI_FALSE;
    }
    mj_throw_mbedtls(env, ret, "mbedtls_ssl_close_notify", NULL);
    return JNI_FALSE;
}

/* The session id of the current session (TLS 1.2: the server's; may be empty), or NULL before a handshake. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSessionId(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    const unsigned char *session_id;
    size_t len;
    jbyteArray id = NULL;
    (void) cls;
    mj_ssl_lock(s);
    session_id = mj_io_session_id(s, &len);
    if (session_id != NULL) {
        id = (*env)->NewByteArray(env, (jsize) len);
        if (id != NULL) {
            (*env)->SetByteArrayRegion(env, id, 0, (jsize) len, (const jbyte *) session_id);
        }
    }
    mj_ssl_unlock(s);
    return id;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nInbound(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int inbound;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    inbound = s->inbound;
    mj_ssl_unlock(s);
    return inbound;
}
