/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.DatagramBio: an mbedtls_ssl_context (SslContext's,
 * mj_ssl) speaking DTLS over datagrams held in memory, with a retransmission timer that needs no
 * thread of its own.
 *
 * - The bio, mbedtls_ssl_set_bio(&ssl, s, dgram_send, dgram_recv, NULL): for the duration of
 *   one call, dgram_recv hands Mbed TLS the one datagram the caller gave (whole: DTLS reads a
 *   datagram at a time and never splits one), and dgram_send appends each datagram Mbed TLS
 *   sends to the caller's output buffer as a 2-byte big-endian length and the datagram's bytes,
 *   so the caller sends each one as it was made: records are never merged across datagrams, and
 *   Mbed TLS keeps each datagram within the MTU (mbedtls_ssl_set_mtu).
 * - The timer, mbedtls_ssl_set_timer_cb(&ssl, s, timer_set, timer_get): deadlines in the
 *   context's own struct, in ms of CLOCK_MONOTONIC. Nothing fires: the caller asks
 *   nTimeout how long until the final deadline, and calls nHandshake (or nRead) once it has
 *   passed, which is when Mbed TLS resends its last flight (or gives up).
 *
 * Every window is checked against its buffer's real capacity here (GetArrayLength,
 * GetDirectBufferCapacity), whatever the Java side checked.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_DatagramBio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/platform_util.h"

/* One caller buffer: a direct buffer's memory, or a range of a Java byte[]. */
struct mj_dgram {
    unsigned char *address; /* direct: the first byte of the range; NULL for a byte[] */
    JNIEnv *env;
    jbyteArray array;
    jint offset;
    size_t length;
    size_t used; /* bytes taken (input) or written (output) so far */
};

/* Largest datagram length the 2-byte frame header can carry. */
#define MJ_DGRAM_MAX 0xFFFF

/* Java's DatagramBio result codes (bits 58-63 of a result). */
enum {
    MJ_DG_OK = 0,            /* handshake done / data read or written */
    MJ_DG_WANT_READ = 1,     /* needs the peer's next datagram (or the timer) */
    MJ_DG_WANT_WRITE = 2,    /* the output buffer is full: send what is in it, call again */
    MJ_DG_CLOSE_NOTIFY = 3,  /* the peer closed */
    MJ_DG_HELLO_VERIFY = 4,  /* server: a HelloVerifyRequest is in out; reset the context */
    MJ_DG_FAILED = 5,        /* failed: nThrowFailure throws, once Java has the counts */
    MJ_DG_ACCEPTED = 6,      /* server: a ClientHello with a valid cookie was taken in */
    MJ_DG_DROPPED = 7,       /* server: the datagram was no ClientHello to answer */
    MJ_DG_RECONNECT = 8,     /* server: the client started a new handshake from the same address */
};

/*
 * A result for Java: the code in bits 58-63, "more plaintext waiting" in bit 57, "the input
 * datagram was taken" in bit 56, the plaintext length (reads) in bits 28-55 and the bytes
 * written to the output in bits 0-27. Windows stay below 2^26 bytes (window() checks).
 */
static jlong result(int code, int more, int took, size_t plaintext, size_t produced)
{
    return (jlong) (((uint64_t) code << 58) | ((uint64_t) (more != 0) << 57) | ((uint64_t) (took != 0) << 56) |
                    ((uint64_t) plaintext << 28) | (uint64_t) produced);
}

/* The result code for what an Mbed TLS call returned (not a positive count). */
static int code_of(int ret)
{
    switch (ret) {
    case 0:
        return MJ_DG_OK;
    case MBEDTLS_ERR_SSL_WANT_READ:
        return MJ_DG_WANT_READ;
    case MBEDTLS_ERR_SSL_WANT_WRITE:
        return MJ_DG_WANT_WRITE;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        return MJ_DG_CLOSE_NOTIFY;
#if defined(MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED)
    case MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED:
        return MJ_DG_HELLO_VERIFY;
#endif
#if defined(MBEDTLS_ERR_SSL_CLIENT_RECONNECT)
    case MBEDTLS_ERR_SSL_CLIENT_RECONNECT:
        return MJ_DG_RECONNECT;
#endif
    default:
        return MJ_DG_FAILED;
    }
}

