/* JNI glue of io.github.mbedtlsjni.SslContext: mbedtls_ssl_context, the TLS connection. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_SslContext.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Largest plaintext moved per read/write call from/to a Java byte[]: one TLS record. */
#define MJ_IO_CHUNK 16384

static int mj_ssl_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_SslContext_nInit(JNIEnv *env, jclass cls)
{
    mj_ssl *s = mj_alloc(env, MJ_KIND_SSL_CONTEXT, sizeof *s);
    (void) cls;
    if (s == NULL) {
        return 0;
    }
    mbedtls_ssl_init(&s->ssl);
    return MJ_HANDLE(s);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_free(&s->ssl);
    free(s->verify_name);
    mj_release(MJ_KIND_SSL_CONTEXT, s);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nSetup(JNIEnv *env, jclass cls, jlong handle,
                                                                   jlong conf_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    mj_conf *c = MJ_PTR(mj_conf, conf_handle);
    int ret;
    (void) cls;
    if (s->conf != NULL) { /* a second mbedtls_ssl_setup would leak the first one's buffers */
        mj_throw_state(env, "SslContext is already set up");
        return;
    }
    ret = mbedtls_ssl_setup(&s->ssl, &c->conf);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_setup", NULL);
        return;
    }
    s->conf = c;
    mbedtls_ssl_set_verify(&s->ssl, mj_ssl_verify, s);
}

/*
 * The verify callback of every context (mbedtls_ssl_set_verify). Mbed TLS calls it for each
 * certificate of the server's chain, root first, the leaf (depth 0) last, with that certificate's
 * flags, after its own checks; it is not called when no certificate is verified, as in a resumed
 * handshake. At the leaf it records that a full handshake verified the server, and, when a verify
 * name is set (SNI and verified name differ), replaces Mbed TLS's name check against the hostname
 * (the SNI) by the same check against the verify name: mbedtls_x509_crt_verify with that name
 * computes MBEDTLS_X509_BADCERT_CN_MISMATCH exactly as for the hostname (SAN DNS and IP entries,
 * wildcards, CN without SAN); only that bit of its result is used.
 */
