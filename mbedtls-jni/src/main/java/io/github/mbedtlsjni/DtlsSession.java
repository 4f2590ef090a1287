package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One peer of a {@link DtlsServer}: its DTLS connection ({@link DtlsEngine}), its current address
 * and Connection IDs. The server makes one per peer whose ClientHello carried a valid cookie,
 * routes that peer's datagrams to it (by address, and by CID when the address changed) and runs
 * its work on the server's executor, one datagram at a time.
 *
 * <p><b>Threads.</b> {@link #send} may be called from any thread, including the handler's;
 * {@link #close()} too. Lock order: a session's {@code engineLock} before the server's locks.
 */
public final class DtlsSession {
    /** Datagrams waiting for the executor, per session: more are dropped, as UDP would. */
    static final int INBOX = 16;

    private final DtlsServer server;
    private final DtlsEngine engine;
    private final byte[] cid; // the CID this server gave the peer (empty: none), the routing key
    private final Object engineLock = new Object();
    private volatile InetSocketAddress address;
    private volatile boolean addressConfirmed; // a record from address has decrypted (routing by address)

    // The inbox: datagrams the server's loop received for this session, handled by run().
    private final ByteBuffer[] inbox = new ByteBuffer[INBOX]; // guarded by this
    private final InetSocketAddress[] from = new InetSocketAddress[INBOX]; // guarded by this
    private int head; // guarded by this
    private int count; // guarded by this
    private boolean scheduled; // guarded by this: run() is queued or running
    private boolean timerDue; // guarded by this

    private final ByteBuffer plaintext; // guarded by engineLock
    volatile long lastActivityNanos;
    long timerDeadlineNanos; // guarded by the server's DtlsTimers; 0: none
    private volatile boolean closed;
    private volatile boolean wasEstablished;

    DtlsSession(DtlsServer server, SslContext ssl, DatagramBio bio, byte[] cid, InetSocketAddress address) {
        this.server = server;
        // The sender is the server socket's send: the thread's output buffer serves every session
        // (18 KB of direct memory fewer per session).
        this.engine = new DtlsEngine(ssl, bio, datagram -> server.sendTo(datagram, this.address), address.toString(), true);
        this.cid = cid;
        this.address = address;
        this.plaintext = ByteBuffer.allocateDirect(DatagramBio.maxPlaintext());
        this.lastActivityNanos = System.nanoTime();
        this.wasEstablished = engine.isEstablished();
    }

    /** The peer's address: where its last authenticated datagram came from. */
    public InetSocketAddress peerAddress() {
        return address;
    }

    /** The CID the peer puts into its records (this server chose it), or null if none was agreed. */
    public byte[] ownCid() {
        synchronized (engineLock) {
            return closed ? null : engine.ownCid();
        }
    }

    /** The CID this server puts into its records to the peer (the peer chose it), or null if none was agreed. */
    public byte[] peerCid() {
        synchronized (engineLock) {
            return closed ? null : engine.peerCid();
        }
    }

    /** The negotiated cipher suite, by its Mbed TLS name. */
    public String ciphersuite() {
        synchronized (engineLock) {
            return closed ? null : engine.ciphersuite();
        }
    }

    /** True once the handshake is done. */
    public boolean isEstablished() {
        return wasEstablished && !closed;
    }

    /** The most application data one datagram to the peer carries. */
    public int maxPayload() {
        synchronized (engineLock) {
            return engine.maxPayload();
        }
    }

    /**
     * Sends the remaining bytes of {@code data} to the peer as one datagram (one record).
     *
     * @throws IllegalArgumentException if they exceed {@link #maxPayload()}
     * @throws SocketException if the session is closed, or has no established connection now
     *     (the peer started a new handshake from the same address)
     */
    public void send(ByteBuffer data) throws IOException {
        Objects.requireNonNull(data, "data");
        synchronized (engineLock) {
            if (closed) {
                throw new SocketException("DtlsSession with " + address + " is closed");
            }
            if (!engine.isEstablished()) {
                throw new SocketException("DtlsSession with " + address + " has no established connection: "
                        + "its handshake is in progress");
            }
            engine.send(data);
        }
    }

    /** Sends {@code data} to the peer as one datagram. */
    public void send(byte[] data) throws IOException {
        send(ByteBuffer.wrap(Objects.requireNonNull(data, "data")));
    }

    /** Sends close_notify and forgets the session. Idempotent; from any thread. */
    public void close() {
        server.remove(this, true);
    }

    /** True once the session ended. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "DtlsSession[" + address + (closed ? ", closed]" : "]");
    }

    // --- For the server ---------------------------------------------------------------------------

    byte[] cidKey() {
        return cid;
    }

    DtlsEngine engine() {
        return engine;
    }

    Object engineLock() {
        return engineLock;
    }

    /**
     * Queues a datagram the loop received (a buffer of the server's pool, handed over) and has the
     * executor run this session if it is not queued yet. False if the inbox is full (the caller
     * keeps the buffer).
     */
    boolean deliver(ByteBuffer datagram, InetSocketAddress source) {
        boolean submit;
        synchronized (this) {
            if (count == INBOX || closed) {
                return false;
            }
            int tail = (head + count) % INBOX;
            inbox[tail] = datagram;
            from[tail] = source;
            count++;
            submit = !scheduled;
            scheduled = true;
        }
        if (submit) {
            server.submit(this);
        }
        return true;
    }

    /** The timer is due: the executor runs this session to act on it. */
    void timerElapsed() {
        boolean submit;
        synchronized (this) {
            timerDue = true;
            submit = !scheduled;
            scheduled = true;
        }
        if (submit) {
            server.submit(this);
        }
    }

    /** What the executor runs: {@link #process()}. */
    final Runnable task = new Runnable() {
        @Override
        public void run() {
            process();
        }
    };

    /** The session's work, on the executor: its datagrams and its timer, then its next deadline. */
    private void process() {
        for (;;) {
            ByteBuffer datagram;
            InetSocketAddress source;
            boolean timer;
            synchronized (this) {
                timer = timerDue;
                timerDue = false;
                if (count == 0 && !timer) {
                    scheduled = false;
                    break;
                }
                datagram = null;
                source = null;
                if (count > 0) {
                    datagram = inbox[head];
                    source = from[head];
                    inbox[head] = null;
                    from[head] = null;
                    head = (head + 1) % INBOX;
                    count--;
                }
            }
            try {
                if (timer) {
                    onTimer();
                }
                if (datagram != null) {
                    onDatagram(datagram, source);
                }
            } finally {
                if (datagram != null) {
                    server.recycle(datagram);
                }
            }
        }
        if (!closed) {
            long timeout;
            synchronized (engineLock) {
                timeout = closed ? -1 : engine.timeoutMillis();
            }
            server.scheduleTimer(this, timeout);
        }
    }

    private void onTimer() {
        try {
            synchronized (engineLock) {
                if (closed) {
                    return;
                }
                engine.handleTimeout();
            }
        } catch (IOException | MbedTlsException | IllegalStateException e) {
            server.failed(this, e);
        }
    }

    private void onDatagram(ByteBuffer datagram, InetSocketAddress source) {
        boolean established;
        boolean becameEstablished = false;
        int n;
        try {
            synchronized (engineLock) {
                if (closed) {
                    return;
                }
                boolean before = engine.isEstablished();
                plaintext.clear();
                n = engine.receive(datagram, plaintext);
                established = engine.isEstablished();
                becameEstablished = !before && established;
                if (becameEstablished) {
                    wasEstablished = true;
                }
            }
        } catch (IOException | MbedTlsException | IllegalStateException e) {
            server.failed(this, e);
            return;
        }
        lastActivityNanos = System.nanoTime();
        if (becameEstablished) {
            server.established(this);
        }
        if (n == DtlsEngine.CLOSED) {
            server.remove(this, false);
            return;
        }
        for (;;) {
            if (n >= 0) {
                // Authenticated data: the peer is where this datagram came from (RFC 9146 6:
                // only records that decrypt move the peer's address).
                if (!addressConfirmed || !source.equals(address)) {
                    server.moved(this, source);
                }
                plaintext.flip();
                server.handle(this, plaintext);
            }
            synchronized (engineLock) {
                if (closed || !engine.hasPendingPlaintext()) {
                    return;
                }
                plaintext.clear();
                try {
                    n = engine.receive(null, plaintext);
                } catch (IOException | MbedTlsException e) {
                    server.failed(this, e);
                    return;
                }
            }
        }
    }

    /**
     * Called by the server: marks the session closed, sends close_notify if asked, frees it.
     * True if this call closed it.
     */
    boolean closeEngine(boolean notify) {
        synchronized (engineLock) {
            if (closed) {
                return false;
            }
            closed = true;
            if (notify) {
                engine.close();
            } else {
                engine.context().close();
            }
        }
        synchronized (this) {
            for (int i = 0; i < count; i++) {
                int at = (head + i) % INBOX;
                server.recycle(inbox[at]);
                inbox[at] = null;
                from[at] = null;
            }
            count = 0;
        }
        return true;
    }

    /** {@link #saveIfIdle}: the session is idle but Mbed TLS cannot save it now. */
    static final byte[] UNSAVABLE = new byte[0];

    /**
     * If the session is still idle (no activity since {@code idleSinceNanos}, nothing queued or
     * running), saves its connection ({@code mbedtls_ssl_context_save}) and closes it, freeing its
     * native memory: the saved state; {@link #UNSAVABLE} if Mbed TLS cannot save it now (it stays
     * as it was); null if it is not idle after all, or closed. Called by the server's thread, the
     * only one that queues datagrams, so none can arrive meanwhile.
     */
    byte[] saveIfIdle(long idleSinceNanos) {
        synchronized (engineLock) {
            if (closed || lastActivityNanos - idleSinceNanos > 0) {
                return null;
            }
            synchronized (this) {
                if (count > 0 || scheduled) {
                    return null;
                }
            }
            byte[] state;
            try {
                state = engine.bio().save();
            } catch (MbedTlsException e) {
                return UNSAVABLE;
            }
            closed = true;
            engine.context().close();
            return state;
        }
    }

    void setAddress(InetSocketAddress newAddress) {
        address = newAddress;
        addressConfirmed = true;
    }

    /** A session the cookie check admitted: its address is the one the cookie was checked for. */
    void confirmAddress() {
        addressConfirmed = true;
    }

    boolean hasCid() {
        return cid.length > 0;
    }

    boolean wasEstablished() {
        return wasEstablished;
    }
}