/*
 * A window on buffer[offset .. offset+length): a direct ByteBuffer or a byte[] (NULL buffer: an
 * empty window), checked against the buffer's capacity. 0, or -1 with IllegalArgumentException
 * pending.
 */
static int window(JNIEnv *env, jobject buffer, jint offset, jint length, struct mj_dgram *w)
{
    jlong capacity;
    memset(w, 0, sizeof *w);
    w->env = env;
    if (buffer == NULL) {
        return 0;
    }
    if ((*env)->IsInstanceOf(env, buffer, mj_jni.byte_array)) {
        capacity = (*env)->GetArrayLength(env, (jarray) buffer);
        w->array = (jbyteArray) buffer;
    } else {
        w->address = (*env)->GetDirectBufferAddress(env, buffer);
        capacity = (*env)->GetDirectBufferCapacity(env, buffer);
        if (w->address == NULL || capacity < 0) {
            mj_throw_argument(env, "the ByteBuffer has no native address");
            return -1;
        }
    }
    if (offset < 0 || length < 0 || (jlong) offset + length > capacity || length >= (1 << 26)) {
        mj_throw_argument(env, "buffer window outside the buffer (changed by another thread?)");
        return -1;
    }
    w->length = (size_t) length;
    if (w->address != NULL) {
        w->address += offset;
    } else {
        w->offset = offset;
    }
    return 0;
}

static void copy_out(struct mj_dgram *w, const unsigned char *from, size_t len)
{
    if (w->address != NULL) {
        memcpy(w->address + w->used, from, len);
    } else {
        (*w->env)->SetByteArrayRegion(w->env, w->array, w->offset + (jint) w->used, (jsize) len, (const jbyte *) from);
    }
    w->used += len;
}

/* Mbed TLS's f_send: one datagram, framed, or WANT_WRITE if the output has no room for it. */
static int dgram_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct mj_dgram *w = ((mj_ssl *) ctx)->dgram_out;
    unsigned char header[2];
    if (len > MJ_DGRAM_MAX) {
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    if (w == NULL || w->length - w->used < len + 2) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    header[0] = (unsigned char) (len >> 8);
    header[1] = (unsigned char) len;
    copy_out(w, header, 2);
    copy_out(w, buf, len);
    return (int) len;
}

/*
 * Mbed TLS's f_recv: the whole datagram at once (a datagram longer than Mbed TLS's buffer is
 * cut, and Mbed TLS then drops its records), then WANT_READ.
 */
static int dgram_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct mj_dgram *w = ((mj_ssl *) ctx)->dgram_in;
    size_t n;
    if (w == NULL || w->used == w->length) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    n = w->length - w->used < len ? w->length - w->used : len;
    if (w->address != NULL) {
        memcpy(buf, w->address + w->used, n);
    } else {
        (*w->env)->GetByteArrayRegion(w->env, w->array, w->offset + (jint) w->used, (jsize) n, (jbyte *) buf);
    }
    w->used = w->length;
    return (int) n;
}

/* --- The timer ----------------------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mbedtls_ssl_set_timer_t: arms both delays from now, or cancels (fin_ms 0). Called under lock. */
static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
    mj_ssl *s = ctx;
    long long now;
    if (fin_ms == 0) {
        s->timer_int_ms = 0;
        s->timer_fin_ms = 0;
        return;
    }
    now = now_ms();
    s->timer_int_ms = now + int_ms;
    s->timer_fin_ms = now + fin_ms;
}

/* mbedtls_ssl_get_timer_t: -1 cancelled, 0 running, 1 intermediate passed, 2 final passed. */
static int timer_get(void *ctx)
{
    mj_ssl *s = ctx;
    long long now;
    if (s->timer_fin_ms == 0) {
        return -1;
    }
    now = now_ms();
    if (now >= s->timer_fin_ms) {
        return 2;
    }
    return now >= s->timer_int_ms ? 1 : 0;
}

