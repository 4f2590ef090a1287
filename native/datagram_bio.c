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
 * The handshake, reads, writes and close_notify go through the I/O core (ssl_io.c) like the other
 * bios', with a bio that never waits; every window is checked against its buffer's real capacity
 * (buffer_window.c), whatever the Java side checked.
 */
#include "buffer_window.h"
#include "ssl_io.h"
#include "io_github_mbedtlsjni_mbedtls_DatagramBio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/platform_util.h"

/*
 * One call's windows, which the I/O core keeps in s->call while it holds the lock: the datagram
 * Mbed TLS reads, and where the datagrams it sends go (framed). need: for a write, the bytes its
 * datagram takes in out (frame included); a write never goes out in pieces.
 */
struct dgram_call {
    JNIEnv *env;
    struct mj_window in;
    struct mj_window out;
    size_t need;
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
 * written to the output in bits 0-27. Windows stay below 2^26 bytes (open_call checks).
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

/* Opens a call's windows (either buffer may be NULL). 0, or -1 with an exception pending. */
static int open_call(JNIEnv *env, struct dgram_call *c, jobject in, jint in_off, jint in_len, jobject out,
                     jint out_off, jint out_len)
{
    c->env = env;
    c->need = 0;
    if (mj_window_open(env, in, in_off, in_len, MJ_WINDOW_INPUT, &c->in) != 0 ||
        mj_window_open(env, out, out_off, out_len, MJ_WINDOW_OUTPUT, &c->out) != 0) {
        return -1;
    }
    if (c->in.length >= (1u << 26) || c->out.length >= (1u << 26)) {
        mj_throw_argument(env, "a DatagramBio window of 64 MiB or more");
        return -1;
    }
    return 0;
}

/* Mbed TLS's f_send: one datagram, framed, or WANT_WRITE if the output has no room for it. */
static int dgram_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct dgram_call *c = ((mj_ssl *) ctx)->call;
    unsigned char header[2];
    if (len > MJ_DGRAM_MAX) {
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    if (c == NULL || c->out.length - c->out.used < len + 2) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    header[0] = (unsigned char) (len >> 8);
    header[1] = (unsigned char) len;
    mj_window_put(c->env, &c->out, c->out.used, header, 2);
    mj_window_put(c->env, &c->out, c->out.used + 2, buf, len);
    c->out.used += len + 2;
    return (int) len;
}

/* A DTLS record header: type, version, epoch, sequence number, length; a tls12_cid record has the CID before the length. */
#define MJ_DTLS_HEADER 13
#define MJ_DTLS_TYPE_CID 25

/*
 * How much of a received datagram to give Mbed TLS: all of it, less a tail after its last whole
 * record that is too short for a record header. Mbed TLS drops invalid records, and the rest of
 * the datagram with them, but after a record it skips (another epoch's, a replay) such a tail
 * makes mbedtls_ssl_read fail with MBEDTLS_ERR_SSL_INTERNAL_ERROR and the connection is lost:
 * one unauthenticated datagram from anyone who knows the address (or the CID) would end it.
 * A tail of fewer bytes than a header can hold no record, so dropping it here changes nothing
 * else. The records are walked as ssl_parse_record_header reads them; where the walk cannot go on
 * (a header or record longer than what is left), Mbed TLS drops the rest itself.
 */
static size_t whole_records(const unsigned char *d, size_t n, size_t cid_len)
{
    size_t at = 0;
    while (n - at >= MJ_DTLS_HEADER) {
        size_t header = MJ_DTLS_HEADER + (cid_len != 0 && d[at] == MJ_DTLS_TYPE_CID ? cid_len : 0);
        size_t body;
        if (n - at < header) {
            return n;
        }
        body = ((size_t) d[at + header - 2] << 8) | d[at + header - 1];
        if (n - at - header < body) {
            return n;
        }
        at += header + body;
    }
    return at;
}

/*
 * Mbed TLS's f_recv: the whole datagram at once (a datagram longer than Mbed TLS's buffer is
 * cut, and Mbed TLS then drops its records), less a tail no record fits in, then WANT_READ.
 */
static int dgram_recv(void *ctx, unsigned char *buf, size_t len)
{
    mj_ssl *s = ctx;
    struct dgram_call *c = s->call;
    size_t n;
    if (c == NULL || c->in.used == c->in.length) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    n = c->in.length - c->in.used < len ? c->in.length - c->in.used : len;
    mj_window_get(c->env, &c->in, c->in.used, buf, n);
    c->in.used = c->in.length;
    n = whole_records(buf, n, mj_io_conf_cid_len(s));
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_READ : (int) n;
}

/* The datagram bio never waits: what Mbed TLS wants is the caller's to provide (or the timer's). */
static int dgram_wait(mj_ssl *s, void *call, int want)
{
    (void) s;
    (void) call;
    return want;
}

/* The room for the next record: all of out (less the frame) if the whole datagram fits, else none. */
static size_t dgram_room(mj_ssl *s, void *call)
{
    const struct dgram_call *c = call;
    size_t left = c->out.length - c->out.used;
    (void) s;
    return left >= c->need && left >= 2 ? left - 2 : 0;
}

static const struct mj_bio datagram_bio = { dgram_wait, dgram_room, 0 };

/* With the lock held: the call's state where dgram_send and dgram_recv find it, for Mbed TLS
 * calls made here rather than through the I/O core. */
static void enter(mj_ssl *s, struct dgram_call *c)
{
    mj_ssl_lock(s);
    s->call = c;
}

static void leave(mj_ssl *s)
{
    s->call = NULL;
    mj_ssl_unlock(s);
}

/* A flush's or close_notify's result: WANT_WRITE, done, or failed (s->failure for nThrowFailure). */
static jlong finish(mj_ssl *s, int ret, const struct dgram_call *c)
{
    mj_ssl_lock(s);
    s->failure = ret;
    mj_ssl_unlock(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(MJ_DG_FAILED, 0, 0, 0, c->out.used);
    }
    return result(ret < 0 ? MJ_DG_WANT_WRITE : MJ_DG_OK, 0, 0, 0, c->out.used);
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

/*
 * mbedtls_ssl_handshake as far as the datagram in (may be empty: a timer that has passed makes
 * Mbed TLS resend its last flight) and the room in out allow.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nHandshake(JNIEnv *env, jclass cls, jlong handle,
                                                                         jobject in, jint in_off, jint in_len,
                                                                         jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct dgram_call c;
    int ret, code;
    (void) cls;
    if (open_call(env, &c, in, in_off, in_len, out, out_off, out_len) != 0) {
        return 0;
    }
    ret = mj_io_handshake(s, &datagram_bio, &c);
    mj_ssl_lock(s);
    s->failure = ret;
    mj_ssl_unlock(s);
    code = code_of(ret);
    if (code == MJ_DG_CLOSE_NOTIFY || code == MJ_DG_RECONNECT) {
        code = MJ_DG_FAILED; /* the handshake did not complete */
    }
    /* On failure the counts still matter (out holds the fatal alert Mbed TLS sent): Java takes
     * them, then nThrowFailure throws. */
    return result(code, 0, c.in.used != 0, 0, c.out.used);
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
    struct dgram_call c;
    struct mj_window wdst;
    unsigned char chunk[MBEDTLS_SSL_IN_CONTENT_LEN];
    unsigned char *to;
    size_t len;
    int ret, more = 0;
    (void) cls;
    if (open_call(env, &c, in, in_off, in_len, out, out_off, out_len) != 0 ||
        mj_window_open(env, dst, dst_off, dst_len, MJ_WINDOW_OUTPUT, &wdst) != 0) {
        return 0;
    }
    /* A direct buffer takes the plaintext in place; a byte[] through one copy from chunk. */
    to = wdst.address != NULL ? wdst.address : chunk;
    len = wdst.address != NULL || wdst.length < sizeof chunk ? wdst.length : sizeof chunk;
    if (len == 0) {
        mj_throw_argument(env, "no room for plaintext in dst");
        return 0;
    }
    ret = mj_io_read(s, &datagram_bio, &c, to, len, &more);
    if (ret == MJ_IO_END) {
        ret = MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY; /* the peer ended: DTLS has no other end than close_notify */
    }
    mj_ssl_lock(s);
    s->failure = ret;
    mj_ssl_unlock(s);
    if (ret > 0) {
        if (wdst.address == NULL) {
            mj_window_put(env, &wdst, 0, chunk, (size_t) ret);
            mbedtls_platform_zeroize(chunk, (size_t) ret);
        }
        return result(MJ_DG_OK, more, c.in.used != 0, (size_t) ret, c.out.used);
    }
    return result(code_of(ret), 0, c.in.used != 0, 0, c.out.used);
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
    struct dgram_call c;
    struct mj_window wsrc;
    unsigned char chunk[MBEDTLS_SSL_OUT_CONTENT_LEN];
    const unsigned char *from;
    int ret, max, expansion;
    (void) cls;
    if (open_call(env, &c, NULL, 0, 0, out, out_off, out_len) != 0 ||
        mj_window_open(env, src, src_off, src_len, MJ_WINDOW_INPUT, &wsrc) != 0) {
        return 0;
    }
    mj_ssl_lock(s);
    max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    expansion = mbedtls_ssl_get_record_expansion(&s->ssl);
    mj_ssl_unlock(s);
    if (max < 0 || expansion < 0) {
        mj_throw_mbedtls(env, max < 0 ? max : expansion, "mbedtls_ssl_get_max_out_record_payload", NULL);
        return 0;
    }
    if (wsrc.length > (size_t) max) {
        char message[200];
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
        mj_window_get(env, &wsrc, 0, chunk, wsrc.length);
        from = chunk;
    }
    c.need = wsrc.length + (size_t) expansion + 2; /* the whole datagram, framed, or nothing */
    ret = wsrc.length == 0 ? 0 : mj_io_write(s, &datagram_bio, &c, from, wsrc.length);
    if (from == chunk) {
        mbedtls_platform_zeroize(chunk, wsrc.length);
    }
    mj_ssl_lock(s);
    s->failure = ret;
    mj_ssl_unlock(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(MJ_DG_FAILED, 0, 0, 0, c.out.used);
    }
    return result(ret < 0 ? MJ_DG_WANT_WRITE : MJ_DG_OK, 0, ret > 0, 0, c.out.used);
}

