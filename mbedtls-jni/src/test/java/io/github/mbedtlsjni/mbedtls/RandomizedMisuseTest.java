package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.HostileServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized misuse from several threads at once: random sequences of calls on every class of
 * the API (wrong order, double close, use after close, closing what is still in use, null,
 * negative and oversized offsets and lengths, empty and huge buffers), on objects shared
 * between the threads, with real connections (a JSSE echo server, a TLS server that never
 * answers, a TCP server that never answers, a closed port) whose handshakes, reads and writes
 * race with closes from other threads. A watchdog closes any connection a call has blocked on
 * for a while, as an application's timeout would.
 *
 * <p>Passes when no call hangs, every failure is a documented exception
 * ({@link #documented(Throwable)}), every echo on a private verified connection comes back
 * intact, and after closing everything and GC the native live-object counts are back where they
 * started.
 *
 * <p>The seed is printed; {@code -Dmbedtlsjni.seed=N} replays each thread's sequence of calls
 * (the interleaving of the threads is up to the scheduler; {@code -Dmbedtlsjni.misuse.threads=1}
 * replays exactly). {@code -Dmbedtlsjni.misuse.ops=N} sets the number of calls (default 120,000).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RandomizedMisuseTest {
    static final String SEED_PROPERTY = "mbedtlsjni.seed";
    static final String OPS_PROPERTY = "mbedtlsjni.misuse.ops";
    static final String THREADS_PROPERTY = "mbedtlsjni.misuse.threads";

    /** One call in this many is a full connection (a handshake costs as much as thousands of other calls). */
    private static final int HEAVY_ONE_IN = 300;
    /** A call blocked longer than this on a shared connection gets that connection closed. */
    private static final long STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Private echo connections get much longer (a loaded machine), but not forever. */
    private static final long PRIVATE_STUCK_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** A worker that has not finished this long after the others is hung. */
    private static final long HANG_MILLIS = 120_000;

    @TempDir
    static Path dir;

    private TestPki pki;
    private byte[] rootPem;
    private byte[] rootDer;
    private byte[] crlPem;
    private byte[] crlDer;
    private byte[] chainPem;
    private byte[] keyPem;
    private final byte[] huge = new byte[1 << 20];
    private Path missingFile;
    private JsseServer echo;
    private JsseServer quiet;
    private HostileServer silent;
    private int closedPort;

    // The shared world: every worker picks objects from these slots.
    private final MisuseSlots<NetContext> nets = new MisuseSlots<>(NetContext::new);
    private final MisuseSlots<Entropy> entropies = new MisuseSlots<>(Entropy::new);
    private final MisuseSlots<CtrDrbg> drbgs = new MisuseSlots<>(CtrDrbg::new);
    private final MisuseSlots<SslConfig> configs = new MisuseSlots<>(SslConfig::new);
    private final MisuseSlots<SslContext> ssls = new MisuseSlots<>(SslContext::new);
    private final MisuseSlots<X509Crt> crts = new MisuseSlots<>(X509Crt::new);
    private final MisuseSlots<X509Crl> crls = new MisuseSlots<>(X509Crl::new);
    private final MisuseSlots<PkContext> keys = new MisuseSlots<>(PkContext::new);
    private final MisuseSlots<SslSession> sessions = new MisuseSlots<>(SslSession::new);
    private final List<MisuseSlots<?>> allSlots = List.of(nets, entropies, drbgs, configs, ssls, crts, crls, keys, sessions);

    // A verified config for private echo connections; never touched by the random calls.
    private Entropy goodEntropy;
    private CtrDrbg goodDrbg;
    private X509Crt goodCa;
    private SslConfig goodConfig;

    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> nanosByOp = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failureCount = new AtomicInteger();
    private final LongAdder watchdogCloses = new LongAdder();
    private final LongAdder verifiedEchoes = new LongAdder();
    private final LongAdder handshakes = new LongAdder();

    @BeforeAll
    void setUp() throws IOException {
        pki = TestPki.create(dir, KeyType.EC_P256);
        rootPem = Files.readAllBytes(pki.rootPem());
        rootDer = pki.root().der();
        crlPem = Files.readAllBytes(pki.crlPem());
        crlDer = Files.readAllBytes(pki.crlDer());
        chainPem = Files.readAllBytes(pki.serverChainPem());
        keyPem = Files.readAllBytes(pki.serverKeyPem());
        new Random(7).nextBytes(huge);
        missingFile = dir.resolve("no-such-file.pem");
        echo = JsseServer.start(pki);
        quiet = JsseServer.builder(SslContexts.server(pki)).handler(exchange -> {
            InputStream in = exchange.in();
            while (in.read() >= 0) {
                // reads everything, never answers
            }
        }).start();
        silent = HostileServer.silent(200);
        closedPort = TestServer.freePort(); // nothing listens there
    }

    @AfterAll
    void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {echo, quiet, silent}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /**
     * The exceptions the API documents. A {@link NullPointerException} must come from an
     * argument check ({@code Objects.requireNonNull}), not from inside the binding.
     */
    static boolean documented(Throwable t) {
        if (t instanceof NullPointerException) {
            StackTraceElement[] stack = t.getStackTrace();
            return stack.length > 0 && stack[0].getClassName().equals("java.util.Objects");
        }
        return t instanceof IllegalStateException
                || t instanceof IllegalArgumentException
                || t instanceof IndexOutOfBoundsException
                || t instanceof MbedTlsException
                || t instanceof ReadOnlyBufferException
                // a file that is missing, unreadable or a directory, refused before Mbed TLS reads it
                || t instanceof java.io.UncheckedIOException && t.getCause() instanceof java.nio.file.FileSystemException
                // the JDK refusing a certificate Mbed TLS parsed (X509Crt.toX509Certificates)
                || t instanceof java.security.cert.CertificateException;
    }

    /**
     * Found by the random calls: read() and write() before handshake() perform the handshake
     * (as in C), so they follow the same hostname rule as handshake().
     */
    @Test
    void readOrWriteBeforeHandshakeFollowTheHostnameRule() {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.net.connect("127.0.0.1", echo.port());
            c.ssl.setBio(c.net);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.ssl.read(new byte[4]));
            assertTrue(e.getMessage().contains("setHostname"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> c.ssl.write(ping, 0, 4));
            assertTrue(e.getMessage().contains("setHostname"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> c.ssl.write(ByteBuffer.allocateDirect(4)));
            assertTrue(e.getMessage().contains("setHostname"), e.getMessage());
        }
        try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.ssl.setHostname(TestPki.SERVER_NAME);
            c.net.connect("127.0.0.1", echo.port());
            c.ssl.setBio(c.net);
            c.ssl.writeFully(ping); // handshakes first, verified
            assertTrue(c.ssl.verifyResult().isOk());
            assertEquals("ping", c.receive(4));
        }
    }

    @Test
    void randomCallsFromSeveralThreadsGiveOnlyDocumentedExceptionsAndLeakNothing() throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, new SecureRandom().nextLong());
        int totalOps = Integer.getInteger(OPS_PROPERTY, 120_000);
        int threadCount = Integer.getInteger(THREADS_PROPERTY, 4);
        System.out.println("RandomizedMisuseTest: seed=" + seed + " ops=" + totalOps + " threads=" + threadCount
                + " (replay: -D" + SEED_PROPERTY + "=" + seed + ")");
        Map<String, Long> baseline = LiveObjects.settle();

        goodEntropy = new Entropy();
        goodDrbg = new CtrDrbg();
        goodDrbg.seed(goodEntropy, "misuse test");
        goodCa = X509Crt.of(rootPem);
        goodConfig = new SslConfig();
        goodConfig.defaults();
        goodConfig.setRng(goodDrbg);
        goodConfig.setCaChain(goodCa);

        Op[] table = weighted(operations());
        Op[] heavyTable = weighted(heavyOperations());
        MisuseArguments.World world = new MisuseArguments.World(pki, dir, missingFile, rootPem, rootDer, crlPem,
                crlDer, chainPem, keyPem, huge, echo.port(), quiet.port(), silent.port(), closedPort);
        Worker[] workers = new Worker[threadCount];
        Thread[] threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++) {
            int share = totalOps / threadCount + (i < totalOps % threadCount ? 1 : 0);
            workers[i] = new Worker(i, new Random(seed + 0x9E3779B97F4A7C15L * (i + 1)), world, share, table, heavyTable);
            threads[i] = new Thread(workers[i], "misuse-" + i);
            threads[i].setDaemon(true);
        }
        long start = System.nanoTime();
        Watchdog watchdog = new Watchdog(workers, new Random(seed));
        Thread watchdogThread = new Thread(watchdog, "misuse-watchdog");
        watchdogThread.setDaemon(true);
        watchdogThread.start();
        for (Thread t : threads) {
            t.start();
        }
        List<String> hung = new ArrayList<>();
        long deadline = System.currentTimeMillis() + HANG_MILLIS + totalOps; // generous: ~1 ms per call on top
        for (int i = 0; i < threadCount; i++) {
            threads[i].join(Math.max(1, deadline - System.currentTimeMillis()));
            if (threads[i].isAlive()) {
                StringBuilder s = new StringBuilder(threads[i].getName() + " hung in " + workers[i].currentOp + ":");
                for (StackTraceElement e : threads[i].getStackTrace()) {
                    s.append("\n\tat ").append(e);
                }
                hung.add(s.toString());
            }
        }
        watchdog.stop();
        watchdogThread.join(10_000);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long done = Arrays.stream(workers).mapToLong(w -> w.done).sum();

        // Close everything, in a random order, and let the Cleaner take what was dropped.
        Random r = new Random(seed);
        List<MisuseSlots<?>> order = new ArrayList<>(allSlots);
        java.util.Collections.shuffle(order, r);
        for (MisuseSlots<?> s : order) {
            s.closeAll();
        }
        goodConfig.close();
        goodCa.close();
        goodDrbg.close();
        goodEntropy.close();
        goodConfig = null;
        goodCa = null;
        goodDrbg = null;
        goodEntropy = null;
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);

        System.out.println("RandomizedMisuseTest: " + done + " calls in " + elapsedMillis + " ms; "
                + handshakes.sum() + " handshakes completed, " + verifiedEchoes.sum() + " verified echoes, "
                + watchdogCloses.sum() + " watchdog closes; seed=" + seed);
        System.out.println("RandomizedMisuseTest outcomes: " + new TreeMap<>(summarize()));
        StringBuilder slowest = new StringBuilder();
        nanosByOp.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum())).limit(8)
                .forEach(e -> slowest.append(" ").append(e.getKey()).append("=")
                        .append(TimeUnit.NANOSECONDS.toMillis(e.getValue().sum())).append("ms"));
        System.out.println("RandomizedMisuseTest thread time by call:" + slowest);
        System.out.println("RandomizedMisuseTest live objects: before " + new TreeMap<>(baseline) + ", after " + after);

        StringBuilder problems = new StringBuilder();
        for (String h : hung) {
            problems.append("\nHUNG: ").append(h);
        }
        if (failureCount.get() > 0) {
            problems.append("\n").append(failureCount.get()).append(" undocumented outcome(s), first ones:");
            failures.forEach(f -> problems.append("\n").append(f));
        }
        String leaks = LiveObjects.leaks(baseline, after);
        if (leaks != null) {
            problems.append("\nLEAK after closing everything and GC: ").append(leaks);
        }
        if (problems.length() > 0) {
            fail("seed " + seed + " (replay with -D" + SEED_PROPERTY + "=" + seed + "):" + problems);
        }
        assertTrue(done >= totalOps, "all calls ran: " + done);
    }

    private Map<String, Long> summarize() {
        Map<String, Long> m = new TreeMap<>();
        outcomes.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    // --- The world ------------------------------------------------------------------------------

    // --- Workers and the watchdog -----------------------------------------------------------------

    interface Action {
        void run(Worker w) throws Exception;
    }

    record Op(String name, int weight, Action action) {}

    final class Worker extends MisuseArguments implements Runnable {
        final int index;
        final int ops;
        final Op[] table;
        final Op[] heavyTable;
        volatile String currentOp = "";
        volatile long done;
        // What the current call may block on, for the watchdog.
        volatile SslContext blockingSsl;
        volatile NetContext blockingNet;
        volatile long blockedSince;
        volatile long blockLimit;

        Worker(int index, Random r, MisuseArguments.World world, int ops, Op[] table, Op[] heavyTable) {
            super(r, world);
            this.index = index;
            this.ops = ops;
            this.table = table;
            this.heavyTable = heavyTable;
        }

        @Override
        public void run() {
            for (int i = 0; i < ops; i++) {
                Op op = r.nextInt(HEAVY_ONE_IN) == 0 ? heavyTable[r.nextInt(heavyTable.length)] : table[r.nextInt(table.length)];
                currentOp = op.name;
                String outcome;
                long t0 = System.nanoTime();
                try {
                    op.action.run(this);
                    outcome = "ok";
                } catch (Throwable t) {
                    outcome = t.getClass().getSimpleName();
                    if (!documented(t)) {
                        record("thread " + index + " call " + i + " " + op.name + ": undocumented " + stackTrace(t));
                    }
                } finally {
                    unblocking();
                }
                outcomes.computeIfAbsent(op.name + " -> " + outcome, k -> new LongAdder()).increment();
                nanosByOp.computeIfAbsent(op.name, k -> new LongAdder()).add(System.nanoTime() - t0);
                done = i + 1;
            }
            currentOp = "finished";
        }

        /** Marks the start of a call that may block on {@code ssl}/{@code net}. */
        void blocking(SslContext ssl, NetContext net, long limitNanos) {
            blockingSsl = ssl;
            blockingNet = net;
            blockLimit = limitNanos;
            blockedSince = System.nanoTime() | 1; // never 0 while set
        }

        void unblocking() {
            blockedSince = 0;
            blockingSsl = null;
            blockingNet = null;
        }

        /** A random object of any class, for close() and friends. */
        NativeResource anyObject() {
            return allSlots.get(r.nextInt(allSlots.size())).any(r);
        }
    }

    final class Watchdog implements Runnable {
        private final Worker[] workers;
        private final Random r; // from the run's seed, like the workers' choices
        private volatile boolean stopped;

        Watchdog(Worker[] workers, Random r) {
            this.workers = workers;
            this.r = r;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            long lastGc = System.nanoTime();
            while (!stopped) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                for (Worker w : workers) {
                    long since = w.blockedSince;
                    SslContext ssl = w.blockingSsl;
                    NetContext net = w.blockingNet;
                    if (since != 0 && now - since > w.blockLimit) {
                        // Either close wakes the blocked call.
                        if (net != null && r.nextBoolean()) {
                            net.close();
                        } else if (ssl != null) {
                            ssl.close();
                        } else if (net != null) {
                            net.close();
                        }
                        watchdogCloses.increment();
                    }
                }
                if (now - lastGc > TimeUnit.SECONDS.toNanos(2)) {
                    System.gc(); // dropped objects hold native memory the Java heap does not see
                    lastGc = now;
                }
            }
        }
    }

    private void record(String failure) {
        if (failureCount.incrementAndGet() <= 20) {
            failures.add(failure);
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter s = new StringWriter();
        t.printStackTrace(new PrintWriter(s));
        return s.toString();
    }

    // --- The operations ---------------------------------------------------------------------------

    private static Op op(String name, int weight, Action action) {
        return new Op(name, weight, action);
    }

    private static Op[] weighted(List<Op> ops) {
        return ops.stream().flatMap(op -> java.util.Collections.nCopies(op.weight, op).stream()).toArray(Op[]::new);
    }

    private List<Op> operations() {
        List<Op> ops = new ArrayList<>();
        // MbedTls: static facts and diagnostics, with hostile arguments.
        ops.add(op("MbedTls.version", 1, w -> {
            MbedTls.version();
            MbedTls.versionNumber();
            MbedTls.buildSource();
            MbedTls.buildConfig();
        }));
        ops.add(op("MbedTls.hasFeature", 1, w -> MbedTls.hasFeature(
                new String[] {null, "", "SSL_PROTO_TLS1_3", "MBEDTLS_THREADING_C", "NO_SUCH", "a\0b", "x".repeat(5000)}[w.r.nextInt(7)])));
        ops.add(op("MbedTls.errorText", 1, w -> MbedTls.errorText(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1,
                -0x7780, -0x2700, w.r.nextInt(), -w.r.nextInt(0x10000), w.r.nextInt(0x10000)}[w.r.nextInt(9)])));
        ops.add(op("MbedTls.liveNativeObjects", 1, w -> MbedTls.liveNativeObjects()));

        // Creating, replacing, dropping and closing.
        ops.add(op("new NetContext", 1, w -> nets.put(w.r, new NetContext())));
        ops.add(op("new Entropy", 1, w -> entropies.put(w.r, new Entropy())));
        ops.add(op("new CtrDrbg", 1, w -> drbgs.put(w.r, new CtrDrbg())));
        ops.add(op("new SslConfig", 1, w -> configs.put(w.r, new SslConfig())));
        ops.add(op("new SslContext", 1, w -> ssls.put(w.r, new SslContext())));
        ops.add(op("new X509Crt", 1, w -> crts.put(w.r, new X509Crt())));
        ops.add(op("new X509Crl", 1, w -> crls.put(w.r, new X509Crl())));
        ops.add(op("X509Crt.of", 2, w -> crts.put(w.r, X509Crt.of(w.data()))));
        ops.add(op("close", 6, w -> w.anyObject().close()));
        ops.add(op("isClosed/toString", 1, w -> {
            NativeResource o = w.anyObject();
            o.isClosed();
            o.toString();
        }));

        // PkContext, SslSession and the newer settings.
        ops.add(op("new PkContext", 1, w -> keys.put(w.r, new PkContext())));
        ops.add(op("PkContext.parseKey", 2, w -> {
            char[] password = w.chance(3) ? null : "secret".toCharArray();
            byte[] key = w.chance(3) ? keyPem : w.data();
            if (w.chance(2)) {
                keys.any(w.r).parseKey(key, password, drbgs.anyOrNull(w.r));
            } else {
                keys.any(w.r).parseKey(key, password);
            }
        }));
        ops.add(op("PkContext.info", 1, w -> {
            PkContext k = keys.any(w.r);
            k.hasKey();
            k.name();
            k.bits();
        }));
        ops.add(op("new SslSession", 1, w -> sessions.put(w.r, w.chance(2) ? new SslSession() : SslSession.load(w.data()))));
        ops.add(op("SslSession.use", 2, w -> {
            SslSession session = sessions.any(w.r);
            switch (w.r.nextInt(5)) {
                case 0: session.save(); break;
                case 1: sessions.put(w.r, session.copy()); break;
                case 2: session.isFilled(); break;
                case 3: ssls.any(w.r).setSession(sessions.anyOrNull(w.r)); break;
                default: ssls.any(w.r).getSession(sessions.anyOrNull(w.r));
            }
        }));
        ops.add(op("SslConfig.setOwnCert", 1, w -> configs.any(w.r).setOwnCert(crts.anyOrNull(w.r), keys.anyOrNull(w.r))));
        ops.add(op("SslConfig.setCiphersuites", 1, w -> configs.any(w.r).setCiphersuites(w.chance(10) ? null
                : new String[][] {{}, {null}, {"TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"}, {"NO-SUCH-SUITE"},
                    {"TLS1-3-AES-128-GCM-SHA256", "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384"}}[w.r.nextInt(5)])));
        ops.add(op("SslConfig.setAlpnProtocols", 1, w -> configs.any(w.r).setAlpnProtocols(w.chance(10) ? null
                : new String[][] {{}, {null}, {""}, {"h2", "http/1.1"}, {"x".repeat(300)}}[w.r.nextInt(5)])));
        ops.add(op("SslConfig.setTls13SessionTickets", 1, w -> configs.any(w.r).setTls13SessionTickets(w.r.nextBoolean())));
        ops.add(op("NetContext.setReadTimeout", 1, w -> nets.any(w.r).setReadTimeout(
                new int[] {-1, 0, 1, 50, 1000}[w.r.nextInt(5)])));

        // Entropy and CtrDrbg.
        ops.add(op("CtrDrbg.seed", 3, w -> {
            CtrDrbg d = drbgs.any(w.r);
            Entropy e = entropies.anyOrNull(w.r);
            if (w.chance(3)) {
                d.seed(e, w.chance(10) ? null : "pers-" + w.r.nextInt());
            } else {
                d.seed(e, w.data());
            }
        }));
        ops.add(op("CtrDrbg.random", 3, w -> drbgs.any(w.r).random(w.array())));

        // SslConfig.
        ops.add(op("SslConfig.defaults", 3, w -> configs.any(w.r).defaults()));
        ops.add(op("SslConfig.setRng", 3, w -> configs.any(w.r).setRng(drbgs.anyOrNull(w.r))));
        ops.add(op("SslConfig.setAuthMode", 1, w -> configs.any(w.r).setAuthMode(w.enumOrNull(AuthMode.values()))));
        ops.add(op("SslConfig.setMinTlsVersion", 1, w -> configs.any(w.r).setMinTlsVersion(w.enumOrNull(TlsVersion.values()))));
        ops.add(op("SslConfig.setMaxTlsVersion", 1, w -> configs.any(w.r).setMaxTlsVersion(w.enumOrNull(TlsVersion.values()))));
        ops.add(op("SslConfig.setCaChain", 3, w -> {
            if (w.chance(3)) {
                configs.any(w.r).setCaChain(crts.anyOrNull(w.r));
            } else {
                configs.any(w.r).setCaChain(crts.anyOrNull(w.r), w.chance(3) ? null : crls.any(w.r));
            }
        }));
        ops.add(op("SslConfig.authMode", 1, w -> configs.any(w.r).authMode()));
        ops.add(op("ready SslConfig", 3, w -> {
            SslConfig c = new SslConfig();
            try {
                c.defaults();
                CtrDrbg d = drbgs.any(w.r);
                if (!d.isSeeded()) {
                    d = new CtrDrbg();
                    d.seed(entropies.any(w.r), "ready");
                    drbgs.put(w.r, d);
                }
                c.setRng(d);
                if (w.chance(4)) {
                    c.setMinTlsVersion(TlsVersion.values()[w.r.nextInt(2)]);
                }
                if (w.chance(4)) {
                    c.setMaxTlsVersion(TlsVersion.values()[w.r.nextInt(2)]);
                }
                if (w.chance(6)) {
                    c.setAuthMode(AuthMode.values()[w.r.nextInt(3)]);
                }
                X509Crt ca = w.chance(3) ? crts.any(w.r) : X509Crt.of(rootPem);
                if (w.chance(4)) {
                    X509Crl crl = new X509Crl();
                    crl.parse(crlPem);
                    c.setCaChain(ca, crl);
                    crls.put(w.r, crl);
                } else {
                    c.setCaChain(ca);
                }
                crts.put(w.r, ca);
            } finally {
                configs.put(w.r, c); // also when half-made
            }
        }));

        // SslContext: the steps in any order.
        ops.add(op("SslContext.setup", 4, w -> ssls.any(w.r).setup(w.chance(3) ? goodConfig : configs.anyOrNull(w.r))));
        ops.add(op("SslContext.setHostname", 3, w -> ssls.any(w.r).setHostname(w.hostname())));
        ops.add(op("SslContext.skipHostnameVerification", 1, w -> ssls.any(w.r).skipHostnameVerification()));
        ops.add(op("SslContext.setBio", 3, w -> ssls.any(w.r).setBio(nets.anyOrNull(w.r))));
        ops.add(op("SslContext.handshake", 3, w -> {
            SslContext s = ssls.any(w.r);
            w.blocking(s, null, STUCK_NANOS);
            s.handshake();
            handshakes.increment();
        }));
        ops.add(op("SslContext.info", 3, w -> {
            SslContext s = ssls.any(w.r);
            switch (w.r.nextInt(7)) {
                case 0: s.verifyResult(); break;
                case 1: s.protocol(); break;
                case 2: s.ciphersuite(); break;
                case 3: s.inbound(); break;
                case 4: s.isResumed(); break;
                case 5: s.alpnProtocol(); break;
                default: {
                    X509Crt peer = s.peerCertificates();
                    if (peer != null) {
                        crts.put(w.r, peer);
                    }
                }
            }
        }));
        ops.add(op("SslContext.read", 5, w -> {
            SslContext s = ssls.any(w.r);
            w.blocking(s, null, STUCK_NANOS);
            if (!w.chance(10)) {
                s.write(new byte[] {'p', 'i', 'n', 'g'}, 0, 4); // so that the echo answers
            }
            byte[] b = w.array();
            switch (w.r.nextInt(3)) {
                case 0: s.read(b); break;
                case 1: {
                    int len = b == null ? 0 : b.length;
                    s.read(b, w.index(len), w.chance(3) ? w.index(len) : Math.min(len, 64));
                    break;
                }
                default: s.read(w.buffer());
            }
        }));
        ops.add(op("SslContext.write", 5, w -> {
            SslContext s = ssls.any(w.r);
            w.blocking(s, null, STUCK_NANOS);
            byte[] b = w.array();
            switch (w.r.nextInt(4)) {
                case 0: s.write(b, 0, b == null ? 0 : Math.min(b.length, 100)); break;
                case 1: {
                    int len = b == null ? 0 : b.length;
                    s.write(b, w.index(len), w.index(len));
                    break;
                }
                case 2: s.writeFully(b); break;
                default: s.write(w.buffer());
            }
        }));
        ops.add(op("SslContext.closeNotify", 1, w -> {
            SslContext s = ssls.any(w.r);
            w.blocking(s, null, STUCK_NANOS);
            s.closeNotify();
        }));
        // NetContext.
        ops.add(op("NetContext.connect", 2, w -> {
            NetContext n = nets.any(w.r);
            w.blocking(null, n, STUCK_NANOS);
            n.connect(new String[] {null, "", "127.0.0.1", "localhost", "::1"}[w.r.nextInt(5)], w.port());
        }));
        ops.add(op("NetContext.isConnected", 1, w -> nets.any(w.r).isConnected()));

        // X509Crt and X509Crl.
        ops.add(op("X509Crt.parse", 3, w -> crts.any(w.r).parse(w.data())));
        ops.add(op("X509Crt.parseDer", 2, w -> crts.any(w.r).parseDer(w.data())));
        ops.add(op("X509Crt.parseFile", 1, w -> crts.any(w.r).parseFile(w.path())));
        ops.add(op("X509Crt.parsePath", 1, w -> crts.any(w.r).parsePath(w.chance(2) ? dir : w.path())));
        ops.add(op("X509Crt.read", 4, w -> {
            X509Crt c = crts.any(w.r);
            int i = w.chance(2) ? w.r.nextInt(3) : w.index(3);
            switch (w.r.nextInt(6)) {
                case 0: c.size(); break;
                case 1: c.der(i); break;
                case 2: c.subject(i); break;
                case 3: c.issuer(i); break;
                case 4: c.info(i); break;
                default: c.toX509Certificates();
            }
        }));
        ops.add(op("X509Crl.parse", 2, w -> crls.any(w.r).parse(w.data())));
        ops.add(op("X509Crl.parseFile", 1, w -> crls.any(w.r).parseFile(w.path())));
        ops.add(op("X509Crl.size", 1, w -> crls.any(w.r).size()));

        return ops;
    }

    /** Full connections: handshakes on shared objects, and private verified echoes. */
    private List<Op> heavyOperations() {
        List<Op> ops = new ArrayList<>();
        ops.add(op("connect SslContext", 2, w -> {
            SslContext s = new SslContext();
            NetContext n = new NetContext();
            try {
                s.setup(w.chance(2) ? goodConfig : configs.any(w.r));
                if (w.chance(5)) {
                    s.setHostname(w.hostname());
                } else if (w.chance(10)) {
                    s.skipHostnameVerification();
                } else {
                    s.setHostname(TestPki.SERVER_NAME);
                }
                n.connect("127.0.0.1", w.port());
                s.setBio(n);
                w.blocking(s, n, STUCK_NANOS * 3);
                s.handshake();
                handshakes.increment();
            } finally {
                ssls.put(w.r, s);
                nets.put(w.r, n);
            }
        }));

        // The correctness check in the mix: a private, verified connection echoes intact.
        ops.add(op("private verified echo", 1, this::privateEcho));
        return ops;
    }

    private void privateEcho(Worker w) {
        byte[] payload = new byte[1 + w.r.nextInt(w.chance(4) ? 60_000 : 2000)];
        w.r.nextBytes(payload);
        try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
            ssl.setup(goodConfig);
            ssl.setHostname(TestPki.SERVER_NAME);
            net.connect("127.0.0.1", echo.port());
            ssl.setBio(net);
            w.blocking(ssl, net, PRIVATE_STUCK_NANOS);
            ssl.handshake();
            handshakes.increment();
            if (!ssl.verifyResult().isOk()) {
                record("private echo: handshake succeeded but verifyResult is " + ssl.verifyResult());
                return;
            }
            byte[] back = new byte[payload.length];
            int sent = 0;
            int received = 0;
            while (received < payload.length) {
                if (sent < payload.length) {
                    sent += ssl.write(payload, sent, payload.length - sent);
                }
                if (received < sent) {
                    int n = ssl.read(back, received, back.length - received);
                    if (n < 0) {
                        record("private echo: EOF after " + received + " of " + payload.length + " bytes");
                        return;
                    }
                    received += n;
                }
            }
            if (!Arrays.equals(payload, back)) {
                record("private echo: " + payload.length + " bytes came back corrupted");
                return;
            }
            verifiedEchoes.increment();
            ssl.closeNotify();
        }
    }
}
