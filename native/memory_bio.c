/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.MemoryBio: an mbedtls_ssl_context (SslContext's, mj_ssl) whose
 * bio is memory instead of a socket. mbedtls_ssl_set_bio(&ssl, s, mem_send, mem_recv, NULL): for
 * the duration of one call, mem_recv serves the peer's records from the caller's input buffer and
 * mem_send appends records to the caller's output buffer. A direct ByteBuffer is read or written
 * in place; a byte[] (a heap buffer's array) is copied once, straight between it and Mbed TLS's
 * own record buffers. Nothing waits: no input is WANT_READ, no room is WANT_WRITE.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_MemoryBio.h"

#include <string.h>

/* The largest plaintext copied per call between a byte[] and Mbed TLS: one record. */
#define MJ_MEM_CHUNK 16384

/* One caller buffer: a direct buffer's memory, or a range of a Java byte[]. */
struct mj_window {
    unsigned char *address; /* direct: the first byte of the range; NULL for a byte[] */
    JNIEnv *env;
    jbyteArray array;
    jint offset;
    size_t length;
    size_t used; /* bytes taken (input) or written (output) so far */
};

/*
 * A window on buffer[offset .. offset+length): a direct ByteBuffer or a byte[]; NULL buffer: an
 * empty window. 0, or -1 with IllegalArgumentException pending.
 */
static int window(JNIEnv *env, jobject buffer, jint offset, jint length, struct mj_window *w)
{
    memset(w, 0, sizeof *w);
    w->env = env;
    if (buffer == NULL || length <= 0) {
        return 0;
    }
    w->length = (size_t) length;
    if ((*env)->IsInstanceOf(env, buffer, mj_jni.byte_array)) {
        w->array = (jbyteArray) buffer;
        w->offset = offset;
        return 0;
    }
    w->address = (*env)->GetDirectBufferAddress(env, buffer);
    if (w->address == NULL) {
        mj_throw_argument(env, "the ByteBuffer has no native address");
        return -1;
    }
    w->address += offset;
    return 0;
}

/* Mbed TLS's f_send: whole records only, so an output buffer never ends inside one. */
static int mem_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct mj_window *w = ((mj_ssl *) ctx)->mem_out;
    if (w == NULL || w->length - w->used < len) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (w->address != NULL) {
        memcpy(w->address + w->used, buf, len);
    } else {
        (*w->env)->SetByteArrayRegion(w->env, w->array, w->offset + (jint) w->used, (jsize) len, (const jbyte *) buf);
    }
    w->used += len;
    return (int) len;
}

/* Mbed TLS's f_recv: as much of what it asks for as the input buffer holds. */
static int mem_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct mj_window *w = ((mj_ssl *) ctx)->mem_in;
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
    w->used += n;
    return (int) n;
}

/* Java's MemoryBio result codes (the top two bits of a result). */
enum { MJ_MEM_OK = 0, MJ_MEM_WANT_READ = 1, MJ_MEM_WANT_WRITE = 2, MJ_MEM_CLOSE_NOTIFY = 3 };

/*
 * A result for Java: the code in bits 62-63, "more plaintext is waiting" in bit 61, the bytes
 * taken from the first buffer in bits 31-60 and the bytes written to the second in bits 0-30 (the
 * Java side gives no window of 2^30 bytes or more).
 */
static jlong result(int code, int more, size_t consumed, size_t produced)
{
    return (jlong) (((uint64_t) code << 62) | ((uint64_t) (more != 0) << 61) | ((uint64_t) consumed << 31) |
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

/* mbedtls_ssl_handshake, steps as far as input and room allow. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nHandshake(JNIEnv *env, jclass cls, jlong handle,
                                                                      jobject in, jint in_off, jint in_len,
                                                                      jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window win, wout;
    int ret;
    (void) cls;
    if (window(env, in, in_off, in_len, &win) != 0 || window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    mj_ssl_lock(s);
    s->mem_in = &win;
    s->mem_out = &wout;
    do {
        ret = mbedtls_ssl_handshake(&s->ssl);
    } while (mj_ssl_input_pending(s, ret));
    s->mem_in = NULL;
    s->mem_out = NULL;
    if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        /* Failed: the counts still matter (the fatal alert Mbed TLS wrote is in out), so they
         * are returned with the "failed" bit and nThrowFailure throws once Java has them. */
        s->failure = ret;
        mj_ssl_unlock(s);
        return result(MJ_MEM_OK, 1, win.used, wout.used);
    }
    mj_ssl_unlock(s);
    return result(code_of(ret), 0, win.used, wout.used);
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
 * Output that Mbed TLS must send meanwhile (an alert) stays in its buffer: MemoryBio.flush.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nRead(JNIEnv *env, jclass cls, jlong handle, jobject in,
                                                                 jint in_off, jint in_len, jobject dst, jint dst_off,
                                                                 jint dst_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window win, wdst;
    unsigned char chunk[MJ_MEM_CHUNK];
    unsigned char *to;
    size_t len;
    int ret, more, code;
    (void) cls;
    if (window(env, in, in_off, in_len, &win) != 0 || window(env, dst, dst_off, dst_len, &wdst) != 0) {
        return 0;
    }
    to = wdst.address != NULL ? wdst.address : chunk;
    len = wdst.address != NULL || wdst.length < sizeof chunk ? wdst.length : sizeof chunk;
    mj_ssl_lock(s);
    s->mem_in = &win;
    do {
        ret = mbedtls_ssl_read(&s->ssl, to, len);
    } while (mj_ssl_input_pending(s, ret) || ret == MJ_ERR_NEW_SESSION_TICKET);
    more = ret > 0 && mbedtls_ssl_check_pending(&s->ssl);
    s->mem_in = NULL;
    mj_ssl_unlock(s);
    if (ret > 0) {
        if (wdst.address == NULL) {
            (*env)->SetByteArrayRegion(env, wdst.array, wdst.offset, ret, (const jbyte *) chunk);
        }
        return result(MJ_MEM_OK, more, win.used, (size_t) ret);
    }
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        code = MJ_MEM_CLOSE_NOTIFY;
    } else if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE || (ret == 0 && len == 0)) {
        code = code_of(ret);
    } else {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_read", NULL);
        return 0;
    }
    return result(code, 0, win.used, 0);
}

