/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.MemoryBio: an mbedtls_ssl_context (SslContext's, mj_ssl)
 * whose bio is the caller's buffers instead of a socket. mbedtls_ssl_set_bio(&ssl, s, mem_send,
 * mem_recv, NULL): for the duration of one call, mem_recv serves the peer's records from the
 * caller's input window and mem_send appends records to the caller's output window (struct
 * mem_call, which the I/O core keeps in s->call while it holds the lock). A direct ByteBuffer is
 * read or written in place; a byte[] (a heap buffer's array) is copied once, straight between it
 * and Mbed TLS's own record buffers. Nothing waits: no input is WANT_READ, no room is WANT_WRITE,
 * and the I/O core (ssl_io.c) does the rest, as for the socket.
 */
#include "buffer_window.h"
#include "ssl_io.h"
#include "io_github_mbedtlsjni_mbedtls_MemoryBio.h"

/* The largest plaintext copied per call between a byte[] and Mbed TLS: one record. */
#define MJ_MEM_CHUNK 16384

/* The largest window: the result has 30 bits for the first count (MemoryBio.MAX_WINDOW). */
#define MJ_MEM_MAX_WINDOW ((1 << 30) - 1)

/* One call's windows: where Mbed TLS's records come from and go to. */
struct mem_call {
    JNIEnv *env;
    struct mj_window in;
    struct mj_window out;
};

/* Mbed TLS's f_send: whole records only, so an output window never ends inside one. */
static int mem_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct mem_call *c = ((mj_ssl *) ctx)->call;
    if (c == NULL || c->out.length - c->out.used < len) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    mj_window_put(c->env, &c->out, c->out.used, buf, len);
    c->out.used += len;
    return (int) len;
}

/* Mbed TLS's f_recv: as much of what it asks for as the input window holds. */
static int mem_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct mem_call *c = ((mj_ssl *) ctx)->call;
    size_t n;
    if (c == NULL || c->in.used == c->in.length) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    n = c->in.length - c->in.used < len ? c->in.length - c->in.used : len;
    mj_window_get(c->env, &c->in, c->in.used, buf, n);
    c->in.used += n;
    return (int) n;
}

/* The memory bio never waits: what Mbed TLS wants is the caller's to provide. */
static int mem_wait(mj_ssl *s, void *call, int want)
{
    (void) s;
    (void) call;
    return want;
}

/* The room for the next record: what is left of the output window. */
static size_t mem_room(mj_ssl *s, void *call)
{
    const struct mem_call *c = call;
    (void) s;
    return c->out.length - c->out.used;
}

static const struct mj_bio memory_bio = { mem_wait, mem_room, 0 };

/* Opens a call's windows (either buffer may be NULL). 0, or -1 with an exception pending. */
static int open_call(JNIEnv *env, struct mem_call *c, jobject in, jint in_off, jint in_len, jobject out,
                     jint out_off, jint out_len)
{
    c->env = env;
    if (mj_window_open(env, in, in_off, in_len, MJ_WINDOW_INPUT, &c->in) != 0 ||
        mj_window_open(env, out, out_off, out_len, MJ_WINDOW_OUTPUT, &c->out) != 0) {
        return -1;
    }
    if (c->in.length > MJ_MEM_MAX_WINDOW) {
        c->in.length = MJ_MEM_MAX_WINDOW;
    }
    if (c->out.length > MJ_MEM_MAX_WINDOW) {
        c->out.length = MJ_MEM_MAX_WINDOW;
    }
    return 0;
}

/* Java's MemoryBio result codes (the top two bits of a result). */
enum { MJ_MEM_OK = 0, MJ_MEM_WANT_READ = 1, MJ_MEM_WANT_WRITE = 2, MJ_MEM_CLOSE_NOTIFY = 3 };

/*
 * A result for Java: the code in bits 62-63, a flag in bit 61 (what it means depends on the
 * call), the bytes taken from the first window in bits 31-60 and the bytes written to the second
 * in bits 0-30 (no window holds 2^30 bytes or more: MJ_MEM_MAX_WINDOW).
 */