/* ms until the final deadline (0: passed), or -1 with no timer running. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nTimeout(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    long long left;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    left = s->timer_fin_ms == 0 ? -1 : s->timer_fin_ms - now_ms();
    if (s->timer_fin_ms != 0 && left < 0) {
        left = 0;
    }
    mj_ssl_unlock(s);
    return (jlong) left;
}

/* --- Attaching ----------------------------------------------------------------------------------- */

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nAttach(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) env;
    (void) cls;
    /* mbedtls_ssl_set_bio: datagrams from and to memory; no recv_timeout: the timer tells. */
    mbedtls_ssl_set_bio(&s->ssl, s, dgram_send, dgram_recv, NULL);
    /* mbedtls_ssl_set_timer_cb: deadlines in s, which the caller polls (nTimeout). */
    mbedtls_ssl_set_timer_cb(&s->ssl, s, timer_set, timer_get);
}

/* --- Handshake, read, write ------------------------------------------------------------------ */

/* The windows of one call, attached to s under its lock, detached at the end. */
static void attach(mj_ssl *s, struct mj_dgram *in, struct mj_dgram *out)
{
    mj_ssl_lock(s);
    s->dgram_in = in;
    s->dgram_out = out;
}

static void detach(mj_ssl *s)
{
    s->dgram_in = NULL;
    s->dgram_out = NULL;
    mj_ssl_unlock(s);
}

/*
 * mbedtls_ssl_handshake as far as the datagram in (may be empty: a timer that has passed makes
 * Mbed TLS resend its last flight) and the room in out allow.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nHandshake(JNIEnv *env, jclass cls, jlong handle,
                                                                         jobject in, jint in_off, jint in_len,
                                                                         jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_dgram win, wout;
    int ret, code;
    (void) cls;
    if (window(env, in, in_off, in_len, &win) != 0 || window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    attach(s, &win, &wout);
    do {
        ret = mbedtls_ssl_handshake(&s->ssl);
    } while (mj_ssl_input_pending(s, ret));
    s->failure = ret;
    detach(s);
    code = code_of(ret);
    if (code == MJ_DG_CLOSE_NOTIFY || code == MJ_DG_RECONNECT) {
        code = MJ_DG_FAILED; /* the handshake did not complete */
    }
    /* On failure the counts still matter (out holds the fatal alert Mbed TLS sent): Java takes
     * them, then nThrowFailure throws. */
    return result(code, 0, win.used != 0, 0, wout.used);
}

/* Throws what the last call that returned MJ_DG_FAILED failed with. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nThrowFailure(JNIEnv *env, jclass cls, jlong handle,
                                                                           jstring jfunction)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;
    mj_ssl_lock(s);
    ret = s->failure;
    mj_ssl_unlock(s);
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        ret = MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    if (jfunction == NULL) {
        mj_ssl_throw_handshake(env, s, ret);
    } else {
        char *function = mj_utf8(env, jfunction);
        if (function != NULL) {
            mj_throw_mbedtls(env, ret, function, NULL);
            free(function);
        }
    }
}

/*
 * mbedtls_ssl_read of one record's plaintext into dst, taking the datagram in. Mbed TLS may send
 * meanwhile (its last flight again when the peer's retransmission shows it was lost, an alert):
 * into out.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nRead(JNIEnv *env, jclass cls, jlong handle,
                                                                    jobject in, jint in_off, jint in_len, jobject dst,
                                                                    jint dst_off, jint dst_len, jobject out,
                                                                    jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_dgram win, wdst, wout;
    unsigned char chunk[MBEDTLS_SSL_IN_CONTENT_LEN];
    unsigned char *to;
    size_t len;
    int ret, more;
    (void) cls;
    if (window(env, in, in_off, in_len, &win) != 0 || window(env, dst, dst_off, dst_len, &wdst) != 0 ||
        window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    /* A direct buffer takes the plaintext in place; a byte[] through one copy from chunk. */
    to = wdst.address != NULL ? wdst.address : chunk;
    len = wdst.address != NULL || wdst.length < sizeof chunk ? wdst.length : sizeof chunk;
    attach(s, &win, &wout);
    do {
        ret = mbedtls_ssl_read(&s->ssl, to, len);
    } while (mj_ssl_input_pending(s, ret));
    more = ret > 0 && mbedtls_ssl_check_pending(&s->ssl);
    s->failure = ret;
    detach(s);
    if (ret > 0) {
        if (wdst.address == NULL) {
            (*env)->SetByteArrayRegion(env, wdst.array, wdst.offset, ret, (const jbyte *) chunk);
            mbedtls_platform_zeroize(chunk, (size_t) ret);
        }
        return result(MJ_DG_OK, more, win.used != 0, (size_t) ret, wout.used);
    }
    /* 0: an empty application data record. */
    return result(code_of(ret), 0, win.used != 0, 0, wout.used);
}