/* Sends the datagram Mbed TLS holds back (out had no room for it before) into out. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nFlush(JNIEnv *env, jclass cls, jlong handle,
                                                                     jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct dgram_call c;
    int ret;
    (void) cls;
    if (open_call(env, &c, NULL, 0, 0, out, out_off, out_len) != 0) {
        return 0;
    }
    ret = mj_io_flush(s, &datagram_bio, &c);
    return finish(s, ret, &c);
}

/* mbedtls_ssl_close_notify into out. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_DatagramBio_nCloseNotify(JNIEnv *env, jclass cls, jlong handle,
                                                                           jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct dgram_call c;
    int ret;
    (void) cls;
    if (open_call(env, &c, NULL, 0, 0, out, out_off, out_len) != 0) {
        return 0;
    }
    ret = mj_io_close_notify(s, &datagram_bio, &c);
    if (ret == MJ_IO_ALERT_NOT_MADE) {
        ret = MBEDTLS_ERR_SSL_WANT_WRITE; /* what was pending did not go: flush, then close_notify again */
    }
    return finish(s, ret, &c);
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
    struct dgram_call c;
    unsigned char id[64];
    jsize id_len = (*env)->GetArrayLength(env, transport_id);
    int ret, code = MJ_DG_DROPPED;
    (void) cls;
    if (id_len > (jsize) sizeof id) {
        mj_throw_argument(env, "transport id longer than 64 bytes");
        return 0;
    }
    (*env)->GetByteArrayRegion(env, transport_id, 0, id_len, (jbyte *) id);
    if (open_call(env, &c, in, in_off, in_len, out, out_off, out_len) != 0) {
        return 0;
    }
    enter(s, &c);
    ret = mj_io_session_reset(s);
    if (ret == 0) {
        ret = mbedtls_ssl_set_client_transport_id(&s->ssl, id, (size_t) id_len);
    }
    while (ret == 0) {
        int state = mj_io_handshake_state(s);
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
    leave(s);
    return result(code, 0, c.in.used != 0, 0, code == MJ_DG_DROPPED ? 0 : c.out.used);
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
    ret = mj_io_session_reset(s);
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
    s->inbound = MJ_INBOUND_OPEN; /* saved or not, nothing has ended */
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
    s->inbound = MJ_INBOUND_OPEN;
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
    over = mj_io_handshake_state(s) == MBEDTLS_SSL_HANDSHAKE_OVER;
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