static jlong result(int code, int flag, size_t consumed, size_t produced)
{
    return (jlong) (((uint64_t) code << 62) | ((uint64_t) (flag != 0) << 61) | ((uint64_t) consumed << 31) |
                    (uint64_t) produced);
}

static int code_of(int ret)
{
    return ret == MBEDTLS_ERR_SSL_WANT_READ ? MJ_MEM_WANT_READ
           : ret == MBEDTLS_ERR_SSL_WANT_WRITE ? MJ_MEM_WANT_WRITE
                                               : MJ_MEM_OK;
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nAttach(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    (void) env;
    (void) cls;
    mbedtls_ssl_set_bio(&s->ssl, s, mem_send, mem_recv, NULL);
}

/* mbedtls_ssl_handshake, steps as far as input and room allow. The flag: failed (nThrowFailure). */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nHandshake(JNIEnv *env, jclass cls, jlong handle,
                                                                      jobject in, jint in_off, jint in_len,
                                                                      jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mem_call c;
    int ret;
    (void) cls;
    if (open_call(env, &c, in, in_off, in_len, out, out_off, out_len) != 0) {
        return 0;
    }
    ret = mj_io_handshake(s, &memory_bio, &c);
    if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        /* Failed: the counts still matter (the fatal alert Mbed TLS wrote is in out), so they
         * are returned with the "failed" flag and nThrowFailure throws once Java has them. */
        mj_ssl_lock(s);
        s->failure = ret;
        mj_ssl_unlock(s);
        return result(MJ_MEM_OK, 1, c.in.used, c.out.used);
    }
    return result(code_of(ret), 0, c.in.used, c.out.used);
}

/* Throws what the last nHandshake that returned "failed" failed with. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nThrowFailure(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    int ret;
    (void) cls;
    mj_ssl_lock(s);
    ret = s->failure;
    mj_ssl_unlock(s);
    mj_ssl_throw_handshake(env, s, ret != 0 ? ret : MBEDTLS_ERR_SSL_INTERNAL_ERROR);
}

/*
 * mbedtls_ssl_read into dst: takes records from in until there is plaintext, an end or nothing
 * more to take. A TLS 1.3 NewSessionTicket is processed on the way (the session gains a ticket).
 * Output that Mbed TLS must send meanwhile (an alert) stays in its buffer: MemoryBio.flush. The
 * flag: Mbed TLS holds more plaintext (read again, into the next buffer).
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nRead(JNIEnv *env, jclass cls, jlong handle, jobject in,
                                                                 jint in_off, jint in_len, jobject dst, jint dst_off,
                                                                 jint dst_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mem_call c;
    struct mj_window to; /* not the bio's output: nothing is sent while reading (an alert waits) */
    unsigned char chunk[MJ_MEM_CHUNK];
    size_t len;
    int ret, more = 0;
    (void) cls;
    if (open_call(env, &c, in, in_off, in_len, NULL, 0, 0) != 0 ||
        mj_window_open(env, dst, dst_off, dst_len, MJ_WINDOW_OUTPUT, &to) != 0) {
        return 0;
    }
    len = to.length < MJ_MEM_MAX_WINDOW ? to.length : MJ_MEM_MAX_WINDOW;
    if (to.address == NULL && len > sizeof chunk) {
        len = sizeof chunk;
    }
    ret = mj_io_read(s, &memory_bio, &c, to.address != NULL ? to.address : chunk, len, &more);
    if (ret > 0) {
        if (to.address == NULL) {
            mj_window_put(env, &to, 0, chunk, (size_t) ret);
        }
        return result(MJ_MEM_OK, more, c.in.used, (size_t) ret);
    }
    if (ret == MJ_IO_END) {
        /* No EOF without a socket (the input window never ends the stream): close_notify. */
        return result(MJ_MEM_CLOSE_NOTIFY, 0, c.in.used, 0);
    }
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(code_of(ret), 0, c.in.used, 0);
    }
    mj_throw_mbedtls(env, ret, "mbedtls_ssl_read", NULL);
    return 0;
}