/*
 * mbedtls_ssl_write of src as one record in one datagram into out (after any datagram still
 * pending: Mbed TLS sends that first). DTLS does not split application data across records: src
 * larger than one record's payload (mbedtls_ssl_get_max_out_record_payload, which the MTU
 * bounds) is refused with IllegalArgumentException naming the limit.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nWrite(JNIEnv *env, jclass cls, jlong handle,
                                                                     jobject src, jint src_off, jint src_len,
                                                                     jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_dgram wsrc, wout;
    unsigned char chunk[MBEDTLS_SSL_OUT_CONTENT_LEN];
    const unsigned char *from;
    int ret, max;
    (void) cls;
    if (window(env, src, src_off, src_len, &wsrc) != 0 || window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    attach(s, NULL, &wout);
    ret = mj_ssl_flush_pending(s);
    if (ret != 0) {
        goto done;
    }
    max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    if (max < 0) {
        ret = max;
        goto done;
    }
    if (wsrc.length > (size_t) max) {
        char message[200];
        detach(s);
        snprintf(message, sizeof message,
                 "%zu bytes do not fit into one DTLS record of this connection (at most %d bytes of application "
                 "data: MTU and record expansion); DTLS sends each datagram whole, so send less",
                 wsrc.length, max);
        mj_throw_argument(env, message);
        return 0;
    }
    if (wsrc.address != NULL) {
        from = wsrc.address;
    } else {
        (*env)->GetByteArrayRegion(env, wsrc.array, wsrc.offset, (jsize) wsrc.length, (jbyte *) chunk);
        from = chunk;
    }
    ret = mbedtls_ssl_write(&s->ssl, from, wsrc.length);
    if (from == chunk) {
        mbedtls_platform_zeroize(chunk, wsrc.length);
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        ret = (int) wsrc.length; /* the datagram is made; Mbed TLS sends it with the next flush */
    }
    if (ret >= 0) {
        wsrc.used = (size_t) ret;
    }
done:
    s->failure = ret;
    detach(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(MJ_DG_FAILED, 0, 0, 0, wout.used);
    }
    return result(ret < 0 ? MJ_DG_WANT_WRITE : MJ_DG_OK, 0, wsrc.used != 0, 0, wout.used);
}

/* Sends the datagram Mbed TLS holds back (out had no room for it before) into out. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nFlush(JNIEnv *env, jclass cls, jlong handle,
                                                                     jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_dgram wout;
    int ret;
    (void) cls;
    if (window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    attach(s, NULL, &wout);
    ret = mj_ssl_flush_pending(s);
    s->failure = ret;
    detach(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(MJ_DG_FAILED, 0, 0, 0, wout.used);
    }
    return result(ret < 0 ? MJ_DG_WANT_WRITE : MJ_DG_OK, 0, 0, 0, wout.used);
}

/* mbedtls_ssl_close_notify into out. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nCloseNotify(JNIEnv *env, jclass cls, jlong handle,
                                                                           jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_dgram wout;
    int ret;
    (void) cls;
    if (window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    attach(s, NULL, &wout);
    ret = mj_ssl_flush_pending(s);
    if (ret == 0) {
        ret = mbedtls_ssl_close_notify(&s->ssl);
    }
    s->failure = ret;
    detach(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(MJ_DG_FAILED, 0, 0, 0, wout.used);
    }
    return result(ret < 0 ? MJ_DG_WANT_WRITE : MJ_DG_OK, 0, 0, 0, wout.used);
}

/* --- Server: the cookie exchange before any state ------------------------------------------- */

