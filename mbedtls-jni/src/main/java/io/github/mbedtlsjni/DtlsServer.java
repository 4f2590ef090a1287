package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.DebugCallback;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A DTLS 1.2 server on one UDP port for many peers: CoAP and LwM2M servers and gateways.
 *
 * <pre>{@code
 * DtlsServer server = DtlsServer.builder()
 *         .bind(new InetSocketAddress(5684))
 *         .psk("device-17", key)
 *         .cid(6)
 *         .handler((session, data) -> session.send(answer(data)))
 *         .start();
 * }</pre>
 *
 * <p><b>How datagrams travel.</b> One thread of the server receives every datagram and routes it:
 * to the {@link DtlsSession} of its source address; else, if the record carries a Connection ID
 * (RFC 9146) the server gave, to that CID's session (a peer whose address changed: NAT
 * rebinding keeps the session, which answers the new address once a record from there has been
 * authenticated), loading it from the {@link SessionStore} if it was saved; else to the cookie
 * check. The cookie check ({@link DatagramBio#checkClientHello}: {@code mbedtls_ssl_session_reset},
 * {@code mbedtls_ssl_set_client_transport_id}, the ClientHello's handshake steps on one spare
 * context) answers a ClientHello without a valid cookie with a HelloVerifyRequest and keeps no
 * state; only a ClientHello with a valid cookie (its sender receives at its address) gets a
 * session, within the caps on concurrent handshakes and on sessions. A session's work (its
 * handshake, its datagrams, the {@link DtlsHandler}) runs on the executor given, one task at a
 * time per session. The same thread keeps every session's retransmission timer (one queue of
 * deadlines, no thread or timer per session) and saves idle sessions: with a CID, the
 * connection is saved ({@code mbedtls_ssl_context_save}) into the store and its native memory
 * freed, to be loaded again ({@code mbedtls_ssl_context_load}) when its CID next arrives;
 * without a CID, it is closed.
 *
 * <p><b>Secure by default:</b> DTLS 1.2 only; HelloVerifyRequest cookies always
 * ({@code mbedtls_ssl_cookie_*}); a client certificate is required when the server has a
 * certificate (give trust anchors, or ask for {@link AuthMode#NONE} by name); anti-replay on.
 *
 * <p><b>Memory.</b> Per datagram in steady state, nothing is allocated on the Java heap by the
 * server (the buffers come from a pool; with a direct executor nothing at all), except what the
 * JDK's {@link DatagramChannel#receive} allocates for a sender address that differs from the
 * previous datagram's. Natively, one {@code mbedtls_ssl_context} per session in memory.
 *
 * <p><b>Threads and locks.</b> The loop thread owns the spare context (the cookie check's) and
 * the pool; the routing maps are concurrent; a session's engine is guarded by its own lock; the
 * timer queue by its own monitor. Lock order: a session's engine lock, then {@code routeLock},
 * then the timer queue's. {@link #close()} may come from any thread.
 */
public final class DtlsServer implements AutoCloseable {
    private static final int RECORD_TYPE_CID = 25; // tls12_cid (RFC 9146)
    private static final int CID_OFFSET = 11; // type, version, epoch, sequence number

    private final SslConfig config;
    private final DatagramChannel channel;
    private final Selector selector;
    private final Thread loop;
    private final Executor executor;
    private final DtlsHandler handler;
    private final SessionStore store;
    private final int cidLength;
    private final int mtu;
    private final int maxHandshakes;
    private final int maxSessions;
    private final long idleNanos;

    private final ConcurrentHashMap<InetSocketAddress, DtlsSession> byAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<CidKey, DtlsSession> byCid = new ConcurrentHashMap<>();
    private final Set<DtlsSession> all = ConcurrentHashMap.newKeySet();
    private final Object routeLock = new Object();
    private final DtlsTimers timers = new DtlsTimers();
    private final ArrayBlockingQueue<ByteBuffer> pool;
    private final AtomicInteger handshaking = new AtomicInteger();
    private final AtomicInteger inMemory = new AtomicInteger();
    private final DtlsServerStats.Counters counters = new DtlsServerStats.Counters();
    private final Consumer<SelectionKey> ignoreKey = key -> { };
    private volatile boolean closed;

    // Owned by the loop thread.
    private final DtlsHelloGate gate;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(DatagramBio.maxDatagramIn());
    private final CidKey probe;
    private long nextSweepNanos;

    private DtlsServer(Builder b, SslConfig config, DatagramChannel channel, Selector selector) {
        this.config = config;
        this.channel = channel;
        this.selector = selector;
        this.executor = b.executor;
        this.handler = b.handler;
        this.store = b.store;
        this.cidLength = b.settings.cidLength;
        this.mtu = b.settings.mtu;
        this.maxHandshakes = b.maxHandshakes;
        this.maxSessions = b.maxSessions;
        this.idleNanos = b.idleTimeout.toNanos();
        this.probe = new CidKey(new byte[Math.max(0, cidLength)]);
        this.gate = new DtlsHelloGate(config, mtu, cidLength,
                cid -> byCid.containsKey(new CidKey(cid)) || storeContains(cid));
        this.pool = new ArrayBlockingQueue<>(b.bufferPool);
        for (int i = 0; i < b.bufferPool; i++) {
            pool.add(ByteBuffer.allocateDirect(DatagramBio.maxDatagramIn()));
        }
        this.nextSweepNanos = System.nanoTime() + sweepInterval();
        this.loop = new Thread(this::run, "dtls-server-" + localPortOrZero());
        this.loop.setDaemon(true);
    }

    /** A builder with the secure defaults (see the class description). */
    public static Builder builder() {
        return new Builder();
    }

    /** The address the server's UDP socket is bound to. */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("DtlsServer is closed", e);
        }
    }

    /** The UDP port the server listens on. */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * The established sessions in memory now, one per peer (a snapshot; sessions whose handshake
     * is in progress, and sessions saved into the store, are not listed).
     */
    public List<DtlsSession> sessions() {
        List<DtlsSession> list = new ArrayList<>(all.size());
        for (DtlsSession s : all) {
            if (s.isEstablished()) {
                list.add(s);
            }
        }
        return list;
    }

    /** A snapshot of the server's counters. */
    public DtlsServerStats stats() {
        return new DtlsServerStats(counters, inMemory.get(), handshaking.get(), store == null ? 0 : store.size());
    }

    /** Stops receiving, closes every session (close_notify) and frees the server. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (Thread.currentThread() != loop) {
            try {
                loop.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (DtlsSession s : all) {
            remove(s, true);
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        gate.close();
        config.close();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "DtlsServer[" + (closed ? "closed" : localAddress()) + ", " + inMemory.get() + " sessions]";
    }

    // --- The loop ----------------------------------------------------------------------------------

    private void run() {
        while (!closed) {
            try {
                long wait = nextWakeMillis();
                if (wait <= 0) {
                    selector.selectNow(ignoreKey);
                } else {
                    selector.select(ignoreKey, wait);
                }
                receiveAll();
                runDueTimers();
                if (System.nanoTime() - nextSweepNanos >= 0) {
                    sweepIdle();
                    nextSweepNanos = System.nanoTime() + sweepInterval();
                }
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                counters.loopFailures.increment();
            }
        }
    }

    private long sweepInterval() {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(idleNanos / 4, TimeUnit.SECONDS.toNanos(1)));
    }

    /** Milliseconds until the earliest timer or idle sweep (at least 1), 0 if one is due. */
    private long nextWakeMillis() {
        long now = System.nanoTime();
        long next = nextSweepNanos - now;
        next = Math.min(next, timers.nanosUntilNext(now));
        if (next <= 0) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next + 999_999));
    }

    private void receiveAll() throws IOException {
        for (;;) {
            ByteBuffer buffer = pool.poll();
            boolean pooled = buffer != null;
            if (!pooled) {
                buffer = scratch;
            }
            buffer.clear();
            SocketAddress source = channel.receive(buffer);
            if (source == null) {
                if (pooled) {
                    pool.offer(buffer);
                }
                return;
            }
            buffer.flip();
            counters.datagramsIn.increment();
            route(buffer, (InetSocketAddress) source, pooled);
        }
    }

    /** Where one datagram goes: its address's session, its CID's session, or the cookie check. */
    private void route(ByteBuffer datagram, InetSocketAddress source, boolean pooled) {
        DtlsSession session = byAddress.get(source);
        if (session == null && cidLength > 0) {
            session = sessionOfCid(datagram, source);
        }
        if (session != null) {
            if (!pooled || !session.deliver(datagram, source)) {
                counters.dropped.increment();
                if (pooled) {
                    recycle(datagram);
                }
            }
            return;
        }
        try {
            checkHello(datagram, source);
        } finally {
            if (pooled) {
                recycle(datagram);
            }
        }
    }

    /**
     * The session whose CID the datagram's first record carries (RFC 9146's record header: the
     * CID follows the sequence number), from memory or loaded from the store; null if none.
     */
    private DtlsSession sessionOfCid(ByteBuffer datagram, InetSocketAddress source) {
        int pos = datagram.position();
        if (datagram.remaining() < CID_OFFSET + cidLength + 2 || (datagram.get(pos) & 0xFF) != RECORD_TYPE_CID) {
            return null;
        }
        byte[] key = probe.bytes;
        for (int i = 0; i < cidLength; i++) {
            key[i] = datagram.get(pos + CID_OFFSET + i);
        }
        probe.rehash();
        DtlsSession session = byCid.get(probe);
        if (session != null || store == null) {
            return session;
        }
        return load(key.clone(), source);
    }

    /** Brings a saved session back ({@code mbedtls_ssl_context_load}); null if the store has none. */
    private DtlsSession load(byte[] cid, InetSocketAddress source) {
        if (inMemory.get() >= maxSessions) {
            return null;
        }
        byte[] state;
        try {
            state = store.take(cid);
        } catch (Exception e) {
            counters.storeFailures.increment();
            return null;
        }
        if (state == null) {
            counters.unknownCid.increment();
            return null;
        }
        SslContext ssl = new SslContext();
        try {
            ssl.setup(config);
            DatagramBio bio = ssl.setDatagramBio();
            bio.setMtu(mtu);
            bio.load(state);
            Arrays.fill(state, (byte) 0);
            DtlsSession session = new DtlsSession(this, ssl, bio, cid, source);
            ssl = null;
            inMemory.incrementAndGet();
            all.add(session);
            byCid.put(new CidKey(cid), session);
            counters.loaded.increment();
            return session;
        } catch (MbedTlsException | IllegalStateException e) {
            counters.storeFailures.increment();
            return null;
        } finally {
            if (ssl != null) {
                ssl.close();
            }
        }
    }

    /** The cookie check of a datagram from an unknown peer (see the class description). */
    private void checkHello(ByteBuffer datagram, InetSocketAddress source) {
        try {
            int code = gate.check(datagram, source);
            if (code == DatagramBio.HELLO_VERIFY) {
                counters.helloVerifies.increment();
                sendFramed(gate.answer(), source);
            } else if (code == DatagramBio.ACCEPTED) {
                if (handshaking.get() >= maxHandshakes || inMemory.get() >= maxSessions) {
                    counters.refused.increment();
                    gate.refuse();
                    return;
                }
                accept(source);
            } else {
                counters.dropped.increment();
            }
        } catch (IOException | MbedTlsException | IllegalStateException e) {
            counters.dropped.increment();
            gate.close();
        }
    }

    /** The checked ClientHello's context becomes the new peer's session. */
    private void accept(InetSocketAddress source) {
        DtlsSession session = gate.admit(this, source);
        handshaking.incrementAndGet();
        inMemory.incrementAndGet();
        all.add(session);
        byAddress.put(source, session);
        session.confirmAddress();
        if (session.hasCid()) {
            byCid.put(new CidKey(session.cidKey()), session);
        }
        counters.accepted.increment();
        session.timerElapsed(); // the executor continues the handshake: the server's flight
    }

    private boolean storeContains(byte[] cid) {
        try {
            return store != null && store.contains(cid);
        } catch (Exception e) {
            counters.storeFailures.increment();
            return false;
        }
    }

    private void sendFramed(ByteBuffer framed, InetSocketAddress target) throws IOException {
        int end = framed.position();
        framed.flip();
        int len;
        while ((len = DatagramBio.nextFrame(framed)) >= 0) {
            int start = framed.position() + 2;
            framed.limit(start + len).position(start);
            sendTo(framed, target);
            framed.limit(end).position(start + len);
        }
        framed.clear();
    }

    // --- Timers and idle sessions --------------------------------------------------------------

    private void runDueTimers() {
        long now = System.nanoTime();
        DtlsSession due;
        while ((due = timers.pollDue(now)) != null) {
            due.timerElapsed();
        }
    }

    /** Sets (or, with -1, cancels) a session's timer, {@code millis} from now. */
    void scheduleTimer(DtlsSession session, long millis) {
        if (timers.schedule(session, millis)) {
            selector.wakeup();
        }
    }

    /**
     * Idle sessions: saved into the store (with a CID) or closed. One that Mbed TLS cannot save yet
     * (the server sent the handshake's last flight and the client has sent nothing since) gets a
     * second idle period before it is closed. On the loop thread.
     */
    private void sweepIdle() {
        long now = System.nanoTime();
        for (DtlsSession s : all) {
            long idle = now - s.lastActivityNanos;
            if (idle < idleNanos || !s.wasEstablished()) {
                continue; // Mbed TLS's handshake timeout ends a handshake that stalls
            }
            if (store != null && s.hasCid()) {
                byte[] state = s.saveIfIdle(now - idleNanos);
                if (state == null) {
                    continue; // busy after all
                }
                if (state != DtlsSession.UNSAVABLE) {
                    try {
                        store.put(s.cidKey().clone(), state);
                        counters.saved.increment();
                    } catch (Exception e) {
                        counters.storeFailures.increment();
                    }
                    forget(s);
                    continue;
                }
                if (idle < 2 * idleNanos) {
                    continue;
                }
            }
            remove(s, true);
        }
    }

    // --- Called by sessions ---------------------------------------------------------------------

    void submit(DtlsSession session) {
        try {
            executor.execute(session.task);
        } catch (RuntimeException rejected) {
            counters.executorRejections.increment();
            remove(session, false);
        }
    }

    void sendTo(ByteBuffer datagram, InetSocketAddress target) throws IOException {
        channel.send(datagram, target);
        counters.datagramsOut.increment();
    }

    void recycle(ByteBuffer buffer) {
        if (buffer != scratch) {
            pool.offer(buffer);
        }
    }

    /** An authenticated datagram came from a new address: the session answers there from now on. */
    void moved(DtlsSession session, InetSocketAddress to) {
        boolean changed;
        synchronized (routeLock) {
            if (session.isClosed()) {
                return;
            }
            InetSocketAddress old = session.peerAddress();
            changed = !to.equals(old);
            byAddress.remove(old, session);
            byAddress.put(to, session);
            session.setAddress(to);
        }
        if (changed) {
            counters.addressChanges.increment();
        }
    }

    void established(DtlsSession session) {
        handshaking.decrementAndGet();
        counters.handshakes.increment();
        try {
            handler.onEstablished(session);
        } catch (Exception e) {
            counters.handlerFailures.increment();
        }
    }

    void handle(DtlsSession session, ByteBuffer data) {
        try {
            handler.onDatagram(session, data);
        } catch (Exception e) {
            counters.handlerFailures.increment();
        }
    }

    void failed(DtlsSession session, Exception e) {
        if (session.wasEstablished()) {
            counters.sessionFailures.increment();
        } else {
            counters.handshakeFailures.increment();
        }
        remove(session, false);
    }

    /** Ends a session: out of the maps and timers, its memory freed, the handler told. */
    void remove(DtlsSession session, boolean notify) {
        if (!session.closeEngine(notify)) {
            return;
        }
        forget(session);
        try {
            handler.onClosed(session);
        } catch (Exception e) {
            counters.handlerFailures.increment();
        }
    }

    /** Takes a closed (or saved) session out of the maps, the timers and the counts. */
    private void forget(DtlsSession session) {
        if (!all.remove(session)) {
            return;
        }
        synchronized (routeLock) {
            InetSocketAddress address = session.peerAddress();
            if (address != null) {
                byAddress.remove(address, session);
            }
            if (session.hasCid()) {
                byCid.remove(new CidKey(session.cidKey()), session);
            }
        }
        scheduleTimer(session, -1);
        inMemory.decrementAndGet();
        if (!session.wasEstablished()) {
            handshaking.decrementAndGet();
        }
    }

    private int localPortOrZero() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Collects the settings; {@link #start()} binds the port and starts serving. */
    public static final class Builder {
        final DtlsSettings settings = new DtlsSettings();
        private InetSocketAddress bind = new InetSocketAddress(0);
        Executor executor = Runnable::run;
        DtlsHandler handler;
        SessionStore store = SessionStore.inMemory();
        int maxHandshakes = 1_000;
        int maxSessions = 100_000;
        Duration idleTimeout = Duration.ofMinutes(5);
        int bufferPool = 256;
        private boolean authModeGiven;

        Builder() {
            settings.authMode = AuthMode.REQUIRED;
        }

        /** The UDP address to listen on (default: every address, a port the system chooses). */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The server's certificate chain (leaf first) and key. */
        public Builder identity(Path chainFile, Path keyFile, char[] password) {
            settings.identity(chainFile, keyFile, password);
            return this;
        }

        /** {@link #identity(Path, Path, char[])} from bytes (PEM or DER). */
        public Builder identity(byte[] chain, byte[] key, char[] password) {
            settings.identity(chain, key, password);
            return this;
        }

        /** A pre-shared key and the one identity clients name it by ({@code mbedtls_ssl_conf_psk}). */
        public Builder psk(String identity, byte[] key) {
            settings.psk(identity, key);
            return this;
        }

        /** Trust anchors for clients' certificates (required by default when the server has a certificate). */
        public Builder trustPemFile(Path file) {
            settings.trustPemFile(file);
            return this;
        }

        /** Trust anchors for clients' certificates, PEM or DER. */
        public Builder trust(byte[] data) {
            settings.trust(data);
            return this;
        }

        /** Trust anchors for clients' certificates. */
        public Builder trust(X509Certificate... certificates) {
            settings.trust(certificates);
            return this;
        }

        /**
         * Whether clients must present a certificate ({@code mbedtls_ssl_conf_authmode}; default
         * {@link AuthMode#REQUIRED}). {@link AuthMode#NONE} accepts clients without one.
         */
        public Builder clientAuth(AuthMode mode) {
            settings.authMode = Objects.requireNonNull(mode, "mode");
            authModeGiven = true;
            return this;
        }

        /** The cipher suites to accept, by Mbed TLS name. */
        public Builder ciphersuites(String... names) {
            settings.ciphersuites(names);
            return this;
        }

        /**
         * Gives each peer a random Connection ID of {@code length} bytes (RFC 9146; 0: none, but
         * the peer's CID is still used), by which its records are routed when its address
         * changes and its saved session is found. Needs Mbed TLS 3.x.
         */
        public Builder cid(int length) {
            settings.cid(length);
            return this;
        }

        /** The largest datagram to send ({@code mbedtls_ssl_set_mtu}; default 1232). */
        public Builder mtu(int bytes) {
            settings.mtu(bytes);
            return this;
        }

        /** The handshake's retransmission timer ({@code mbedtls_ssl_conf_handshake_timeout}). */
        public Builder handshakeTimeout(Duration min, Duration max) {
            settings.handshakeTimeout(min, max);
            return this;
        }

        /** Mbed TLS's debug messages up to {@code level} to {@code callback}. */
        public Builder debug(int level, DebugCallback callback) {
            settings.debug(level, callback);
            return this;
        }

        /** What to do with each session's datagrams (required). */
        public Builder handler(DtlsHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Where sessions' work runs (default: on the server's own thread). One task at a time
         * per session; a pool spreads handshakes and handlers over its threads.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Where idle sessions are saved (default {@link SessionStore#inMemory()}); null: closed instead. */
        public Builder sessionStore(SessionStore store) {
            this.store = store;
            return this;
        }

        /** How long a session may be silent before it is saved (or closed). Default 5 minutes. */
        public Builder idleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("idle timeout must be positive: " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** The most handshakes in progress at once (default 1000): more valid ClientHellos are dropped. */
        public Builder maxHandshakes(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxHandshakes " + max + " is not positive");
            }
            this.maxHandshakes = max;
            return this;
        }

        /** The most sessions in native memory (default 100000). */
        public Builder maxSessions(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxSessions " + max + " is not positive");
            }
            this.maxSessions = max;
            return this;
        }

        /** Receive buffers shared by all sessions (default 256): datagrams beyond are dropped. */
        public Builder bufferPool(int buffers) {
            if (buffers < 1) {
                throw new IllegalArgumentException("bufferPool " + buffers + " is not positive");
            }
            this.bufferPool = buffers;
            return this;
        }

        /**
         * Runs the configuration steps, binds the port and starts the server's thread.
         *
         * @throws IllegalStateException without a handler, or without a certificate or a
         *     pre-shared key, or with a certificate but no trust anchors for clients while their
         *     certificates are required
         * @throws TlsException if Mbed TLS refuses a certificate or key given
         * @throws java.net.BindException if the port is taken
         */
        public DtlsServer start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("no handler: call handler((session, data) -> ...)");
            }
            if (!settings.hasIdentity() && !settings.hasPsk()) {
                throw new IllegalStateException("a DTLS server needs an identity: call identity(chain, key, password) "
                        + "or psk(identity, key)");
            }
            if (settings.hasIdentity() && !settings.hasTrust() && settings.authMode == AuthMode.REQUIRED) {
                throw new IllegalStateException("client certificates are required but there are no trust anchors for "
                        + "them: call trustPemFile(...) or trust(...), or clientAuth(AuthMode.NONE) to accept clients "
                        + "without a certificate");
            }
            if (!settings.hasIdentity() && !authModeGiven) {
                settings.authMode = AuthMode.NONE; // PSK only: no certificate to ask for
            }
            SslConfig config;
            try {
                config = settings.build(SslConfig.Endpoint.SERVER, "server");
            } finally {
                settings.wipe();
            }
            DatagramChannel channel = null;
            Selector selector = null;
            try {
                channel = DatagramChannel.open();
                channel.bind(bind);
                channel.configureBlocking(false);
                selector = Selector.open();
                channel.register(selector, SelectionKey.OP_READ);
                DtlsServer server = new DtlsServer(this, config, channel, selector);
                server.loop.start();
                channel = null;
                selector = null;
                config = null;
                return server;
            } finally {
                if (selector != null) {
                    selector.close();
                }
                if (channel != null) {
                    channel.close();
                }
                if (config != null) {
                    config.close();
                }
            }
        }
    }
}
