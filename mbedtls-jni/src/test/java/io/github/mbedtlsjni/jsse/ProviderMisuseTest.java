package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.testing.HostileServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider under randomized misuse from several threads at once: worker threads making
 * random calls on one shared {@link SSLSocket} (single-byte and array reads and writes, bad
 * offsets, {@code startHandshake}, {@code close}, short {@code SO_TIMEOUT}s, parameters) and on
 * one shared {@link SSLEngine} (wrap and unwrap from several threads, with buffers of every kind
 * and size, {@code closeInbound}/{@code closeOutbound}, {@code beginHandshake}), and on one
 * shared {@link SSLServerSocket} and the server-mode socket it last accepted ({@code accept} with
 * short timeouts, reads, writes, handshakes, closes of either, settings changed meanwhile; its
 * clients SunJSSE sockets, some never speaking), round after round. The context's key manager is slow (it sleeps a little before answering "no
 * certificate"), which widens every window the handshake has.
 *
 * <p>Fails if the JVM's deadlock detector ({@link ThreadMXBean#findDeadlockedThreads()}) ever
 * reports a thread, if any call outlives its watchdog (a socket call blocked for
 * {@link #STUCK_MILLIS} gets its socket closed, as an application's timeout would; any call still
 * running {@link #HUNG_MILLIS} later is hung), if a call throws an exception JSSE does not
 * document for it, or if native objects are left once everything is closed and collected.
 *
 * <p>The seed is printed; {@code -Dmbedtlsjni.seed=N} replays each thread's sequence of calls
 * (the interleaving is the scheduler's). {@code -Dmbedtlsjni.provider.misuse.rounds=N} sets the
 * rounds of each part (default 24).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderMisuseTest {
    static final String SEED_PROPERTY = "mbedtlsjni.seed";
    static final String ROUNDS_PROPERTY = "mbedtlsjni.provider.misuse.rounds";
    static final String THREADS_PROPERTY = "mbedtlsjni.provider.misuse.threads";
    private static final int THREADS = Integer.getInteger(THREADS_PROPERTY, 4);
    private static final int SOCKET_CALLS = 60; // per thread and round
    private static final int ENGINE_CALLS = 150;
    /** A socket call blocked this long gets the socket closed. */
    private static final long STUCK_MILLIS = 5_000;
    /** A call still running this long is hung. */
    private static final long HUNG_MILLIS = 30_000;

    @TempDir
    static Path dir;

    private TestPki pki;
    private JsseServer echo;
    private HostileServer silent;
    private SSLContext jdkServer;
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
        echo = JsseServer.start(pki);
        silent = HostileServer.silent(200);
        jdkServer = SslContexts.server(pki);
    }

    @AfterAll
    void tearDown() {
        echo.close();
        silent.close();
    }

    /** Answers "no client certificate", after a short sleep that widens the handshake's windows. */
    static final class SlowKeyManager extends AliasKeyManager {
        @Override
        String chooseAlias() {
            try {
                Thread.sleep(1 + (System.nanoTime() & 3)); // a delay, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    private SSLContext slowContext() throws Exception {
        SSLContext c = SSLContext.getInstance("TLS", new MbedTlsProvider());
        c.init(new KeyManager[] {new SlowKeyManager()}, SslEngineTest.trustManagers(pki.root()), null);
        return c;
    }

    private static long seed(String part) {
        long seed = Long.getLong(SEED_PROPERTY, new SecureRandom().nextLong());
        System.out.println("ProviderMisuseTest " + part + ": seed=" + seed + " (replay: -D" + SEED_PROPERTY + "=" + seed
                + ")");
        return seed;
    }

    /**
     * The exceptions JSSE documents for these calls: I/O failures of every kind (SSLException,
     * SocketException, SocketTimeoutException), bad offsets, read-only buffers, names the
     * provider does not know, and a null argument refused by an argument check.
     */
    static boolean documented(Throwable t) {
        if (t instanceof NullPointerException) {
            StackTraceElement[] stack = t.getStackTrace();
            return stack.length > 0 && stack[0].getClassName().equals("java.util.Objects");
        }
        return t instanceof IOException
                || t instanceof IndexOutOfBoundsException
                || t instanceof ReadOnlyBufferException
                || t instanceof IllegalArgumentException
                || t instanceof UnsupportedOperationException && String.valueOf(t.getMessage()).contains("server mode");
    }

    // --- The SSLSocket ---------------------------------------------------------------------------

    @Test
    void socketCallsFromSeveralThreadsNeverDeadlockOrHang() throws Exception {
        long seed = seed("socket");
        int rounds = Integer.getInteger(ROUNDS_PROPERTY, 24);
        Map<String, Long> baseline = LiveObjects.settle();
        SSLContext context = slowContext();
        Random roundRandom = new Random(seed);
        for (int round = 0; round < rounds && failures.isEmpty(); round++) {
            boolean answers = roundRandom.nextInt(5) != 0; // else a server that accepts and never answers
            SSLSocket s = SslEngineTest.https((SSLSocket) context.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                    answers ? echo.port() : silent.port()));
            s.setSoTimeout(20 + roundRandom.nextInt(300));
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            long roundSeed = seed + 0x9E3779B97F4A7C15L * (round + 1);
            run("socket round " + round, roundSeed, SOCKET_CALLS, (w, r) -> socketCall(w, r, s, in, out), () -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // the watchdog's close: best effort
                }
            });
            count(s.getSession().isValid() ? "rounds with a handshake" : "rounds without a handshake");
            s.close();
        }
        context = null;
        finish("socket", seed, baseline);
    }

    private void socketCall(Worker w, Random r, SSLSocket s, InputStream in, OutputStream out) throws Exception {
        switch (r.nextInt(16)) {
            case 0:
                w.call("read()", () -> in.read());
                break;
            case 1:
            case 2: {
                byte[] b = new byte[1 + r.nextInt(3000)];
                int off = w.index(b.length);
                int len = w.index(b.length - Math.max(0, Math.min(off, b.length)));
                w.call("read(b, off, len)", () -> in.read(b, off, len));
                break;
            }
            case 3:
            case 4:
                w.call("write(int)", () -> out.write(r.nextInt(256)));
                break;
            case 5:
            case 6: {
                byte[] b = new byte[1 + r.nextInt(2000)];
                int off = w.index(b.length);
                int len = w.index(b.length - Math.max(0, Math.min(off, b.length)));
                w.call("write(b, off, len)", () -> out.write(b, off, len));
                break;
            }
            case 7:
            case 8:
                w.call("startHandshake", s::startHandshake);
                break;
            case 9:
                w.call("getSession", () -> s.getSession().getCipherSuite());
                break;
            case 10:
                w.call("available", in::available);
                break;
            case 11:
                w.call("setSoTimeout", () -> s.setSoTimeout(10 + r.nextInt(300)));
                break;
            case 12:
                if (r.nextInt(25) == 0) {
                    w.call("close", s::close);
                } else {
                    w.call("getHandshakeSession", s::getHandshakeSession);
                }
                break;
            case 13:
                w.call("read(null)", () -> in.read(null, 0, 1));
                break;
            case 14:
                w.call("setSSLParameters", () -> s.setSSLParameters(s.getSSLParameters()));
                break;
            default:
                w.call("flush", out::flush);
                break;
        }
    }

    // --- The SSLServerSocket and the sockets it accepts ---------------------------------------------

    @Test
    void serverSocketCallsFromSeveralThreadsNeverDeadlockOrHang() throws Exception {
        long seed = seed("server socket");
        int rounds = Integer.getInteger(ROUNDS_PROPERTY, 24);
        Map<String, Long> baseline = LiveObjects.settle();
        SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
        context.init(SslContexts.keyManagers(pki).getKeyManagers(), SslEngineTest.trustManagers(pki.root()), null);
        SSLContext jdkClient = SslContexts.client(pki.root().certificate());
        Random roundRandom = new Random(seed);
        for (int round = 0; round < rounds && failures.isEmpty(); round++) {
            SSLServerSocket ss = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                    java.net.InetAddress.getLoopbackAddress());
            ss.setSoTimeout(5 + roundRandom.nextInt(40)); // short: accepts that time out are most of the calls
            List<Thread> peers = new ArrayList<>();
            for (int i = 1 + roundRandom.nextInt(3); i > 0; i--) {
                boolean silentPeer = roundRandom.nextInt(5) == 0; // connects and never speaks
                Thread t = new Thread(() -> peer(jdkClient, ss.getLocalPort(), silentPeer), "misuse-peer");
                t.setDaemon(true);
                t.start();
                peers.add(t);
            }
            AtomicReference<Socket> accepted = new AtomicReference<>();
            long roundSeed = seed + 0x9E3779B97F4A7C15L * (round + 1);
            Runnable closeAll = () -> {
                closeQuietly(ss);
                closeQuietly(accepted.get());
            };
            run("server socket round " + round, roundSeed, SOCKET_CALLS,
                    (w, r) -> serverSocketCall(w, r, ss, accepted), closeAll);
            closeAll.run();
            for (Thread t : peers) {
                t.join(HUNG_MILLIS);
            }
        }
        context = null;
        finish("server socket", seed, baseline);
    }

    /** A SunJSSE client: handshakes, writes a line, reads what comes until the end or its timeout. */
    private static void peer(SSLContext jdkClient, int port, boolean silentPeer) {
        try (Socket plain = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            plain.setSoTimeout(1_000);
            if (silentPeer) {
                plain.getInputStream().read();
                return;
            }
            try (SSLSocket c = (SSLSocket) jdkClient.getSocketFactory().createSocket(plain, TestPki.SERVER_NAME, port,
                    false)) {
                c.getOutputStream().write("hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                c.getOutputStream().flush();
                c.getInputStream().readAllBytes();
            }
        } catch (IOException gone) {
            // the server's misuse ends this client one way or another
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private void serverSocketCall(Worker w, Random r, SSLServerSocket ss, AtomicReference<Socket> accepted) {
        Socket s = accepted.get();
        int call = r.nextInt(12);
        if (s == null && call >= 3 && call <= 8) {
            call = 0;
        }
        switch (call) {
            case 0:
            case 1:
            case 2:
                w.call("accept", () -> {
                    Socket a = ss.accept();
                    a.setSoTimeout(10 + r.nextInt(100));
                    closeQuietly(accepted.getAndSet(a));
                });
                break;
            case 3:
                w.call("accepted read", () -> s.getInputStream().read(new byte[1 + r.nextInt(3000)]));
                break;
            case 4:
                w.call("accepted write", () -> s.getOutputStream().write(new byte[1 + r.nextInt(2000)]));
                break;
            case 5:
                w.call("accepted startHandshake", ((SSLSocket) s)::startHandshake);
                break;
            case 6:
                w.call("accepted getSession", () -> ((SSLSocket) s).getSession().getCipherSuite());
                break;
            case 7:
                if (r.nextInt(10) == 0) {
                    w.call("accepted close", s::close);
                } else {
                    w.call("accepted getHandshakeSession", ((SSLSocket) s)::getHandshakeSession);
                }
                break;
            case 8:
                w.call("accepted setNeedClientAuth", () -> ((SSLSocket) s).setNeedClientAuth(r.nextBoolean()));
                break;
            case 9:
                w.call("setWantClientAuth", () -> ss.setWantClientAuth(r.nextBoolean()));
                break;
            case 10:
                w.call("setSSLParameters", () -> ss.setSSLParameters(ss.getSSLParameters()));
                break;
            default:
                if (r.nextInt(40) == 0) {
                    w.call("server socket close", ss::close);
                } else {
                    w.call("setSoTimeout", () -> ss.setSoTimeout(5 + r.nextInt(40)));
                }
                break;
        }
    }

    // --- The SSLEngine ---------------------------------------------------------------------------

    /** The wires between the client engine and a SunJSSE server engine, and the server's side. */
    private static final class Wires {
        final ByteBuffer toServer = ByteBuffer.allocate(1 << 20); // write mode, guarded by this
        final ByteBuffer toClient = ByteBuffer.allocate(1 << 20); // write mode, guarded by this
        final SSLEngine server;
        final ByteBuffer app = ByteBuffer.allocate(1 << 17); // the server's plaintext, echoed; guarded by this
        final ByteBuffer net = ByteBuffer.allocate(1 << 17); // guarded by this
        final Object wrapOrder = new Object(); // most wraps hand their records on in the order made
        final Object unwrapOrder = new Object(); // most unwraps take records in order
        volatile Exception serverFailure;

        Wires(SSLEngine server) {
            this.server = server;
        }

        synchronized void send(ByteBuffer records) {
            records.flip();
            if (records.remaining() <= toServer.remaining()) {
                toServer.put(records);
            }
        }

        /** Up to {@code max} bytes for the client, taken off the wire. */
        synchronized ByteBuffer take(int max, boolean direct) {
            toClient.flip();
            int n = Math.min(max, toClient.remaining());
            ByteBuffer b = direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
            b.put(toClient.duplicate().limit(toClient.position() + n)).flip();
            toClient.position(toClient.position() + n);
            toClient.compact();
            return b;
        }

        /** What the client did not consume goes back to the front of the wire. */
        synchronized void putBack(ByteBuffer rest) {
            if (!rest.hasRemaining()) {
                return;
            }
            toClient.flip();
            ByteBuffer after = ByteBuffer.allocate(toClient.remaining()).put(toClient).flip();
            toClient.clear();
            if (rest.remaining() + after.remaining() <= toClient.capacity()) {
                toClient.put(rest).put(after);
            }
        }

        /**
         * One step of the server's side, under the wires' lock (any worker may make it): unwraps
         * what arrived, runs its tasks, answers and echoes data. A server that gave up (the
         * client's misuse broke the connection) stays given up: noted, not a failure.
         */
        synchronized void serverStep() {
            if (serverFailure != null || server.isInboundDone()) {
                return;
            }
            try {
                toServer.flip();
                for (int i = 0; i < 4 && toServer.hasRemaining(); i++) {
                    SSLEngineResult r = server.unwrap(toServer, app);
                    if (r.bytesConsumed() == 0) {
                        break;
                    }
                }
                toServer.compact();
                while (server.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    server.getDelegatedTask().run();
                }
                app.flip();
                for (int i = 0; i < 8 && (server.getHandshakeStatus() == HandshakeStatus.NEED_WRAP || app.hasRemaining());
                        i++) {
                    net.clear();
                    SSLEngineResult r = server.wrap(app, net);
                    net.flip();
                    if (net.remaining() <= toClient.remaining()) {
                        toClient.put(net);
                    }
                    if (r.bytesProduced() == 0) {
                        break;
                    }
                }
                app.compact();
            } catch (Exception serverGaveUp) {
                serverFailure = serverGaveUp;
            }
        }
    }

    @Test
    void engineCallsFromSeveralThreadsNeverDeadlockOrHang() throws Exception {
        long seed = seed("engine");
        int rounds = Integer.getInteger(ROUNDS_PROPERTY, 24);
        Map<String, Long> baseline = LiveObjects.settle();
        SSLContext context = slowContext();
        for (int round = 0; round < rounds && failures.isEmpty(); round++) {
            SSLEngine client = SslEngineTest.https(context.createSSLEngine(TestPki.SERVER_NAME, 443));
            SSLEngine server = jdkServer.createSSLEngine();
            server.setUseClientMode(false);
            Wires wires = new Wires(server);
            long roundSeed = seed + 0x9E3779B97F4A7C15L * (round + 1);
            run("engine round " + round, roundSeed, ENGINE_CALLS, (w, r) -> engineCall(w, r, client, wires), () -> { });
            count(client.getSession().isValid() ? "rounds with a handshake" : "rounds without a handshake");
            if (wires.serverFailure != null) {
                count("server gave up: " + wires.serverFailure);
            }
            client.closeOutbound();
        }
        context = null;
        finish("engine", seed, baseline);
    }

    private void engineCall(Worker w, Random r, SSLEngine e, Wires wires) throws Exception {
        int packet = e.getSession().getPacketBufferSize();
        switch (r.nextInt(20)) {
            case 0:
            case 1:
            case 2: {
                ByteBuffer src = w.buffer(r.nextInt(3000), false);
                ByteBuffer dst = w.buffer(r.nextInt(4) == 0 ? r.nextInt(200) : packet * (1 + r.nextInt(2)),
                        r.nextInt(30) == 0);
                if (r.nextInt(10) == 0) { // records may overtake each other: the peer refuses them
                    w.call("wrap(unordered)", () -> {
                        e.wrap(src, dst);
                        wires.send(dst);
                    });
                } else {
                    w.call("wrap", () -> {
                        synchronized (wires.wrapOrder) {
                            e.wrap(src, dst);
                            wires.send(dst);
                        }
                    });
                }
                break;
            }
            case 3: {
                ByteBuffer[] srcs = {w.buffer(r.nextInt(500), false), r.nextInt(20) == 0 ? null : w.buffer(100, false)};
                int off = w.index(2);
                int len = w.index(2);
                ByteBuffer dst = w.buffer(packet, false);
                w.call("wrap(srcs)", () -> {
                    e.wrap(srcs, off, len, dst);
                    wires.send(dst);
                });
                break;
            }
            case 4:
            case 5:
            case 6:
            case 7: {
                int max = r.nextInt(4) == 0 ? r.nextInt(100) : 1 << 16;
                boolean direct = r.nextBoolean();
                ByteBuffer dst = w.buffer(r.nextInt(4) == 0 ? r.nextInt(100) : e.getSession().getApplicationBufferSize(),
                        r.nextInt(30) == 0);
                boolean ordered = r.nextInt(10) != 0;
                w.call(ordered ? "unwrap" : "unwrap(unordered)", () -> {
                    if (ordered) {
                        synchronized (wires.unwrapOrder) {
                            unwrapFromWire(e, wires, max, direct, dst);
                        }
                    } else {
                        unwrapFromWire(e, wires, max, direct, dst);
                    }
                });
                break;
            }
            case 8: {
                if (r.nextInt(20) == 0) {
                    byte[] garbage = new byte[r.nextInt(200)];
                    r.nextBytes(garbage);
                    w.call("unwrap(garbage)", () -> e.unwrap(ByteBuffer.wrap(garbage), ByteBuffer.allocate(20000)));
                } else {
                    w.call("getDelegatedTask", e::getDelegatedTask);
                }
                break;
            }
            case 9:
                w.call("beginHandshake", e::beginHandshake);
                break;
            case 10:
                if (r.nextInt(40) == 0) {
                    w.call("closeInbound", e::closeInbound);
                } else {
                    w.call("isInboundDone", e::isInboundDone);
                }
                break;
            case 11:
                if (r.nextInt(40) == 0) {
                    w.call("closeOutbound", e::closeOutbound);
                } else {
                    w.call("getHandshakeStatus", e::getHandshakeStatus);
                }
                break;
            case 12:
                w.call("getSession", () -> e.getSession().getCipherSuite());
                break;
            case 13:
                w.call("getHandshakeSession", e::getHandshakeSession);
                break;
            case 14:
                if (r.nextInt(4) == 0) {
                    w.call("setSSLParameters", () -> e.setSSLParameters(e.getSSLParameters()));
                } else {
                    w.call("unwrap(null)", () -> e.unwrap(ByteBuffer.allocate(10), (ByteBuffer) null));
                }
                break;
            default:
                wires.serverStep(); // the peer's part, not a call on the engine
                break;
        }
    }

    private void count(String what) {
        outcomes.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    private static void unwrapFromWire(SSLEngine e, Wires wires, int max, boolean direct, ByteBuffer dst)
            throws IOException {
        ByteBuffer src = wires.take(max, direct);
        try {
            e.unwrap(src, dst);
        } finally {
            wires.putBack(src);
        }
    }

    // --- Workers, watchdog and the deadlock detector -----------------------------------------------

    interface Body {
        void call(Worker w, Random r) throws Exception;
    }

    interface Call {
        Object run() throws Exception;
    }

    interface VoidCall {
        void run() throws Exception;
    }

    final class Worker implements Runnable {
        final String name;
        final Random r;
        final int calls;
        final Body body;
        volatile String current = "";
        volatile long since; // nanoTime when the current call began, 0 between calls
        volatile boolean closedForIt; // the watchdog closed the socket for the current call

        Worker(String name, Random r, int calls, Body body) {
            this.name = name;
            this.r = r;
            this.calls = calls;
            this.body = body;
        }

        @Override
        public void run() {
            for (int i = 0; i < calls; i++) {
                try {
                    body.call(this, r);
                } catch (Exception | AssertionError e) {
                    failures.add(name + ": the test itself failed: " + trace(e));
                    return;
                }
            }
        }

        void call(String op, Call c) {
            current = op;
            closedForIt = false;
            since = System.nanoTime() | 1;
            String outcome;
            try {
                c.run();
                outcome = "ok";
            } catch (Throwable t) {
                outcome = t.getClass().getSimpleName();
                if (!documented(t)) {
                    failures.add(name + " " + op + ": undocumented " + trace(t));
                }
            } finally {
                since = 0;
            }
            outcomes.computeIfAbsent(op + " -> " + outcome, k -> new LongAdder()).increment();
        }

        void call(String op, VoidCall c) {
            call(op, (Call) () -> {
                c.run();
                return null;
            });
        }

        /** An offset or length: mostly in range, sometimes at or beyond the edges, or negative. */
        int index(int length) {
            switch (r.nextInt(12)) {
                case 0:
                    return -1;
                case 1:
                    return length + 1;
                case 2:
                    return Integer.MAX_VALUE;
                default:
                    return length <= 0 ? 0 : r.nextInt(length + 1);
            }
        }

        /** A buffer of {@code size} bytes: heap or direct, sometimes read-only. */
        ByteBuffer buffer(int size, boolean readOnly) {
            ByteBuffer b = r.nextBoolean() ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
            return readOnly ? b.asReadOnlyBuffer() : b;
        }
    }

    /**
     * Runs {@link #THREADS} workers of {@code calls} calls each on one shared object, watching
     * them: the deadlock detector every few milliseconds, and the time each call has run.
     */
    private void run(String what, long seed, int calls, Body body, Runnable watchdogClose) throws InterruptedException {
        Worker[] workers = new Worker[THREADS];
        Thread[] threads = new Thread[THREADS];
        for (int i = 0; i < THREADS; i++) {
            workers[i] = new Worker(what + " thread " + i, new Random(seed + 31L * i), calls, body);
            threads[i] = new Thread(workers[i], "provider-misuse-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (;;) {
            boolean alive = false;
            for (Thread t : threads) {
                t.join(5);
                alive |= t.isAlive();
            }
            if (mx.findDeadlockedThreads() != null) {
                failures.add(what + ": " + SocketLockOrderTest.deadlocked());
                watchdogClose.run();
                return;
            }
            if (!alive) {
                return;
            }
            long now = System.nanoTime();
            for (int i = 0; i < THREADS; i++) {
                long since = workers[i].since;
                long ran = since == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(now - since);
                if (ran > STUCK_MILLIS && !workers[i].closedForIt) {
                    workers[i].closedForIt = true;
                    outcomes.computeIfAbsent("watchdog closes", k -> new LongAdder()).increment();
                    watchdogClose.run();
                }
                if (ran > STUCK_MILLIS + HUNG_MILLIS) {
                    failures.add(what + ": " + workers[i].name + " HUNG in " + workers[i].current + " for " + ran
                            + " ms:" + stack(threads[i]));
                    return;
                }
            }
        }
    }

    private static String stack(Thread t) {
        StringBuilder s = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            s.append("\n\tat ").append(e);
        }
        return s.toString();
    }

    private static String trace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Prints the outcomes; fails on any failure or on native objects left once all is collected. */
    private void finish(String part, long seed, Map<String, Long> baseline) throws InterruptedException {
        Map<String, Long> summary = new TreeMap<>();
        outcomes.forEach((k, v) -> summary.put(k, v.sum()));
        outcomes.clear();
        System.out.println("ProviderMisuseTest " + part + " outcomes: " + summary);
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
        String leaks = LiveObjects.leaks(baseline, after);
        List<String> problems = new ArrayList<>(failures);
        failures.clear();
        if (leaks != null) {
            problems.add("LEAK after closing everything and GC: " + leaks);
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + " (replay with -D" + SEED_PROPERTY + "=" + seed + "), " + problems.size()
                    + " problem(s), first ones:\n" + String.join("\n", problems.subList(0, Math.min(5, problems.size()))));
        }
    }
}
