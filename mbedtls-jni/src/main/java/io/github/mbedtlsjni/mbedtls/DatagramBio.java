package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * An {@link SslContext} speaking DTLS over datagrams held in memory: {@code mbedtls_ssl_set_bio}
 * with callbacks that hand Mbed TLS one received datagram at a time and collect the datagrams it
 * sends, and {@code mbedtls_ssl_set_timer_cb} with a timer kept in the context itself, so that
 * no thread waits for it. {@link SslContext#setDatagramBio()} attaches one. It also holds DTLS's
 * per-connection steps: {@code mbedtls_ssl_set_mtu}, {@code mbedtls_ssl_set_cid},
 * {@code mbedtls_ssl_get_peer_cid}/{@code _own_cid}, {@code mbedtls_ssl_set_client_transport_id},
 * {@code mbedtls_ssl_session_reset} and {@code mbedtls_ssl_context_save}/{@code _load}.
 *
 * <p><b>Datagrams.</b> Every input is one whole datagram as received (a {@link ByteBuffer}'s
 * remaining bytes; null or empty for none), taken whole: its position moves to its limit. Every
 * output buffer receives the datagrams Mbed TLS sends, each <em>framed</em> as a 2-byte
 * big-endian length followed by that many bytes, one after another; the caller sends each one
 * as a datagram of its own ({@link #nextFrame}), so records are never merged across datagrams,
 * and Mbed TLS keeps each within the MTU ({@link #setMtu}). An output buffer with too little
 * room for the next datagram gives {@link #WANT_WRITE}: send what it holds, then {@link #flush}.
 *
 * <p><b>The timer.</b> After each call, {@link #timeoutMillis()} says how long until Mbed TLS
 * wants to be called again without input (a handshake flight to retransmit, or the handshake to
 * give up: {@code mbedtls_ssl_conf_handshake_timeout}); an event loop schedules that itself and
 * calls {@link #handshake} with no input when it is due. Thousands of connections need one
 * scheduler, not a thread or a timer each.
 *
 * <p>Each method is one Mbed TLS call under the context's lock that never waits. One thread at
 * a time drives a connection; {@link SslContext#close()} may come from any thread. The hot
 * calls ({@link #read}, {@link #write}, {@link #timeoutMillis}) allocate nothing on the Java heap;
 * a direct buffer is read and written in place, a heap buffer copied once.
 *
 * <p>Not a resource of its own: it lives and dies with its {@link SslContext}.
 */
public final class DatagramBio {
    private static final int[] SIZES;

    static {
        NativeLibrary.ensureLoaded();
        SIZES = nSizes();
    }

    /** Done: the handshake is complete, or the call did what it was asked. */
    public static final int OK = 0;
    /** Mbed TLS needs the peer's next datagram, or the timer ({@link #timeoutMillis()}). */
    public static final int WANT_READ = -1;
    /** The output buffer has no room for the next datagram: send its datagrams, then {@link #flush}. */
    public static final int WANT_WRITE = -2;
    /** The peer sent close_notify. */
    public static final int CLOSE_NOTIFY = -3;
    /**
     * Server: the ClientHello had no valid cookie; the output holds a HelloVerifyRequest to send,
     * and the context must start over ({@link #checkClientHello} does that itself).
     */
    public static final int HELLO_VERIFY = -4;
    /** Server: a ClientHello with a valid cookie was taken in; {@link #handshake} continues it. */
    public static final int ACCEPTED = -5;
    /** Server: the datagram was no ClientHello to answer (garbage, another record): dropped. */
    public static final int DROPPED = -6;
    /**
     * Server: the client started a new handshake from the same address
     * ({@code MBEDTLS_ERR_SSL_CLIENT_RECONNECT}); the context was reset, and {@link #handshake}
     * (with no input) continues that new handshake.
     */
    public static final int RECONNECT = -7;

    /** Mbed TLS's {@code MBEDTLS_ERR_SSL_TIMEOUT}: the handshake gave up after its last retransmission. */
    public static final int MBEDTLS_ERR_SSL_TIMEOUT = SIZES[2];

    /** Bits of a native result (datagram_bio.c). */
    private static final int CODE_SHIFT = 58;
    private static final long MORE_BIT = 1L << 57;
    private static final long TOOK_BIT = 1L << 56;
    private static final int MAX_WINDOW = (1 << 26) - 1;
    private static final int[] CODES = {OK, WANT_READ, WANT_WRITE, CLOSE_NOTIFY, HELLO_VERIFY, 0, ACCEPTED, DROPPED,
        RECONNECT};
    private static final int FAILED = 5;

    private final SslContext ssl;
    private final Lifecycle lifecycle;
    private boolean morePlaintext; // the last read left plaintext of its datagram with Mbed TLS

    private DatagramBio(SslContext ssl) {
        this.ssl = ssl;
        this.lifecycle = ssl.lifecycle;
    }

    /** {@code mbedtls_ssl_set_bio} with the datagram callbacks and the timer, for {@link SslContext#setDatagramBio()}. */
    static DatagramBio attach(SslContext ssl, long self) {
        DatagramBio bio = new DatagramBio(ssl);
        nAttach(self);
        return bio;
    }

    /** The largest datagram Mbed TLS reads whole; an input buffer of this size holds any one. */
    public static int maxDatagramIn() {
        return SIZES[0];
    }

    /** The largest plaintext of one record ({@code MBEDTLS_SSL_IN_CONTENT_LEN}). */
    public static int maxPlaintext() {
        return SIZES[1];
    }

    /**
     * An output buffer size that always has room for the largest datagram this side sends
     * (framed): {@code MBEDTLS_SSL_OUT_CONTENT_LEN} plus record overhead.
     */
    public static int minOutputBuffer() {
        return SIZES[3] + 2048 + 2 + 64;
    }

    // --- The connection --------------------------------------------------------------------------

    /**
     * {@code mbedtls_ssl_handshake}, as far as the datagram {@code in} (null or empty: none) and
     * the room in {@code out} allow. The first client call writes the ClientHello; a call with no
     * input once {@link #timeoutMillis()} is 0 makes Mbed TLS retransmit its last flight, or,
     * past the handshake timeout's maximum, fail with {@code MBEDTLS_ERR_SSL_TIMEOUT}. The
     * hostname rule of {@link SslContext#handshake()} applies to clients.
     *
     * @return {@link #OK} once done (later calls return {@link #OK} at once), {@link #WANT_READ},
     *     {@link #WANT_WRITE} or, on a server without {@link #checkClientHello},
     *     {@link #HELLO_VERIFY}
     * @throws CertificateVerificationException if the peer's certificate was refused
     * @throws MbedTlsException on any other failure (the fatal alert, if any, is in {@code out})
     */
    public int handshake(ByteBuffer in, ByteBuffer out) {
        int outPos = outputPosition(out);
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireDatagram("DatagramBio.handshake", false);
            try {
                if (lifecycle.isOpen()) {
                    return OK;
                }
                lifecycle.requireHostnameRule();
                lifecycle.transitionTo(Lifecycle.State.HANDSHAKING);
                long r;
                try {
                    r = nHandshake(self, array(in), offset(in), window(in), array(out), offset(out), window(out));
                    advance(in, out, outPos, r);
                    if (rawCode(r) == FAILED) { // with the fatal alert (if any) in out
                        nThrowFailure(self, null);
                    }
                } catch (MbedTlsException e) {
                    throw lifecycle.closedDuring("handshake", e);
                }
                if (code(r) == OK) {
                    lifecycle.transitionTo(Lifecycle.State.OPEN);
                }
                return code(r);
            } finally {
                lifecycle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_read} of one record's plaintext into {@code dst}, taking the datagram
     * {@code in} (a datagram of several records: call again with no input while
     * {@link #hasPendingPlaintext()}). Records the peer repeats, replays and records for another
     * connection are dropped by Mbed TLS. What Mbed TLS sends meanwhile goes to {@code out}: its
     * last handshake flight again when the peer's retransmission shows that flight was lost, or
     * a HelloVerifyRequest for a client that starts over from the same address.
     *
     * @return the number of plaintext bytes (0 for an empty record), or {@link #WANT_READ} (no
     *     application data in the datagram), {@link #WANT_WRITE}, {@link #CLOSE_NOTIFY} or
     *     {@link #RECONNECT}
     * @throws MbedTlsException on a fatal error (a fatal alert received or sent)
     * @throws IllegalStateException before the handshake is done, or if closed
     */
    public int read(ByteBuffer in, ByteBuffer dst, ByteBuffer out) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int dstPos = dst.position();
        int outPos = outputPosition(out);
        long self = lifecycle.acquireDatagram("DatagramBio.read", true);
        try {
            long r = nRead(self, array(in), offset(in), window(in), array(dst), offset(dst), window(dst), array(out),
                    offset(out), window(out));
            advance(in, out, outPos, r);
            int plaintext = plaintext(r);
            if (plaintext > 0) {
                dst.position(dstPos + plaintext);
            }
            morePlaintext = (r & MORE_BIT) != 0;
            int code = rawCode(r);
            if (code == FAILED) {
                nThrowFailure(self, "mbedtls_ssl_read");
            }
            if (code == 8) { // RECONNECT: Mbed TLS reset the session and keeps the ClientHello
                lifecycle.transitionTo(Lifecycle.State.HANDSHAKING);
            }
            return code == 0 ? plaintext : CODES[code];
        } finally {
            lifecycle.release();
        }
    }

    /** True if the last {@link #read} left more plaintext of its datagram with Mbed TLS. */
    public boolean hasPendingPlaintext() {
        return morePlaintext;
    }

    /**
     * {@code mbedtls_ssl_write} of all remaining bytes of {@code src} as one record in one
     * datagram into {@code out} (after the datagram Mbed TLS may still hold back). DTLS sends each
     * application datagram whole: {@code src} must fit into one record ({@link #maxPayload()}).
     *
     * @return the number of bytes taken from {@code src} (all), or {@link #WANT_WRITE} if
     *     {@code out} had no room (nothing was taken)
     * @throws IllegalArgumentException if {@code src} holds more than {@link #maxPayload()} bytes
     * @throws MbedTlsException on a fatal error
     */
    public int write(ByteBuffer src, ByteBuffer out) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(out, "out");
        if (!src.isDirect() && !src.hasArray()) {
            throw new IllegalArgumentException("a read-only heap ByteBuffer has no accessible array: use a direct buffer");
        }
        int srcPos = src.position();
        int outPos = outputPosition(out);
        int len = window(src);
        long self = lifecycle.acquireDatagram("DatagramBio.write", true);
        try {
            long r = nWrite(self, array(src), offset(src), len, array(out), offset(out), window(out));
            advanceOut(out, outPos, r);
            int code = rawCode(r);
            if (code == FAILED) {
                nThrowFailure(self, "mbedtls_ssl_write");
            }
            if ((r & TOOK_BIT) != 0) {
                src.position(srcPos + len);
                return len;
            }
            return code == 0 ? 0 : CODES[code];
        } finally {
            lifecycle.release();
        }
    }

    /**
     * Writes to {@code out} the datagram Mbed TLS held back when an output buffer had no room.
     *
     * @return {@link #OK} when nothing is held back any more, {@link #WANT_WRITE} if {@code out}
     *     had no room either
     */
    public int flush(ByteBuffer out) {
        Objects.requireNonNull(out, "out");
        int outPos = outputPosition(out);
        long self = lifecycle.acquireDatagram("DatagramBio.flush", false);
        try {
            long r = nFlush(self, array(out), offset(out), window(out));
            advanceOut(out, outPos, r);
            if (rawCode(r) == FAILED) {
                nThrowFailure(self, "mbedtls_ssl_flush_output");
            }
            return CODES[rawCode(r)];
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_close_notify}: writes the close_notify alert to {@code out}. Before the
     * handshake is done nothing is written.
     *
     * @return {@link #OK}, or {@link #WANT_WRITE} if {@code out} had no room ({@link #flush} then)
     */
    public int closeNotify(ByteBuffer out) {
        Objects.requireNonNull(out, "out");
        int outPos = outputPosition(out);
        long self = lifecycle.acquireDatagram("DatagramBio.closeNotify", false);
        try {
            long r = nCloseNotify(self, array(out), offset(out), window(out));
            advanceOut(out, outPos, r);
            if (rawCode(r) == FAILED) {
                nThrowFailure(self, "mbedtls_ssl_close_notify");
            }
            return CODES[rawCode(r)];
        } finally {
            lifecycle.release();
        }
    }

    /**
     * How long until Mbed TLS wants to be called without input (the retransmission timer of
     * {@code mbedtls_ssl_set_timer_cb}, read from the context): milliseconds, 0 if due now, or -1
     * if no timer runs (established, or waiting for nothing).
     */
    public long timeoutMillis() {
        long self = lifecycle.acquireDatagram("DatagramBio.timeoutMillis", false);
        try {
            return nTimeout(self);
        } finally {
            lifecycle.release();
        }
    }

    /** True once the handshake is over ({@code MBEDTLS_SSL_HANDSHAKE_OVER}), e.g. after {@link #load}. */
    public boolean isEstablished() {
        long self = lifecycle.acquireDatagram("DatagramBio.isEstablished", false);
        try {
            return nEstablished(self);
        } finally {
            lifecycle.release();
        }
    }

    // --- Server: cookies before state ----------------------------------------------------------

    /**
     * A DTLS server's first look at a datagram from a client it has no connection for, on a
     * context kept for that: {@code mbedtls_ssl_session_reset},
     * {@code mbedtls_ssl_set_client_transport_id(transportId)} (the client's address, which the
     * cookie binds), then {@code mbedtls_ssl_handshake_step} until the ClientHello is parsed and
     * answered. Keeps nothing for a client that has no valid cookie yet: with {@link #HELLO_VERIFY}
     * the context is free for the next client as it is.
     *
     * @return {@link #HELLO_VERIFY} (the HelloVerifyRequest is in {@code out}: send it),
     *     {@link #ACCEPTED} (a valid cookie: this context is now that client's connection, and
     *     {@link #handshake} with no input continues it) or {@link #DROPPED} (not a ClientHello:
     *     nothing to send)
     * @throws IllegalStateException unless the config is a DTLS server's
     */
    public int checkClientHello(byte[] transportId, ByteBuffer in, ByteBuffer out) {
        Objects.requireNonNull(transportId, "transportId");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        requireServer("checkClientHello");
        int outPos = outputPosition(out);
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireDatagram("DatagramBio.checkClientHello", false);
            try {
                long r = nCheckHello(self, transportId, array(in), offset(in), window(in), array(out), offset(out),
                        window(out));
                advance(in, out, outPos, r);
                int code = CODES[rawCode(r)];
                lifecycle.transitionTo(code == ACCEPTED ? Lifecycle.State.HANDSHAKING : Lifecycle.State.CONFIGURED);
                return code;
            } finally {
                lifecycle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_session_reset}: the context starts over for a new connection, keeping its
     * config, bio and timer.
     */
    public void sessionReset() {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireDatagram("DatagramBio.sessionReset", false);
            try {
                nSessionReset(self);
                lifecycle.transitionTo(Lifecycle.State.CONFIGURED);
            } finally {
                lifecycle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_set_client_transport_id}: the client's address as the server's cookie
     * binds it (any bytes that identify the address, e.g. IP and port). For a server that runs
     * {@link #handshake} itself instead of {@link #checkClientHello}.
     */
    public void setClientTransportId(byte[] transportId) {
        Objects.requireNonNull(transportId, "transportId");
        requireServer("setClientTransportId");
        long self = lifecycle.acquireDatagramConfigurable("DatagramBio.setClientTransportId");
        try {
            nSetClientTransportId(self, transportId);
        } finally {
            lifecycle.release();
        }
    }

    // --- Per-connection settings -----------------------------------------------------------------

    /**
     * {@code mbedtls_ssl_set_mtu}: the largest datagram this side sends (0: no limit but Mbed
     * TLS's buffers). Handshake messages larger than that are fragmented; application data must
     * fit ({@link #maxPayload()}).
     */
    public void setMtu(int mtu) {
        if (mtu < 0 || mtu > 65535) {
            throw new IllegalArgumentException("MTU " + mtu + " is not 0..65535");
        }
        long self = lifecycle.acquireDatagram("DatagramBio.setMtu", false);
        try {
            nSetMtu(self, mtu);
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_get_max_out_record_payload}: the most application data one datagram of
     * this connection carries (the MTU minus the record's expansion).
     */
    public int maxPayload() {
        long self = lifecycle.acquireDatagram("DatagramBio.maxPayload", false);
        try {
            return nMaxPayload(self);
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_set_cid}: negotiate the Connection ID extension (RFC 9146) in the coming
     * handshake, asking the peer to put {@code ownCid} into the records it sends here (its length
     * must be the config's, {@link SslConfig#setCid}). After the handshake, {@link #peerCid()} and
     * {@link #ownCid()} say what was agreed: the peer may decline.
     *
     * @throws IllegalStateException if this Mbed TLS has no RFC 9146 CID (2.28: the message
     *     names the version), or the handshake has started
     */
    public void setCid(byte[] ownCid) {
        Objects.requireNonNull(ownCid, "ownCid");
        if (SslConfig.maxCidLength() < 0) {
            throw new IllegalStateException(SslConfig.cidUnavailable());
        }
        int length = ssl.config().cidLength();
        if (length < 0) {
            throw new IllegalStateException("DatagramBio.setCid() without a CID length: call config.setCid(length, true) "
                    + "before sslContext.setup(config)");
        }
        if (ownCid.length != length) {
            throw new IllegalArgumentException("CID of " + ownCid.length + " bytes; the config's CID length is " + length);
        }
        long self = lifecycle.acquireDatagramConfigurable("DatagramBio.setCid");
        try {
            nSetCid(self, true, ownCid);
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_get_peer_cid}: the CID this side puts into the records it sends (the
     * peer chose it), or null if the handshake agreed on none. Empty: the peer asked for none.
     */
    public byte[] peerCid() {
        long self = lifecycle.acquireDatagram("DatagramBio.peerCid", true);
        try {
            return nCid(self, true);
        } finally {
            lifecycle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_get_own_cid}: the CID the peer puts into the records it sends here (this
     * side chose it with {@link #setCid}), or null if the handshake agreed on none.
     */
    public byte[] ownCid() {
        long self = lifecycle.acquireDatagram("DatagramBio.ownCid", true);
        try {
            return nCid(self, false);
        } finally {
            lifecycle.release();
        }
    }

    // --- Saving ----------------------------------------------------------------------------------

    /**
     * {@code mbedtls_ssl_context_save}: the established connection as bytes (keys, sequence
     * numbers, CIDs: keep them secret), for {@link #load} into a new context later, e.g. to free
     * the native memory of an idle connection. Mbed TLS then resets this context: the connection
     * lives on only in the bytes, which must be loaded at most once.
     *
     * @throws MbedTlsException if the connection cannot be saved now: Mbed TLS saves only an
     *     established DTLS 1.2 connection with an AEAD suite, with nothing pending in or out and
     *     the handshake's last flight acknowledged (the side that sent it must first have read
     *     the peer's data)
     */
    public byte[] save() {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireDatagram("DatagramBio.save", true);
            try {
                byte[] state = nSave(self);
                lifecycle.transitionTo(Lifecycle.State.CONFIGURED); // Mbed TLS reset the context
                return state;
            } finally {
                lifecycle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_context_load}: brings a connection saved with {@link #save} back into
     * this context, which must be freshly set up with a config like the one it was saved from
     * (the same suites, CID length and endpoint) and have had no handshake. The connection is
     * then established: {@link #read} and {@link #write} at once.
     *
     * @throws MbedTlsException if Mbed TLS refuses the bytes. Mbed TLS frees the context when
     *     a load fails, so every later call on it (and on its {@link SslContext}) is refused:
     *     close it and set up a new one
     */
    public void load(byte[] state) {
        Objects.requireNonNull(state, "state");
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireDatagramConfigurable("DatagramBio.load");
            try {
                try {
                    nLoad(self, state);
                } catch (MbedTlsException e) {
                    lifecycle.transitionTo(Lifecycle.State.FREED_BY_LOAD);
                    throw e;
                }
                lifecycle.transitionTo(Lifecycle.State.OPEN);
            } finally {
                lifecycle.release();
            }
        }
    }

    // --- Framing ---------------------------------------------------------------------------------

    /**
     * For walking an output buffer: the length of the datagram framed at {@code framed}'s
     * position (the 2-byte header), or -1 if no whole frame remains. The datagram's bytes follow
     * the header.
     */
    public static int nextFrame(ByteBuffer framed) {
        int pos = framed.position();
        if (framed.limit() - pos < 2) {
            return -1;
        }
        int len = ((framed.get(pos) & 0xFF) << 8) | (framed.get(pos + 1) & 0xFF);
        return framed.limit() - pos - 2 < len ? -1 : len;
    }

    // --- Plumbing ----------------------------------------------------------------------------------

    /** The public code of a native result. */
    static int code(long r) {
        return CODES[rawCode(r)];
    }

    private static int rawCode(long r) {
        return (int) (r >>> CODE_SHIFT);
    }

    private static int plaintext(long r) {
        return (int) ((r >>> 28) & ((1 << 28) - 1));
    }

    private static int produced(long r) {
        return (int) (r & ((1 << 28) - 1));
    }

    private void requireServer(String step) {
        if (ssl.config() == null || ssl.config().endpoint() != SslConfig.Endpoint.SERVER) {
            throw new IllegalStateException("DatagramBio." + step + "() is for DTLS servers");
        }
    }

    private static void advance(ByteBuffer in, ByteBuffer out, int outPos, long r) {
        if (in != null && (r & TOOK_BIT) != 0) {
            in.position(in.limit());
        }
        advanceOut(out, outPos, r);
    }

    private static void advanceOut(ByteBuffer out, int outPos, long r) {
        int n = produced(r);
        if (out != null && n > 0) {
            out.position(outPos + n);
        }
    }

    private static int outputPosition(ByteBuffer b) {
        if (b == null) {
            return 0;
        }
        if (b.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (!b.isDirect() && !b.hasArray()) {
            throw new IllegalArgumentException("a heap ByteBuffer without an accessible array: use a direct buffer");
        }
        return b.position();
    }

    private static Object array(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        if (!b.isDirect() && !b.hasArray()) {
            throw new IllegalArgumentException("a read-only heap ByteBuffer has no accessible array: use a direct buffer");
        }
        return b.isDirect() ? b : b.array();
    }

    private static int offset(ByteBuffer b) {
        if (b == null) {
            return 0;
        }
        return b.isDirect() ? b.position() : b.arrayOffset() + b.position();
    }

    /** The remaining bytes, checked against the capacity (the native side checks again). */
    private static int window(ByteBuffer b) {
        if (b == null) {
            return 0;
        }
        int pos = b.position();
        int limit = b.limit();
        Objects.checkFromToIndex(pos, limit, b.capacity());
        return Math.min(limit - pos, MAX_WINDOW);
    }

    static native void nAttach(long ssl);

    private static native long nHandshake(long ssl, Object in, int inOff, int inLen, Object out, int outOff, int outLen);

    private static native void nThrowFailure(long ssl, String function);

    private static native long nRead(long ssl, Object in, int inOff, int inLen, Object dst, int dstOff, int dstLen,
            Object out, int outOff, int outLen);

    private static native long nWrite(long ssl, Object src, int srcOff, int srcLen, Object out, int outOff, int outLen);

    private static native long nFlush(long ssl, Object out, int outOff, int outLen);

    private static native long nCloseNotify(long ssl, Object out, int outOff, int outLen);

    private static native long nTimeout(long ssl);

    private static native boolean nEstablished(long ssl);

    private static native long nCheckHello(long ssl, byte[] transportId, Object in, int inOff, int inLen, Object out,
            int outOff, int outLen);

    private static native void nSessionReset(long ssl);

    private static native void nSetClientTransportId(long ssl, byte[] id);

    private static native void nSetMtu(long ssl, int mtu);

    private static native int nMaxPayload(long ssl);

    private static native void nSetCid(long ssl, boolean enable, byte[] cid);

    private static native byte[] nCid(long ssl, boolean peer);

    private static native byte[] nSave(long ssl);

    private static native void nLoad(long ssl, byte[] state);

    private static native int[] nSizes();
}