/*
 * mbedtls_ssl_write of as much of src as makes one record that fits into out (after what is
 * pending there: mj_ssl_flush_pending). A record that Mbed TLS could not hand on in full stays in
 * its buffer, its data counted as taken; MemoryBio.flush sends it later.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nWrite(JNIEnv *env, jclass cls, jlong handle, jobject src,
                                                                  jint src_off, jint src_len, jobject out,
                                                                  jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window wsrc, wout;
    unsigned char chunk[MJ_MEM_CHUNK];
    const unsigned char *from;
    int ret, max, expansion;
    size_t n;
    (void) cls;
    if (window(env, src, src_off, src_len, &wsrc) != 0 || window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    mj_ssl_lock(s);
    s->mem_out = &wout;
    ret = mj_ssl_flush_pending(s);
    if (ret != 0) {
        goto done;
    }
    max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    expansion = mbedtls_ssl_get_record_expansion(&s->ssl);
    if (max < 0 || expansion < 0) {
        ret = max < 0 ? max : expansion;
        goto done;
    }
    n = wsrc.length < (size_t) max ? wsrc.length : (size_t) max;
    n = n < sizeof chunk ? n : sizeof chunk;
    if (wout.length - wout.used <= (size_t) expansion) {
        ret = MBEDTLS_ERR_SSL_WANT_WRITE; /* not even one byte would fit */
        goto done;
    }
    if (n > wout.length - wout.used - (size_t) expansion) {
        n = wout.length - wout.used - (size_t) expansion;
    }
    if (wsrc.address != NULL) {
        from = wsrc.address;
    } else {
        (*env)->GetByteArrayRegion(env, wsrc.array, wsrc.offset, (jsize) n, (jbyte *) chunk);
        from = chunk;
    }
    ret = mbedtls_ssl_write(&s->ssl, from, n);
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        ret = (int) n; /* the record is made, Mbed TLS sends it on the next flush */
    }
    if (ret > 0) {
        wsrc.used = (size_t) ret;
    }
done:
    s->mem_out = NULL;
    mj_ssl_unlock(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
        return 0;
    }
    return result(ret < 0 ? MJ_MEM_WANT_WRITE : MJ_MEM_OK, 0, wsrc.used, wout.used);
}

/* Sends what is pending in Mbed TLS's output buffer into out. */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nFlush(JNIEnv *env, jclass cls, jlong handle, jobject out,
                                                                  jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window wout;
    int ret;
    (void) cls;
    if (window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    mj_ssl_lock(s);
    s->mem_out = &wout;
    do {
        ret = mj_ssl_flush_pending(s);
    } while (ret == MJ_ERR_NEW_SESSION_TICKET);
    s->mem_out = NULL;
    mj_ssl_unlock(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_write", NULL);
        return 0;
    }
    return result(code_of(ret), 0, 0, wout.used);
}

/*
 * mbedtls_ssl_close_notify into out, after what is pending. WANT_WRITE: out had no room for the
 * alert; Mbed TLS has written it to its buffer and MemoryBio.flush sends it.
 */
JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nCloseNotify(JNIEnv *env, jclass cls, jlong handle,
                                                                        jobject out, jint out_off, jint out_len)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    struct mj_window wout;
    int ret;
    (void) cls;
    if (window(env, out, out_off, out_len, &wout) != 0) {
        return 0;
    }
    mj_ssl_lock(s);
    s->mem_out = &wout;
    ret = mj_ssl_flush_pending(s);
    if (ret == 0) {
        ret = mbedtls_ssl_close_notify(&s->ssl);
    } else if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        /* Room for neither: queue the alert behind what is pending (Mbed TLS would flush instead). */
        ret = MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    s->mem_out = NULL;
    mj_ssl_unlock(s);
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        if (ret == MBEDTLS_ERR_SSL_INTERNAL_ERROR) {
            return result(MJ_MEM_WANT_WRITE, 1, 0, wout.used); /* "more": the alert is not written yet */
        }
        mj_throw_mbedtls(env, ret, "mbedtls_ssl_close_notify", NULL);
        return 0;
    }
    return result(code_of(ret), 0, 0, wout.used);
}

/* The bytes Mbed TLS has made but not handed to an output buffer yet. */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_MemoryBio_nPendingOutput(JNIEnv *env, jclass cls, jlong handle)
{
    mj_ssl *s = MJ_PTR(mj_ssl, handle);
    size_t n;
    (void) env;
    (void) cls;
    mj_ssl_lock(s);
    n = s->ssl.MBEDTLS_PRIVATE(out_left);
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