/*
 * The server's first look at a datagram from an address it has no connection for, on a context
 * kept for that purpose: mbedtls_ssl_session_reset, mbedtls_ssl_set_client_transport_id(addr),
 * then mbedtls_ssl_handshake_step until the ClientHello is parsed and answered:
 *  - no valid cookie: the step that would write the ServerHello writes a HelloVerifyRequest
 *    instead (into out); MJ_DG_HELLO_VERIFY, and the caller resets the context: no state kept;
 *  - a valid cookie: the ServerHello is written (into the flight, nothing sent yet);
 *    MJ_DG_ACCEPTED, and the caller makes the context the new connection's, which
 *    mbedtls_ssl_handshake then continues;
 *  - anything else (not a ClientHello, garbage, a fatal error): MJ_DG_DROPPED.
 * Between steps the handshake state (ssl->state) tells which it was.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nCheckHello(JNIEnv *env, jclass cls, jlong handle,
                                                                          jbyteArray transport_id, jobject in,
                                                                          jint in_off, jint in_len, jobject out,
                                                                          jint out_off, jint out_len)
{
#if defined(MBEDTLS_SSL_SRV_C) && MJ_HAS_DTLS && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_dgram win, wout;
    unsigned char id[64];
    jsize id_len = (*env)->GetArrayLength(env, transport_id);
    int ret, code = MJ_DG_DROPPED;
    (void) cls;
    if (id_len > (jsize) sizeof id) {
        mj_throw_argument(env, "transport id longer than 64 bytes");
        return 0;
    }
    (*env)->GetByteArrayRegion(env, transport_id, 0, id_len, (jbyte *) id);
    if (window(env, in, in_off, in_len, &win) != 0 || window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    attach(s, &win, &wout);
    ret = mbedtls_ssl_session_reset(&s->ssl);
    if (ret == 0) {
        ret = mbedtls_ssl_set_client_transport_id(&s->ssl, id, (size_t) id_len);
    }
    while (ret == 0) {
        int state = mj_ssl_state(&s->ssl);
        if (state == MBEDTLS_SSL_SERVER_HELLO_VERIFY_REQUEST_SENT) {
            code = MJ_DG_HELLO_VERIFY;
            break;
        }
        if (state > MBEDTLS_SSL_SERVER_HELLO) {
            code = MJ_DG_ACCEPTED;
            break;
        }
        ret = mbedtls_ssl_handshake_step(&s->ssl);
    }
    s->failure = ret;
    detach(s);
    return result(code, 0, win.used != 0, 0, code == MJ_DG_DROPPED ? 0 : wout.used);
#else
    (void) cls;
    (void) handle;
    (void) transport_id;
    (void) in;
    (void) in_off;
    (void) in_len;
    (void) out;
    (void) out_off;
    (void) out_len;
    mj_throw_state(env, "this Mbed TLS is built without a DTLS server (MBEDTLS_SSL_SRV_C, MBEDTLS_SSL_PROTO_DTLS, "
                        "MBEDTLS_SSL_DTLS_HELLO_VERIFY)");
    return 0;
#endif
}

/* mbedtls_ssl_session_reset: the context starts over, keeping its config, bio and timer. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nSessionReset(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;
    mj_ssl_lock(s);
    ret = mbedtls_ssl_session_reset(&s->ssl);
    mj_ssl_unlock(s);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_session_reset", NULL);
    }
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nSetClientTransportId(JNIEnv *env, jclass cls,
                                                                                   jlong handle, jbyteArray jid)
{
#if defined(MBEDTLS_SSL_SRV_C) && MJ_HAS_DTLS && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char id[256];
    jsize len = (*env)->GetArrayLength(env, jid);
    int ret;
    (void) cls;
    if (len > (jsize) sizeof id) {
        mj_throw_argument(env, "transport id longer than 256 bytes");
        return;
    }
    (*env)->GetByteArrayRegion(env, jid, 0, len, (jbyte *) id);
    mj_ssl_lock(s);
    ret = mbedtls_ssl_set_client_transport_id(&s->ssl, id, (size_t) len);
    mj_ssl_unlock(s);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_set_client_transport_id", NULL);
    }
#else
    (void) cls;
    (void) handle;
    (void) jid;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_SRV_C or MBEDTLS_SSL_DTLS_HELLO_VERIFY");
#endif
}

/* --- Per-connection DTLS settings ------------------------------------------------------------ */

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nSetMtu(JNIEnv *env, jclass cls, jlong handle, jint mtu)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    mbedtls_ssl_set_mtu(&s->ssl, (uint16_t) mtu); /* Java checked 0..65535 */
    mj_ssl_unlock(s);
}

