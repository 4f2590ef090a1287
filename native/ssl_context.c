/* JNI glue of io.github.mbedtlsjni.mbedtls.SslContext: mbedtls_ssl_context, the TLS connection. */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_SslContext.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Largest plaintext copied per Mbed TLS call from/to a Java byte[]: one TLS record. */
#define MJ_IO_CHUNK 16384

static int mj_ssl_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

/*
 * The context's lock (see mj_ssl in jni_util.h). Recursive, so that code called back from
 * inside an Mbed TLS call (a verify callback in Java) may read the context's state through the
 * same getters; a mutex initialised in nInit cannot fail to lock or unlock here.
 */
void mj_ssl_lock(mj_ssl *s)
{
    (void) pthread_mutex_lock(&s->lock);
}

void mj_ssl_unlock(mj_ssl *s)
{
    (void) pthread_mutex_unlock(&s->lock);
}

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nInit(JNIEnv *env, jclass cls)
{
    mj_ssl *s = mj_alloc(env, MJ_KIND_SSL_CONTEXT, sizeof *s);
    int ret;
    (void) cls;
    if (s == NULL) {
        return 0;
    }
#if defined(PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP)
    {
        /* glibc's static initializer: the pthread_mutexattr_* calls would need GLIBC_2.34 symbols
         * (glibc_compat.c), while this needs none. */
        static const pthread_mutex_t recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
        s->lock = recursive;
        ret = 0;
    }
#else
    {
        pthread_mutexattr_t attr;
        ret = pthread_mutexattr_init(&attr);
        if (ret == 0) {
            ret = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
            if (ret == 0) {
                ret = pthread_mutex_init(&s->lock, &attr);
            }
            (void) pthread_mutexattr_destroy(&attr);
        }
    }
#endif
    if (ret != 0) {
        mj_release(MJ_KIND_SSL_CONTEXT, s);
        mj_throw_oom(env, "the lock of an mbedtls_ssl_context");
        return 0;
    }
    mbedtls_ssl_init(&s->ssl);
    return MJ_HANDLE(s);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) cls;
    mbedtls_ssl_free(&s->ssl);
    (void) pthread_mutex_destroy(&s->lock); /* unlocked: no call is in flight when the handle frees */
    if (s->verify_callback != NULL) {
        (*env)->DeleteGlobalRef(env, s->verify_callback);
    }
    if (s->refused_chain != NULL) {
        (*env)->DeleteGlobalRef(env, s->refused_chain);
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
 * The verify callback of every context (mbedtls_ssl_set_verify). Mbed TLS calls it for each
 * certificate of the server's chain, root first, the leaf (depth 0) last, with that certificate's
 * flags, after its own checks; it is not called when no certificate is verified, as in a resumed
 * handshake. At the leaf it records that a full handshake verified the server; when a verify
 * name is set (SNI and verified name differ), replaces Mbed TLS's name check against the hostname
 * (the SNI) by the same check against the verify name: mbedtls_x509_crt_verify with that name
 * computes MBEDTLS_X509_BADCERT_CN_MISMATCH exactly as for the hostname (SAN DNS and IP entries,
 * wildcards, CN without SAN); only that bit of its result is used. With skip_name_check the bit
 * is dropped instead. Then, if the chain is accepted so far, a Java VerifyCallback may refuse it;
 * if it is not, the chain is kept for the exception (keep_refused_chain).
 */
static int mj_ssl_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    mj_ssl *s = ctx;
    uint32_t name_flags = 0;
    int ret;

    if (depth != 0) {
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

JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nResumed(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int resumed;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    resumed = s->session_offered && !s->leaf_verified && s->conf->authmode != MBEDTLS_SSL_VERIFY_NONE;
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

/* --- Calls that do I/O: the lock around each Mbed TLS call, the wait for the socket outside it -- */

/*
 * After an Mbed TLS call returned ret (with the lock held): 1 if the caller should wait for the
 * socket before calling again, 0 if it should call again at once. WANT_READ does not always mean
 * "no data": a TLS 1.3 NewSessionTicket is kept back and processed by the next call
 * (mbedtls_ssl_check_pending says so), and waiting for the socket then could wait for ever.
 */
int mj_ssl_input_pending(mj_ssl *s, int ret)
{
    return ret == MBEDTLS_ERR_SSL_WANT_READ && mbedtls_ssl_check_pending(&s->ssl);
}

static int must_wait(mj_ssl *s, int ret)
{
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
        return !mj_ssl_input_pending(s, ret);
    }
    return ret == MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Waits as an Mbed TLS call that returned ret asks (must_wait said so): 0, or a negative error. */
static int await_socket(mj_ssl *s, int ret)
{
    return mj_net_wait(s->net, ret == MBEDTLS_ERR_SSL_WANT_WRITE ? MJ_WAIT_SEND : MJ_WAIT_RECV);
}

/*
 * Mbed TLS's output buffer holds at most one record that send() has not taken yet (out_left
 * bytes). Whoever calls Mbed TLS next finishes sending it: mbedtls_ssl_write retried by the
 * thread whose record it is, but also an alert a read sends, or close_notify. Two consequences,
 * both handled here because reads and writes of one context interleave:
 * - a write that got WANT_WRITE is done once out_left is 0, even if another call flushed it
 *   (retrying mbedtls_ssl_write then would send the data a second time);
 * - a fresh mbedtls_ssl_write, or mbedtls_ssl_close_notify, with out_left != 0 would take the
 *   pending record for its own (the former returns as if its data were sent; the latter sends
 *   nothing), so another call's pending record is flushed first. mbedtls_ssl_write with length 0
 *   does exactly that flush once the handshake is over (and writes nothing itself).
 * Returns 0 when nothing is pending (any more), or what the flush returned.
 */
int mj_ssl_flush_pending(mj_ssl *s)
{
    static const unsigned char none[1] = { 0 };
    if (s->ssl.MBEDTLS_PRIVATE(out_left) == 0) {
        return 0;
    }
    return mbedtls_ssl_write(&s->ssl, none, 0);
}

void mj_ssl_throw_handshake(JNIEnv *env, mj_ssl *s, int ret)
{
    uint32_t flags;
    mj_ssl_lock(s);
    flags = mbedtls_ssl_get_verify_result(&s->ssl);
    mj_ssl_unlock(s);
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (flags != 0 && flags != MJ_VERIFY_RESULT_NONE)) {
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
    int ret, wait;
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
    for (;;) {
        mj_ssl_lock(s);
        ret = mbedtls_ssl_handshake(&s->ssl);
        wait = must_wait(s, ret);
        mj_ssl_unlock(s);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (wait && (ret = await_socket(s, ret)) != 0) {
                break;
            }
            continue;
        }
        break;
    }
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
    const mbedtls_ssl_session *negotiating;
    const char *name;
    jstring result;
    (void) cls;
    mj_ssl_lock(s);
    name = mbedtls_ssl_get_ciphersuite(&s->ssl);
    negotiating = s->ssl.MBEDTLS_PRIVATE(session_negotiate);
    if (name == NULL && negotiating != NULL && negotiating->MBEDTLS_PRIVATE(ciphersuite) != 0 &&
        s->ssl.MBEDTLS_PRIVATE(state) > MBEDTLS_SSL_SERVER_HELLO) {
        name = mbedtls_ssl_get_ciphersuite_name(negotiating->MBEDTLS_PRIVATE(ciphersuite));
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
 * mbedtls_ssl_read until there is data or an end. The Java side has completed the handshake, so
 * what Mbed TLS may still do here besides reading is to send an alert (WANT_WRITE) or take in a
 * TLS 1.3 NewSessionTicket (call again). Returns the byte count, or -1 at the end (close_notify
 * or EOF, recorded in s->inbound), or -2 with an exception pending.
 */
static int read_some(JNIEnv *env, mj_ssl *s, unsigned char *buf, size_t len)
{
    int ret, wait, inbound;
    for (;;) {
        mj_ssl_lock(s);
        inbound = s->inbound;
        if (inbound != MJ_INBOUND_OPEN) {
            mj_ssl_unlock(s);
            return -1;
        }
        /*
         * A read right after a write (a request, then its answer) would find the socket empty:
         * the peer has yet to answer. With nothing held back in Mbed TLS, wait for the socket
         * first instead of learning that from a recv that fails with EAGAIN (the C client's
         * blocking recv makes one system call there, so would this).
         */
        if (s->wrote_last) {
            s->wrote_last = 0;
            if (mbedtls_ssl_get_bytes_avail(&s->ssl) == 0 && !mbedtls_ssl_check_pending(&s->ssl)) {
                mj_ssl_unlock(s);
                if ((ret = mj_net_wait(s->net, MJ_WAIT_RECV)) != 0) {
                    break;
                }
                continue;
            }
        }
        ret = mbedtls_ssl_read(&s->ssl, buf, len);
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            s->inbound = MJ_INBOUND_CLOSE_NOTIFY;
        } else if (ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
            s->inbound = MJ_INBOUND_EOF;
        }
        wait = must_wait(s, ret);
        mj_ssl_unlock(s);
        if (ret > 0) {
            return ret;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MJ_ERR_NEW_SESSION_TICKET) {
            int sending = ret == MBEDTLS_ERR_SSL_WANT_WRITE;
            if (wait && (ret = await_socket(s, ret)) != 0) {
                break;
            }
            if (sending) {
                /* The alert this read wrote may still be in the output buffer: send it on. */
                mj_ssl_lock(s);
                ret = mj_ssl_flush_pending(s);
                mj_ssl_unlock(s);
                if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE && ret != MJ_ERR_NEW_SESSION_TICKET) {
                    break;
                }
            }
            continue;
        }
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
            return -1;
        }
        break;
    }
    mj_throw_mbedtls(env, ret, "mbedtls_ssl_read", NULL);
    return -2;
}

/*
 * mbedtls_ssl_write of buf[0 .. len), as one record (or fewer bytes if a record holds fewer),
 * waiting for the socket outside the lock as often as needed. Returns the byte count (> 0), or
 * a negative Mbed TLS error. See mj_ssl_flush_pending for the record another call may send for us.
 */
static int write_record(mj_ssl *s, const unsigned char *buf, size_t len)
{
    int in_flight = 0; /* > 0: this call's record, of that many bytes, is (partly) unsent */
    int ret, wait;
    for (;;) {
        mj_ssl_lock(s);
        if (in_flight > 0 && s->ssl.MBEDTLS_PRIVATE(out_left) == 0) {
            ret = in_flight; /* another call sent the rest of it */
        } else if (in_flight == 0 && s->ssl.MBEDTLS_PRIVATE(out_left) != 0) {
            ret = mj_ssl_flush_pending(s);
            if (ret == 0) {
                mj_ssl_unlock(s);
                continue; /* now write ours */
            }
        } else {
            ret = mbedtls_ssl_write(&s->ssl, buf, len);
            if (ret == MBEDTLS_ERR_SSL_WANT_WRITE && in_flight == 0) {
                /* How much the record holds, asked only now: a write that goes out at once (the
                 * usual case) does not need it, and a write changes no record size limit. */
                int max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
                if (max > 0) {
                    in_flight = len < (size_t) max ? (int) len : max;
                }
            }
        }
        wait = must_wait(s, ret);
        s->wrote_last = 1;
        mj_ssl_unlock(s);
        if (ret >= 0) {
            return ret;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MJ_ERR_NEW_SESSION_TICKET) {
            if (wait && (ret = await_socket(s, ret)) != 0) {
                return ret;
            }
            continue;
        }
        return ret;
    }
}

/* write_record over all of buf[0 .. len): the number of bytes written before a failure is lost with it. */
static int write_all(mj_ssl *s, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        int n = write_record(s, buf, len);
        if (n < 0) {
            return n;
        }
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nRead(JNIEnv *env, jclass cls, jlong handle, jbyteArray b,
                                                                  jint off, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char buf[MJ_IO_CHUNK];
    int n;
    (void) cls;
    n = read_some(env, s, buf, len < MJ_IO_CHUNK ? (size_t) len : MJ_IO_CHUNK);
    if (n > 0) {
        (*env)->SetByteArrayRegion(env, b, off, n, (const jbyte *) buf);
    }
    return n < -1 ? -1 : n;
}

/* One byte, 0..255, or -1 at the end: InputStream.read() without a shared buffer. */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nReadByte(JNIEnv *env, jclass cls, jlong handle)
{
    unsigned char b;
    int n;
    (void) cls;
    n = read_some(env, MJ_PTR(mj_ssl, handle), &b, 1);
    return n > 0 ? (jint) b : -1;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nReadDirect(JNIEnv *env, jclass cls, jlong handle,
                                                                        jobject dst, jint pos, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char *address = (*env)->GetDirectBufferAddress(env, dst);
    int n;
    (void) cls;
    if (address == NULL) {
        mj_throw_argument(env, "the ByteBuffer has no native address");
        return -1;
    }
    n = read_some(env, s, address + pos, (size_t) len);
    return n < -1 ? -1 : n;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nWrite(JNIEnv *env, jclass cls, jlong handle, jbyteArray b,
                                                                   jint off, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char buf[MJ_IO_CHUNK];
    jint n = len < MJ_IO_CHUNK ? len : MJ_IO_CHUNK;
    int ret;
    (void) cls;
    (*env)->GetByteArrayRegion(env, b, off, n, (jbyte *) buf);
    ret = write_record(s, buf, (size_t) n);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
        return 0;
    }
    return ret;
}

/*
 * All of b[off .. off+len) in one native call: each record's worth is copied once, from the
 * array to this stack buffer, which Mbed TLS encrypts from.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nWriteFully(JNIEnv *env, jclass cls, jlong handle,
                                                                        jbyteArray b, jint off, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char buf[MJ_IO_CHUNK];
    (void) cls;
    while (len > 0) {
        jint n = len < MJ_IO_CHUNK ? len : MJ_IO_CHUNK;
        int ret;
        (*env)->GetByteArrayRegion(env, b, off, n, (jbyte *) buf);
        ret = write_all(s, buf, (size_t) n);
        if (ret < 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
            return;
        }
        off += n;
        len -= n;
    }
}

/* OutputStream.write(int) without a shared buffer. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nWriteByte(JNIEnv *env, jclass cls, jlong handle, jint value)
{
    unsigned char b = (unsigned char) value;
    int ret;
    (void) cls;
    ret = write_record(MJ_PTR(mj_ssl, handle), &b, 1);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
    }
}

/* One record (fully: false) or everything (fully: true) from a direct buffer, in place. */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nWriteDirect(JNIEnv *env, jclass cls, jlong handle,
                                                                         jobject src, jint pos, jint len,
                                                                         jboolean fully)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    const unsigned char *address = (*env)->GetDirectBufferAddress(env, src);
    int ret;
    (void) cls;
    if (address == NULL) {
        mj_throw_argument(env, "the ByteBuffer has no native address");
        return 0;
    }
    ret = fully ? write_all(s, address + pos, (size_t) len) : write_record(s, address + pos, (size_t) len);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
        return 0;
    }
    return fully ? len : ret;
}

/*
 * mbedtls_ssl_close_notify, after any record still pending from another call (mj_ssl_flush_pending: else
 * Mbed TLS would flush that instead of sending the alert). With wait false, gives up instead of
 * waiting when the socket takes nothing now (returns false); true once the alert is sent.
 */
JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nCloseNotify(JNIEnv *env, jclass cls, jlong handle,
                                                                             jboolean wait)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int written = 0; /* the alert is in the output buffer, or sent */
    int ret;
    (void) cls;
    for (;;) {
        mj_ssl_lock(s);
        if (s->ssl.MBEDTLS_PRIVATE(out_left) != 0) {
            ret = mj_ssl_flush_pending(s);
        } else if (!written) {
            ret = mbedtls_ssl_close_notify(&s->ssl);
            written = ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        } else {
            ret = 0;
        }
        if (ret == 0 && written && s->ssl.MBEDTLS_PRIVATE(out_left) == 0) {
            mj_ssl_unlock(s);
            return JNI_TRUE;
        }
        mj_ssl_unlock(s);
        if (ret == MJ_ERR_NEW_SESSION_TICKET) { /* the flush took in a held-back ticket first */
            continue;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (!wait) {
                return JNI_FALSE;
            }
            ret = mj_net_wait(s->net, MJ_WAIT_SEND);
        }
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_close_notify", NULL);
            return JNI_FALSE;
        }
    }
}

/* The session id of the current session (TLS 1.2: the server's; may be empty), or NULL before a handshake. */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_SslContext_nSessionId(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    const mbedtls_ssl_session *session;
    jbyteArray id = NULL;
    (void) cls;
    mj_ssl_lock(s);
    session = s->ssl.MBEDTLS_PRIVATE(session);
    if (session != NULL) {
        size_t len = session->MBEDTLS_PRIVATE(id_len) <= sizeof session->MBEDTLS_PRIVATE(id)
                         ? session->MBEDTLS_PRIVATE(id_len)
                         : 0;
        id = (*env)->NewByteArray(env, (jsize) len);
        if (id != NULL) {
            (*env)->SetByteArrayRegion(env, id, 0, (jsize) len, (const jbyte *) session->MBEDTLS_PRIVATE(id));
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
