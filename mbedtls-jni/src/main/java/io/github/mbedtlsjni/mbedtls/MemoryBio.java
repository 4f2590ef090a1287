package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * An {@link SslContext} over memory instead of a socket: {@code mbedtls_ssl_set_bio} with
 * callbacks that read the peer's records from, and write this side's records to, the
 * {@link ByteBuffer}s passed to each call. For event loops and engine-style APIs (the JSSE
 * provider's {@code SSLEngine} is built on it); {@link SslContext#setMemoryBio()} attaches one.
 *
 * <p>Each method is one Mbed TLS call, under the context's lock, that never waits: where Mbed
 * TLS needs more of the peer's records it returns {@link #WANT_READ}, where the output buffer
 * lacks room {@link #WANT_WRITE}. Each advances the position of its input buffer by the bytes
 * Mbed TLS took from it and of its output buffer by the bytes written to it. Mbed TLS buffers a
 * partial record itself, so input may be given in pieces of any size. Output is written in
 * whole records only: an output buffer of {@link #maxRecordOut()} bytes always has room for one.
 * A direct buffer is read and written in place; a heap buffer (with an accessible array) is
 * copied once. Reading and writing may happen in two threads at once, as on a socket; the
 * handshake runs before either, one call at a time. The calls go through the same native I/O
 * core as the socket calls of {@link SslContext}, with these buffers as the bio.
 *
 * <p>Each call reads a buffer's position and limit once; the native code checks the window it
 * is given against the buffer's real size, so a buffer another thread changes during a call (a
 * misuse: buffers are not thread-safe) gives an exception, never a read or write outside it.
 *
 * <p>Not a resource of its own: it lives and dies with its {@link SslContext}; once that is
 * closed, every call throws {@link IllegalStateException}.
 */
public final class MemoryBio {
    private static final int[] SIZES;

    static {
        NativeLibrary.ensureLoaded();
        SIZES = nSizes();
    }

    /** Mbed TLS needs more input ({@code MBEDTLS_ERR_SSL_WANT_READ}, the C side's value). */
    public static final int WANT_READ = SIZES[3];
    /** The output buffer has no room for the next record ({@code MBEDTLS_ERR_SSL_WANT_WRITE}). */
    public static final int WANT_WRITE = SIZES[4];
    /** The peer sent close_notify ({@code MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY}). */
    public static final int CLOSE_NOTIFY = SIZES[5];

    /** Windows stay below 2^30 bytes: the native result has 30 bits for the input count. */
    private static final int MAX_WINDOW = (1 << 30) - 1;

    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final Handle handle;
    private final Lifecycle lifecycle;

    private MemoryBio(SslContext ssl) {
        this.handle = ssl.handle;
        this.lifecycle = ssl.lifecycle;
    }

    /** {@code mbedtls_ssl_set_bio} with the memory callbacks, for {@link SslContext#setMemoryBio()}. */
    static MemoryBio attach(SslContext ssl, long self) {
        MemoryBio bio = new MemoryBio(ssl);
        nAttach(self);
        return bio;
    }

    /** The largest record a peer may send, in bytes: an input buffer of this size holds any one record. */
    public static int maxRecordIn() {
        return SIZES[0];
    }

    /** The largest record this side writes, in bytes: an output buffer of this size has room for any one. */
    public static int maxRecordOut() {
        return SIZES[1];
    }

    /** The largest plaintext of one record ({@code MBEDTLS_SSL_IN_CONTENT_LEN}, normally 16384). */
    public static int maxPlaintext() {
        return SIZES[2];
    }

    /**
     * {@code mbedtls_ssl_handshake}: goes as far as the input in {@code in} and the room in
     * {@code out} allow (the first call writes the ClientHello). The hostname rule of
     * {@link SslContext#handshake()} applies.
     *
     * @param in the peer's records (may be null or empty)
     * @param out where this side's records go (on failure, the fatal alert Mbed TLS sends)
     * @return 0 once the handshake is done (further calls return 0 at once), {@link #WANT_READ}
     *     or {@link #WANT_WRITE}
     * @throws CertificateVerificationException if the server's certificate was refused
     * @throws MbedTlsException on any other failure
     */
    public int handshake(ByteBuffer in, ByteBuffer out) {
        check(in, false);
        check(out, true);
        int inPos = position(in);
        int inLimit = limit(in);
        int outPos = position(out);
        int outLimit = limit(out);
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireMemory("MemoryBio.handshake", false);
            try {
                if (lifecycle.isOpen()) {
                    return 0;
                }
                lifecycle.requireHostnameRule();
                lifecycle.transitionTo(Lifecycle.State.HANDSHAKING);
                long r;
                try {
                    r = nHandshake(self, target(in), offset(in, inPos), length(in, inPos, inLimit), target(out),
                            offset(out, outPos), length(out, outPos, outLimit));
                    advance(in, inPos, consumed(r));
                    advance(out, outPos, produced(r));
                    if (flag(r)) { // failed, with the fatal alert (if any) in out
                        nThrowFailure(self);
                    }
                } catch (MbedTlsException e) {
                    throw lifecycle.closedDuring("handshake", e);
                }
                if (code(r) == 0) {
                    lifecycle.transitionTo(Lifecycle.State.OPEN);
                }
                return code(r);
            } finally {
                lifecycle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_read} into {@code dst}, taking records from {@code in} as needed
     * (TLS 1.3 NewSessionTickets are taken in on the way).
     *
     * @return the number of bytes read (&gt; 0), {@link #WANT_READ} (no application data in what
     *     was given), {@link #WANT_WRITE} (Mbed TLS has an alert to send: {@link #flush}) or
     *     {@link #CLOSE_NOTIFY} (the peer's close_notify, now and on every later read)
     */
    public int read(ByteBuffer in, ByteBuffer dst) {
        long r = readResult(in, dst);
        int produced = produced(r);
        return produced > 0 ? produced : code(r);
    }

    /**
     * {@link #read(ByteBuffer, ByteBuffer)} into several buffers, filled in order: the plaintext
     * of the records taken from {@code in} goes to {@code dsts[offset]}, what does not fit to the
     * next, and so on. Plaintext that fits into none stays with Mbed TLS for the next read. For
     * the JSSE provider's {@code unwrap} (through {@link io.github.mbedtlsjni.internal.ThinAccess}):
     * an application reads into one buffer and calls again for the rest.
     *
     * @return the number of bytes read (&gt; 0), or {@link #WANT_READ}, {@link #WANT_WRITE},
     *     {@link #CLOSE_NOTIFY} as {@link #read(ByteBuffer, ByteBuffer)}
     */
    int read(ByteBuffer in, ByteBuffer[] dsts, int offset, int length) {
        Objects.requireNonNull(dsts, "dsts");
        Objects.checkFromIndexSize(offset, length, dsts.length);
        int i = offset;
        int end = offset + length;
        while (i < end - 1 && !Objects.requireNonNull(dsts[i], "dsts[i]").hasRemaining()) {
            i++;
        }
        if (i >= end) {
            return read(in, EMPTY);
        }
        long r = readResult(in, dsts[i]);
        int total = produced(r);
        while (flag(r) && ++i < end) { // Mbed TLS holds more plaintext: the next buffer
            r = readResult(null, dsts[i]);
            total += produced(r);
        }
        return total > 0 ? total : code(r);
    }

    /** {@link #read} returning the native result (its flag: more plaintext is waiting). */
    private long readResult(ByteBuffer in, ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        check(in, false);
        check(dst, true);
        int inPos = position(in);
        int inLimit = limit(in);
        int dstPos = position(dst);
        int dstLimit = limit(dst);
        long self = lifecycle.acquireMemory("MemoryBio.read", true);
        try {
            long r = nRead(self, target(in), offset(in, inPos), length(in, inPos, inLimit), target(dst),
                    offset(dst, dstPos), length(dst, dstPos, dstLimit));
            advance(in, inPos, consumed(r));
            advance(dst, dstPos, produced(r));
            return r;
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_write} of the remaining bytes of {@code src}, as much as one record that
     * fits into {@code out} holds (what is pending goes out first).
     *
     * @return the number of bytes of {@code src} taken (&gt; 0), or {@link #WANT_WRITE} if
     *     {@code out} had no room for a record ({@link #WANT_READ} if Mbed TLS must first read
     *     something, as during a renegotiation)
     */
    public int write(ByteBuffer src, ByteBuffer out) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(out, "out");
        check(src, false);
        check(out, true);
        int srcPos = position(src);
        int srcLimit = limit(src);
        int outPos = position(out);
        int outLimit = limit(out);
        int n = length(src, srcPos, srcLimit);
        if (n == 0) {
            return 0;
        }
        long self = lifecycle.acquireMemory("MemoryBio.write", true);
        try {
            long r = nWrite(self, target(src), offset(src, srcPos), n, target(out), offset(out, outPos),
                    length(out, outPos, outLimit));
            advance(src, srcPos, consumed(r));
            advance(out, outPos, produced(r));
            return consumed(r) > 0 ? consumed(r) : code(r);
        } finally {
            lifecycle.release();
        }
    }

    /**
     * Writes to {@code out} what Mbed TLS has made but not handed on yet ({@link #pendingOutput()}),
     * e.g. an alert a read produced.
     *
     * @return 0 when nothing is pending any more, {@link #WANT_WRITE} if {@code out} had no room
     */
    public int flush(ByteBuffer out) {
        Objects.requireNonNull(out, "out");
        check(out, true);
        int outPos = position(out);
        int outLimit = limit(out);
        long self = lifecycle.acquireMemory("MemoryBio.flush", false);
        try {
            long r = nFlush(self, target(out), offset(out, outPos), length(out, outPos, outLimit));
            advance(out, outPos, produced(r));
            return code(r);
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_close_notify}: writes the close_notify alert to {@code out} (after what
     * is pending). Before the handshake is done there is nothing to end, and nothing is written;
     * after a fatal error nothing but a pending fatal alert (see {@link SslContext#closeNotify()}).
     *
     * @return 0 when the alert is written, {@link #WANT_WRITE} if {@code out} had no room (the
     *     alert then waits in Mbed TLS's buffer: {@link #flush}; or, if something else was still
     *     pending, call again)
     */
    public int closeNotify(ByteBuffer out) {
        long r = closeNotifyResult(out);
        return code(r);
    }

    /** {@link #closeNotify} returning the native result (its flag: the alert is not made yet). */
    private long closeNotifyResult(ByteBuffer out) {
        Objects.requireNonNull(out, "out");
        check(out, true);
        int outPos = position(out);
        int outLimit = limit(out);
        long self = lifecycle.acquireMemory("MemoryBio.closeNotify", false);
        try {
            long r = nCloseNotify(self, target(out), offset(out, outPos), length(out, outPos, outLimit));
            advance(out, outPos, produced(r));
            return r;
        } finally {
            lifecycle.release();
        }
    }

    /** The bytes Mbed TLS has made but not written to an output buffer yet ({@link #flush} writes them). */
    public int pendingOutput() {
        long self = lifecycle.acquireMemory("MemoryBio.pendingOutput", false);
        try {
            return nPendingOutput(self);
        } finally {
            lifecycle.release();
        }
    }

    // --- Native results -------------------------------------------------------------------------

    /** The code of a native result as one of the constants (0 for done). */
    static int code(long r) {
        switch ((int) (r >>> 62)) {
            case 1:
                return WANT_READ;
            case 2:
                return WANT_WRITE;
            case 3:
                return CLOSE_NOTIFY;
            default:
                return 0;
        }
    }

    /**
     * The flag of a native result: read, more plaintext is waiting (read again, into the next
     * buffer); handshake, it failed; close_notify, the alert is not made yet.
     */
    static boolean flag(long r) {
        return ((r >>> 61) & 1) != 0;
    }

    static int consumed(long r) {
        return (int) ((r >>> 31) & MAX_WINDOW);
    }

    static int produced(long r) {
        return (int) (r & 0x7FFFFFFF);
    }

    // --- Windows: each buffer's position and limit are read once per call ---------------------------

    private static void check(ByteBuffer b, boolean output) {
        if (b == null) {
            return;
        }
        if (output && b.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (!b.isDirect() && !b.hasArray()) {
            throw new IllegalArgumentException("a read-only heap ByteBuffer has no accessible array: use a direct buffer");
        }
    }

    private static int position(ByteBuffer b) {
        return b == null ? 0 : b.position();
    }

    private static int limit(ByteBuffer b) {
        return b == null ? 0 : b.limit();
    }

    /** The buffer as the native side takes it: the byte[] of a heap buffer, the buffer itself if direct. */
    private static Object target(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        return b.isDirect() ? b : b.array();
    }

    private static int offset(ByteBuffer b, int pos) {
        return b == null || b.isDirect() ? pos : b.arrayOffset() + pos;
    }

    /**
     * The window's length from the position and limit read: checked against the capacity here
     * (an IndexOutOfBoundsException if they were changed into nonsense meanwhile), and again
     * against the memory itself by the native side.
     */
    private static int length(ByteBuffer b, int pos, int limit) {
        if (b == null) {
            return 0;
        }
        Objects.checkFromToIndex(pos, limit, b.capacity());
        return Math.min(limit - pos, MAX_WINDOW);
    }

    private static void advance(ByteBuffer b, int from, int n) {
        if (b != null && n > 0) {
            b.position(from + n);
        }
    }

    private static native void nAttach(long ssl);

    private static native long nHandshake(long ssl, Object in, int inOff, int inLen, Object out, int outOff, int outLen);

    private static native void nThrowFailure(long ssl);

    private static native long nRead(long ssl, Object in, int inOff, int inLen, Object dst, int dstOff, int dstLen);

    private static native long nWrite(long ssl, Object src, int srcOff, int srcLen, Object out, int outOff, int outLen);

    private static native long nFlush(long ssl, Object out, int outOff, int outLen);

    private static native long nCloseNotify(long ssl, Object out, int outOff, int outLen);

    private static native int nPendingOutput(long ssl);

    private static native int[] nSizes();
}