/* mbedtls_ssl_get_max_out_record_payload: the most application data one datagram carries. */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nMaxPayload(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int max;
    (void) cls;
    mj_ssl_lock(s);
    max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    mj_ssl_unlock(s);
    if (max < 0) {
        mj_throw_mbedtls(env, max, "mbedtls_ssl_get_max_out_record_payload", NULL);
        return 0;
    }
    return max;
}

/* mbedtls_ssl_set_cid: whether to negotiate CIDs, and the CID this side asks the peer to use. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nSetCid(JNIEnv *env, jclass cls, jlong handle,
                                                                     jboolean enable, jbyteArray jcid)
{
#if MJ_HAS_CID
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char cid[MBEDTLS_SSL_CID_IN_LEN_MAX];
    jsize len = jcid == NULL ? 0 : (*env)->GetArrayLength(env, jcid);
    int ret;
    (void) cls;
    if (len > (jsize) sizeof cid) {
        mj_throw_argument(env, "CID longer than MBEDTLS_SSL_CID_IN_LEN_MAX");
        return;
    }
    if (len > 0) {
        (*env)->GetByteArrayRegion(env, jcid, 0, len, (jbyte *) cid);
    }
    mj_ssl_lock(s);
    ret = mbedtls_ssl_set_cid(&s->ssl, enable ? MBEDTLS_SSL_CID_ENABLED : MBEDTLS_SSL_CID_DISABLED, cid, (size_t) len);
    mj_ssl_unlock(s);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_set_cid", "the CID's length must be the one given to SslConfig.setCid");
    }
#else
    (void) cls;
    (void) handle;
    (void) enable;
    (void) jcid;
    mj_throw_state(env, MJ_CID_UNAVAILABLE);
#endif
}

/*
 * mbedtls_ssl_get_peer_cid (peer true: the CID this side puts into the records it sends) or
 * mbedtls_ssl_get_own_cid (the CID the peer puts into records for this side): the CID, or NULL
 * when none is in use. An empty array is a negotiated empty CID.
 */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nCid(JNIEnv *env, jclass cls, jlong handle,
                                                                        jboolean peer)
{
#if MJ_HAS_CID
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char cid[MBEDTLS_SSL_CID_IN_LEN_MAX > MBEDTLS_SSL_CID_OUT_LEN_MAX ? MBEDTLS_SSL_CID_IN_LEN_MAX
                                                                             : MBEDTLS_SSL_CID_OUT_LEN_MAX];
    size_t len = 0;
    int enabled = MBEDTLS_SSL_CID_DISABLED, ret;
    jbyteArray result;
    (void) cls;
    mj_ssl_lock(s);
    ret = peer ? mbedtls_ssl_get_peer_cid(&s->ssl, &enabled, cid, &len)
               : mbedtls_ssl_get_own_cid(&s->ssl, &enabled, cid, &len);
    mj_ssl_unlock(s);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, peer ? "mbedtls_ssl_get_peer_cid" : "mbedtls_ssl_get_own_cid", NULL);
        return NULL;
    }
    if (enabled != MBEDTLS_SSL_CID_ENABLED) {
        return NULL;
    }
    result = (*env)->NewByteArray(env, (jsize) len);
    if (result != NULL && len > 0) {
        (*env)->SetByteArrayRegion(env, result, 0, (jsize) len, (const jbyte *) cid);
    }
    return result;
#else
    (void) env;
    (void) cls;
    (void) handle;
    (void) peer;
    return NULL;
#endif
}

/* --- Saving and loading a connection --------------------------------------------------------- */

