package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One DTLS connection driven by its caller, datagram by datagram, without any thread or socket
 * of its own: for event loops (a {@link java.nio.channels.Selector}, Netty's
 * {@code DatagramChannel}) that serve many connections with one thread.
 *
 * <ul>
 *   <li>{@link #receive} takes one datagram as received and returns its application data, if
 *       any; whatever the connection must send meanwhile (handshake flights, retransmissions,
 *       alerts) goes to the {@link Sender}, one call per datagram.
 *   <li>{@link #send} sends application data as one record in one datagram.
 *   <li>{@link #timeoutMillis()} says when the connection wants {@link #handleTimeout()} to be
 *       called (a flight to retransmit, or the handshake to give up); the event loop schedules
 *       that with its own timer.
 * </ul>
 *
 * <p>Built on the thin classes: an {@link SslContext} with its {@link DatagramBio} (the datagram
 * bio and the timer of {@code mbedtls_ssl_set_timer_cb}). {@link DtlsConnection} (the client) and
 * {@link DtlsServer} run on it. Engines come from {@link DtlsClient#newEngine}; the engine owns its
 * context and frees it on {@link #close()}.
 *
 * <p><b>Not thread-safe:</b> one thread at a time (the event loop's) drives an engine;
 * {@link #close()} may come from any thread. In steady state (an established connection) neither
 * {@link #receive} nor {@link #send} allocates on the Java heap: the datagrams go to the sender
 * as a window of one direct buffer the engine owns, valid during the call.
 */
public final class DtlsEngine implements AutoCloseable {
    /** Where an engine's datagrams go: called once per datagram to send. */
    public interface Sender {
        /**
         * Sends the remaining bytes of {@code datagram} as one datagram. The buffer belongs to the
         * engine and is valid only during the call (a Netty handler copies it into a ByteBuf).
         */
        void send(ByteBuffer datagram) throws IOException;
    }

    /** {@link #receive}: the datagram carried no application data. */
    public static final int NO_DATA = -1;
    /** {@link #receive}: the peer closed the connection (close_notify); nothing more will come. */
    public static final int CLOSED = -2;

    /**
     * The output buffer of each thread, for the engines that share one (see the constructor):
     * the output is empty between calls, so the engines a thread drives can all use it.
     */
    private static final ThreadLocal<ByteBuffer> SHARED_OUTPUT =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(DatagramBio.minOutputBuffer()));

    private final SslContext ssl;
    private final DatagramBio bio;
    private final Sender sender;
    private final ByteBuffer ownOutput; // null: the calling thread's SHARED_OUTPUT
    private final String peer;
    private boolean established;
    private boolean peerClosed;

    /**
     * An engine on {@code ssl}. With {@code sharedOutput} its datagrams are framed in the calling
     * thread's buffer instead of one of its own (a direct buffer of
     * {@link DatagramBio#minOutputBuffer()} bytes, zeroed, freed only by the GC): only for a
     * sender that never calls another engine on the same thread (a socket's write), since that
     * call would reuse the buffer the sender is reading.
     */
    DtlsEngine(SslContext ssl, DatagramBio bio, Sender sender, String peer, boolean sharedOutput) {
        this.ssl = ssl;
        this.bio = bio;
        this.sender = Objects.requireNonNull(sender, "sender");
        this.ownOutput = sharedOutput ? null : ByteBuffer.allocateDirect(DatagramBio.minOutputBuffer());
        this.peer = peer;
        this.established = bio.isEstablished();
    }

    /**
     * Starts the handshake (a client's ClientHello goes to the sender) or continues it without
     * input; the same as {@link #handleTimeout()}.
     */
    public void beginHandshake() throws IOException {
        handleTimeout();
    }

    /**
     * Takes one datagram as received (its remaining bytes; the position moves to the limit) and
     * writes the application data it carried, if any, to {@code plaintext}. During the handshake
     * the datagram advances it (and the reply goes to the sender). A datagram may carry several
     * records: while {@link #hasPendingPlaintext()}, call again with a null datagram.
     *
     * @return the number of application data bytes written to {@code plaintext} (0: an empty
     *     record), {@link #NO_DATA} if the datagram carried none (handshake messages, records
     *     Mbed TLS dropped: replays, garbage, another connection's), or {@link #CLOSED} once the
     *     peer has sent close_notify
     * @throws TlsException if the handshake or the connection failed (the fatal alert, if any,
     *     has gone to the sender)
     */
    public int receive(ByteBuffer datagram, ByteBuffer plaintext) throws IOException {
        Objects.requireNonNull(plaintext, "plaintext");
        if (peerClosed) {
            return CLOSED;
        }
        if (!established) {
            handshake(datagram);
            if (!established) {
                return NO_DATA;
            }
            datagram = null; // taken by the handshake; records after its last message wait in Mbed TLS
        }
        ByteBuffer out = output();
        for (;;) {
            int n;
            try {
                n = bio.read(datagram, plaintext, out);
            } catch (MbedTlsException e) {
                flushQuietly(out);
                throw new TlsException("DTLS connection with " + peer + " failed: " + e.getMessage(), e);
            }
            drain(out);
            if (n >= 0) {
                return n;
            }
            if (n == DatagramBio.WANT_WRITE) {
                flushAll(out);
                datagram = null;
                continue;
            }
            if (n == DatagramBio.CLOSE_NOTIFY) {
                peerClosed = true;
                return CLOSED;
            }
            if (n == DatagramBio.RECONNECT) {
                established = false;
                handshake(null);
            }
            return NO_DATA;
        }
    }

    /** True if the last {@link #receive} left more application data of its datagram: call again with null. */
    public boolean hasPendingPlaintext() {
        return bio.hasPendingPlaintext();
    }

    /**
     * Sends the remaining bytes of {@code plaintext} as one record in one datagram (the position
     * moves to the limit).
     *
     * @throws IllegalArgumentException if they do not fit into one datagram ({@link #maxPayload()})
     * @throws IllegalStateException before the handshake is done
     */
    public void send(ByteBuffer plaintext) throws IOException {
        Objects.requireNonNull(plaintext, "plaintext");
        if (!established) {
            throw new IllegalStateException("DtlsEngine.send() before the handshake is done");
        }
        ByteBuffer out = output();
        for (;;) {
            int n;
            try {
                n = bio.write(plaintext, out);
            } catch (MbedTlsException e) {
                throw new TlsException("DTLS write to " + peer + " failed: " + e.getMessage(), e);
            }
            drain(out);
            if (n != DatagramBio.WANT_WRITE) {
                return;
            }
            flushAll(out);
        }
    }

    /**
     * Milliseconds until the engine wants {@link #handleTimeout()} (0: now), or -1 if it waits
     * for nothing but datagrams.
     */
    public long timeoutMillis() {
        return bio.timeoutMillis();
    }

    /**
     * Lets the connection act on its timer: resends the last handshake flight, or fails the
     * handshake once its timeout's maximum has passed ({@link TlsException} with
     * {@code MBEDTLS_ERR_SSL_TIMEOUT}). Harmless when nothing is due.
     */
    public void handleTimeout() throws IOException {
        if (!established) {
            handshake(null);
        }
    }

    /** True once the handshake is done. */
    public boolean isEstablished() {
        return established;
    }

    /** The most application data one datagram carries (the MTU minus the record expansion). */
    public int maxPayload() {
        return bio.maxPayload();
    }

    /** The CID this side puts into the records it sends (chosen by the peer), or null if none was agreed. */
    public byte[] peerCid() {
        return bio.peerCid();
    }

    /** The CID the peer puts into the records it sends here (chosen by this side), or null if none was agreed. */
    public byte[] ownCid() {
        return bio.ownCid();
    }

    /** The negotiated cipher suite, by its Mbed TLS name (null before the handshake). */
    public String ciphersuite() {
        return ssl.ciphersuite();
    }

    /**
     * Sends close_notify (if the handshake was done) and frees the connection's native memory.
     * Idempotent; the sender's failure is ignored.
     */
    @Override
    public void close() {
        if (ssl.isClosed()) {
            return;
        }
        try {
            ByteBuffer out = output();
            if (established && bio.closeNotify(out) == DatagramBio.OK) {
                drain(out);
            }
        } catch (IOException | RuntimeException ignored) {
            // closing: the peer learns of it by its own timeout otherwise
        } finally {
            ssl.close();
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return ssl.isClosed();
    }

    // --- For the client and server built on the engine --------------------------------------------

    SslContext context() {
        return ssl;
    }

    DatagramBio bio() {
        return bio;
    }

    /** The buffer this call frames its datagrams in: the engine's own, or the thread's. */
    private ByteBuffer output() {
        return ownOutput != null ? ownOutput : SHARED_OUTPUT.get();
    }

    String peer() {
        return peer;
    }

    /** The session to resume later ({@code mbedtls_ssl_get_session}), or null if there is none to export. */
    SslSession session() {
        SslSession session = new SslSession();
        try {
            if (ssl.getSession(session)) {
                SslSession result = session;
                session = null;
                return result;
            }
            return null;
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }

    /** The handshake as far as {@code datagram} (null: none, the timer) takes it; its datagrams to the sender. */
    void handshake(ByteBuffer datagram) throws IOException {
        ByteBuffer out = output();
        for (;;) {
            int code;
            try {
                code = bio.handshake(datagram, out);
            } catch (MbedTlsException e) {
                flushQuietly(out);
                throw handshakeFailure(e);
            }
            drain(out);
            datagram = null;
            if (code == DatagramBio.OK) {
                established = true;
                return;
            }
            if (code != DatagramBio.WANT_WRITE) {
                return;
            }
            flushAll(out);
        }
    }

    private TlsException handshakeFailure(MbedTlsException e) {
        String why = e.code() == DatagramBio.MBEDTLS_ERR_SSL_TIMEOUT
                ? "no answer within the handshake timeout: " : "";
        return new TlsException("DTLS handshake with " + peer + " failed: " + why + e.getMessage(), e);
    }

    /** Hands every datagram framed in {@code out} to the sender, then empties it. */
    private void drain(ByteBuffer out) throws IOException {
        int end = out.position();
        if (end == 0) {
            return;
        }
        try {
            out.flip();
            int len;
            while ((len = DatagramBio.nextFrame(out)) >= 0) {
                int start = out.position() + 2;
                out.limit(start + len).position(start);
                sender.send(out);
                out.limit(end).position(start + len);
            }
        } finally {
            out.clear();
        }
    }

    /** After WANT_WRITE: the datagram Mbed TLS held back, as often as needed. */
    private void flushAll(ByteBuffer out) throws IOException {
        while (bio.flush(out) == DatagramBio.WANT_WRITE) {
            drain(out);
        }
        drain(out);
    }

    /** The fatal alert of a failed call, if the sender takes it. */
    private void flushQuietly(ByteBuffer out) {
        try {
            drain(out);
        } catch (IOException ignored) {
            // the failure itself is what the caller reports
        }
    }
}