static int mj_ssl_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    mj_ssl *s = ctx;
    uint32_t name_flags = 0;
    int ret;

    if (depth != 0) {
        return 0;
    }
    s->leaf_verified = 1;
    if (s->verify_name == NULL) {
        return 0;
    }
    ret = mbedtls_x509_crt_verify(crt, NULL, NULL, s->verify_name, &name_flags, NULL, NULL);
    if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        return ret; /* fatal: the handshake fails with this error */
    }
    *flags = (*flags & ~(uint32_t) MBEDTLS_X509_BADCERT_CN_MISMATCH) |
             (name_flags & (uint32_t) MBEDTLS_X509_BADCERT_CN_MISMATCH);
    return 0;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nSetVerifyName(JNIEnv *env, jclass cls, jlong handle,
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

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nSetSession(JNIEnv *env, jclass cls, jlong handle,
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
JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_SslContext_nGetSession(JNIEnv *env, jclass cls, jlong handle,
                                                                            jlong session_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    mbedtls_ssl_session *session = MJ_PTR(mbedtls_ssl_session, session_handle);
    int ret;
    (void) cls;
    ret = mbedtls_ssl_get_session(&s->ssl, session);
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

JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_SslContext_nResumed(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) env;
    (void) cls;
    return s->session_offered && !s->leaf_verified && s->conf->authmode != MBEDTLS_SSL_VERIFY_NONE;
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_SslContext_nAlpnProtocol(JNIEnv *env, jclass cls, jlong handle)
{
#if defined(MBEDTLS_SSL_ALPN)
    const char *name = mbedtls_ssl_get_alpn_protocol(&MJ_PTR(mj_ssl, handle)->ssl);
    (void) cls;
    return name != NULL ? mj_string(env, name) : NULL;
#else
    (void) env;
    (void) cls;
    (void) handle;
    return NULL;
#endif
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nSetHostname(JNIEnv *env, jclass cls, jlong handle,
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
        return;
    }
    s->hostname = jhostname != NULL ? MJ_HOSTNAME_SET : MJ_HOSTNAME_SKIPPED;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nSetBio(JNIEnv *env, jclass cls, jlong handle,
                                                                    jlong net_handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    mj_net *n = MJ_PTR(mj_net, net_handle);
    (void) env;
    (void) cls;
    /* &n->net is also the mj_net (its first member), which mj_net_recv reads its timeouts from. */
    mbedtls_ssl_set_bio(&s->ssl, &n->net, mbedtls_net_send, mj_net_recv, NULL);
    s->net = n;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nHandshake(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    uint32_t flags;
    (void) cls;

    /* The binding's rule on every Mbed TLS version (3.6.3+ has the same rule built in). */
    if (s->conf->authmode != MBEDTLS_SSL_VERIFY_NONE && s->hostname == MJ_HOSTNAME_UNSET) {
        mj_throw_state(env, "the server certificate would be verified without checking its name: call "
                            "sslContext.setHostname(\"server.example\") before handshake(), or "
                            "sslContext.skipHostnameVerification() to verify the chain only");
        return;
    }
    /*
     * TCP_NODELAY: Mbed TLS hands each handshake message and each record to send() on its own, so
     * with Nagle's algorithm a flight of several (TLS 1.2's ClientKeyExchange + ChangeCipherSpec +
     * Finished, TLS 1.3's Finished + the first data) waits for the server's delayed ACK, ~40 ms
     * per handshake on Linux (20 TLS 1.2 handshakes/s instead of hundreds). Records are complete
     * writes already, so there is nothing for Nagle to coalesce. Fails harmlessly on a non-TCP fd.
     */
    if (s->net != NULL && s->net->net.fd >= 0) {
        int one = 1;
        (void) setsockopt(s->net->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    do {
        ret = mbedtls_ssl_handshake(&s->ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret == 0) {
        return;
    }
    flags = mbedtls_ssl_get_verify_result(&s->ssl);
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (flags != 0 && flags != MJ_VERIFY_RESULT_NONE)) {
        mj_throw_verify(env, ret, "mbedtls_ssl_handshake", flags);
    } else {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_handshake", NULL);
    }
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_SslContext_nVerifyFlags(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    return (jint) mbedtls_ssl_get_verify_result(&MJ_PTR(mj_ssl, handle)->ssl);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_SslContext_nVerifyInfo(JNIEnv *env, jclass cls, jint flags)
{
    (void) cls;
    return mj_verify_info(env, (uint32_t) flags);
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_SslContext_nProtocol(JNIEnv *env, jclass cls, jlong handle)
{
    (void) cls;
    return mj_string(env, mbedtls_ssl_get_version(&MJ_PTR(mj_ssl, handle)->ssl));
}

JNIEXPORT jstring JNICALL Java_io_github_mbedtlsjni_SslContext_nCiphersuite(JNIEnv *env, jclass cls, jlong handle)
{
    const char *name = mbedtls_ssl_get_ciphersuite(&MJ_PTR(mj_ssl, handle)->ssl);
    (void) cls;
    return name != NULL ? mj_string(env, name) : NULL;
}

JNIEXPORT jobjectArray JNICALL Java_io_github_mbedtlsjni_SslContext_nPeerCertificates(JNIEnv *env, jclass cls,
                                                                                      jlong handle)
{
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&MJ_PTR(mj_ssl, handle)->ssl);
    const mbedtls_x509_crt *c;
    jobjectArray result;
    jsize n = 0, i = 0;
    (void) cls;

    if (peer == NULL || peer->raw.len == 0) {
        return NULL;
    }
    for (c = peer; c != NULL && c->raw.len != 0; c = c->next) {
        n++;
    }
    result = (*env)->NewObjectArray(env, n, mj_jni.byte_array, NULL);
    if (result == NULL) {
        return NULL;
    }
    for (c = peer; c != NULL && c->raw.len != 0; c = c->next, i++) {
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
 * mbedtls_ssl_read() and mbedtls_ssl_write() perform the handshake when handshake() was not
 * called: the same hostname rule as nHandshake applies to them, or a read before handshake()
 * would verify the server without its name (2.28 has no such rule of its own). After a
 * handshake the rule holds already. 1 if kept; 0 with IllegalStateException pending.
 */
static int hostname_rule_kept(JNIEnv *env, const mj_ssl *s)
{
    if (s->conf != NULL && s->conf->authmode != MBEDTLS_SSL_VERIFY_NONE && s->hostname == MJ_HOSTNAME_UNSET) {
        mj_throw_state(env, "the server certificate would be verified without checking its name: call "
                            "sslContext.setHostname(\"server.example\") before the handshake (which read() and "
                            "write() perform if handshake() was not called), or "
                            "sslContext.skipHostnameVerification() to verify the chain only");
        return 0;
    }
    return 1;
}

/*
 * mbedtls_ssl_read until there is data or an end: WANT_READ/WANT_WRITE and TLS 1.3
 * NewSessionTicket mean "call again" on a blocking socket. Returns the byte count, or -1 at the
 * end (close_notify or EOF, recorded in s->inbound), or -2 with an exception pending.
 */
static int read_some(JNIEnv *env, mj_ssl *s, unsigned char *buf, size_t len)
{
    int ret;
    if (!hostname_rule_kept(env, s)) {
        return -2;
    }
    if (s->inbound != MJ_INBOUND_OPEN) {
        return -1;
    }
    for (;;) {
        ret = mbedtls_ssl_read(&s->ssl, buf, len);
        if (ret > 0) {
            return ret;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE ||
            ret == MJ_ERR_NEW_SESSION_TICKET) {
            continue;
        }
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            s->inbound = MJ_INBOUND_CLOSE_NOTIFY;
            return -1;
        }
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
            s->inbound = MJ_INBOUND_EOF;
            return -1;
        }
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_read", NULL);
        return -2;
    }
}

/* mbedtls_ssl_write, repeated while Mbed TLS asks to; the byte count, or -1 with an exception pending. */
static int write_some(JNIEnv *env, mj_ssl *s, const unsigned char *buf, size_t len)
{
    int ret;
    if (!hostname_rule_kept(env, s)) {
        return -1;
    }
    do {
        ret = mbedtls_ssl_write(&s->ssl, buf, len);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
        return -1;
    }
    return ret;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_SslContext_nRead(JNIEnv *env, jclass cls, jlong handle, jbyteArray b,
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

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_SslContext_nReadDirect(JNIEnv *env, jclass cls, jlong handle,
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

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_SslContext_nWrite(JNIEnv *env, jclass cls, jlong handle, jbyteArray b,
                                                                   jint off, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char buf[MJ_IO_CHUNK];
    jint n = len < MJ_IO_CHUNK ? len : MJ_IO_CHUNK;
    int ret;
    (void) cls;
    (*env)->GetByteArrayRegion(env, b, off, n, (jbyte *) buf);
    ret = write_some(env, s, buf, (size_t) n);
    return ret < 0 ? 0 : ret;
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_SslContext_nWriteDirect(JNIEnv *env, jclass cls, jlong handle,
                                                                         jobject src, jint pos, jint len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    const unsigned char *address = (*env)->GetDirectBufferAddress(env, src);
    int ret;
    (void) cls;
    if (address == NULL) {
        mj_throw_argument(env, "the ByteBuffer has no native address");
        return 0;
    }
    ret = write_some(env, s, address + pos, (size_t) len);
    return ret < 0 ? 0 : ret;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_SslContext_nCloseNotify(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;
    do {
        ret = mbedtls_ssl_close_notify(&s->ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_close_notify", NULL);
    }
}

JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_SslContext_nInbound(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
    return MJ_PTR(mj_ssl, handle)->inbound;
}