/*
 * mbedtls_ssl_context_save: the established connection as bytes (asked for its size first).
 * On success Mbed TLS resets the context: the connection lives on only in the bytes.
 */
JNIEXPORT jbyteArray JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nSave(JNIEnv *env, jclass cls, jlong handle)
{
#if defined(MBEDTLS_SSL_CONTEXT_SERIALIZATION)
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    unsigned char probe[1];
    unsigned char *buf;
    size_t len = 0;
    jbyteArray result = NULL;
    int ret;
    (void) cls;
    mj_ssl_lock(s);
    ret = mbedtls_ssl_context_save(&s->ssl, probe, 0, &len);
    if (ret != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) {
        mj_ssl_unlock(s);
        mj_throw_mbedtls(env, ret == 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : ret, "mbedtls_ssl_context_save",
                         "only an established DTLS 1.2 connection with an AEAD suite, nothing pending in or out, "
                         "and the handshake's last flight acknowledged by the peer's data can be saved");
        return NULL;
    }
    buf = malloc(len);
    if (buf == NULL) {
        mj_ssl_unlock(s);
        mj_throw_oom(env, "a saved DTLS connection");
        return NULL;
    }
    ret = mbedtls_ssl_context_save(&s->ssl, buf, len, &len);
    mj_ssl_unlock(s);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_context_save", NULL);
    } else if ((result = (*env)->NewByteArray(env, (jsize) len)) != NULL) {
        (*env)->SetByteArrayRegion(env, result, 0, (jsize) len, (const jbyte *) buf);
    }
    mbedtls_platform_zeroize(buf, len);
    free(buf);
    return result;
#else
    (void) cls;
    (void) handle;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_CONTEXT_SERIALIZATION");
    return NULL;
#endif
}

/* mbedtls_ssl_context_load into a context set up with the same config, before any handshake. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nLoad(JNIEnv *env, jclass cls, jlong handle,
                                                                   jbyteArray data)
{
#if defined(MBEDTLS_SSL_CONTEXT_SERIALIZATION)
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    jsize len = (*env)->GetArrayLength(env, data);
    unsigned char *buf = malloc(len > 0 ? (size_t) len : 1);
    int ret;
    (void) cls;
    if (buf == NULL) {
        mj_throw_oom(env, "a saved DTLS connection");
        return;
    }
    (*env)->GetByteArrayRegion(env, data, 0, len, (jbyte *) buf);
    mj_ssl_lock(s);
    ret = mbedtls_ssl_context_load(&s->ssl, buf, (size_t) len);
    mj_ssl_unlock(s);
    mbedtls_platform_zeroize(buf, (size_t) len);
    free(buf);
    if (ret != 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_context_load",
                         "the bytes must come from mbedtls_ssl_context_save of this Mbed TLS version and build, "
                         "into a context set up with the same kind of config");
    }
#else
    (void) cls;
    (void) handle;
    (void) data;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_CONTEXT_SERIALIZATION");
#endif
}

/* mbedtls_ssl_is_handshake_over (3.x) / the state (2.28): 1 once established. */
JNIEXPORT jboolean JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nEstablished(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int over;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    over = mj_ssl_state(&s->ssl) == MBEDTLS_SSL_HANDSHAKE_OVER;
    mj_ssl_unlock(s);
    return over ? JNI_TRUE : JNI_FALSE;
}

/*
 * The sizes and codes the Java side plans with: the largest datagram Mbed TLS reads
 * (MBEDTLS_SSL_IN_BUFFER_LEN's content part plus header and expansion), the largest plaintext of
 * one record, and the Mbed TLS error codes Java names.
 */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nSizes(JNIEnv *env, jclass cls)
{
    jint sizes[4] = { 13 + MBEDTLS_SSL_IN_CONTENT_LEN + 2048 + 256, MBEDTLS_SSL_IN_CONTENT_LEN, MBEDTLS_ERR_SSL_TIMEOUT,
                      MBEDTLS_SSL_OUT_CONTENT_LEN };
    jintArray array = (*env)->NewIntArray(env, 4);
    (void) cls;
    if (array != NULL) {
        (*env)->SetIntArrayRegion(env, array, 0, 4, sizes);
    }
    return array;
}