/*
 * mbedtls_ssl_write of as much of src as makes one record that fits into out (after what is
 * pending there). A record that Mbed TLS could not hand on in full stays in its buffer, its data
 * counted as taken; MemoryBio.flush sends it later.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nWrite(JNIEnv *env, jclass cls, jlong handle, jobject src,
                                                                  jint src_off, jint src_len, jobject out,
                                                                  jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mem_call c;
    struct mj_window from;
    unsigned char chunk[MJ_MEM_CHUNK];
    const unsigned char *data;
    size_t n;
    int ret;
    (void) cls;
    if (mj_window_open(env, src, src_off, src_len, MJ_WINDOW_INPUT, &from) != 0 ||
        open_call(env, &c, NULL, 0, 0, out, out_off, out_len) != 0) {
        return 0;
    }
    n = from.length < sizeof chunk ? from.length : sizeof chunk;
    if (from.address != NULL) {
        data = from.address;
    } else {
        mj_window_get(env, &from, 0, chunk, n);
        data = chunk;
    }
    ret = mj_io_write(s, &memory_bio, &c, data, n);
    if (ret > 0) {
        return result(MJ_MEM_OK, 0, (size_t) ret, c.out.used);
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return result(code_of(ret), 0, 0, c.out.used);
    }
    mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
    return 0;
}

/* Sends what is pending in Mbed TLS's output buffer into out. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nFlush(JNIEnv *env, jclass cls, jlong handle, jobject out,
                                                                  jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mem_call c;
    int ret;
    (void) cls;
    if (open_call(env, &c, NULL, 0, 0, out, out_off, out_len) != 0) {
        return 0;
    }
    ret = mj_io_flush(s, &memory_bio, &c);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE && ret != MBEDTLS_ERR_SSL_WANT_READ) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
        return 0;
    }
    return result(code_of(ret), 0, 0, c.out.used);
}

/*
 * mbedtls_ssl_close_notify into out, after what is pending. WANT_WRITE: out had no room for the
 * alert; Mbed TLS has written it to its buffer and MemoryBio.flush sends it. WANT_WRITE with the
 * flag: out had no room even for what was pending before, so the alert is not made yet.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nCloseNotify(JNIEnv *env, jclass cls, jlong handle,
                                                                        jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mem_call c;
    int ret;
    (void) cls;
    if (open_call(env, &c, NULL, 0, 0, out, out_off, out_len) != 0) {
        return 0;
    }
    ret = mj_io_close_notify(s, &memory_bio, &c);
    if (ret == MJ_IO_ALERT_NOT_MADE) {
        return result(MJ_MEM_WANT_WRITE, 1, 0, c.out.used);
    }
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_close_notify", NULL);
        return 0;
    }
    return result(code_of(ret), 0, 0, c.out.used);
}

/* The bytes Mbed TLS has made but not handed to an output buffer yet. */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nPendingOutput(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    size_t n;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    n = mj_io_pending_output(s);
    mj_ssl_unlock(s);
    return (jint) n;
}

/*
 * The sizes the Java side plans buffers with (largest record in, largest record out, largest
 * plaintext), then the Mbed TLS codes it reports (WANT_READ, WANT_WRITE, PEER_CLOSE_NOTIFY).
 */
JNIEXPORT jintArray JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nSizes(JNIEnv *env, jclass cls)
{
    /* Mbed TLS's record buffers: header + content + expansion (MBEDTLS_SSL_IN/OUT_BUFFER_LEN, which
     * ssl_misc.h keeps private); the largest record a peer may send is 5 + 2^14 + 2048 (RFC 5246). */
    jint sizes[6] = { 5 + MBEDTLS_SSL_IN_CONTENT_LEN + 2048, 5 + MBEDTLS_SSL_OUT_CONTENT_LEN + 2048,
                      MBEDTLS_SSL_IN_CONTENT_LEN, MBEDTLS_ERR_SSL_WANT_READ, MBEDTLS_ERR_SSL_WANT_WRITE,
                      MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY };
    jintArray array = (*env)->NewIntArray(env, 6);
    (void) cls;
    if (array != NULL) {
        (*env)->SetIntArrayRegion(env, array, 0, 6, sizes);
    }
    return array;
}
