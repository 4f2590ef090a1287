package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SslConfig#setVerifyCallback}: the {@link X509VerifyCallback} in the handshake, against
 * openssl s_server serving a chain generated at test time (leaf and intermediate).
 */
class HandshakeVerifyCallbackTest {
    private static final int NOT_TRUSTED = VerifyFlag.BADCERT_NOT_TRUSTED.bit();
    private static final int OTHER = X509VerifyCallback.BADCERT_OTHER;

    @TempDir
    static Path dir;

    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256, "HandshakeCallback");
    }

    /** One call of a callback as it saw it: "depth flags hex-of-DER". */
    private static String call(byte[] der, int depth, int flags) {
        StringBuilder sb = new StringBuilder().append(depth).append(' ').append(Integer.toHexString(flags)).append(' ');
        for (byte b : der) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    /** A client handshake to port trusting trustedPem, with callback on its config (the server picks the version). */
    private static SslContext handshake(int port, Path trustedPem, X509VerifyCallback callback, TlsProtocol protocol) {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
             X509Crt ca = new X509Crt(); NetContext net = new NetContext()) {
            drbg.seed(entropy, "handshake verify callback");
            config.defaults();
            config.setRng(drbg);
            ca.parseFile(trustedPem);
            config.setCaChain(ca);
            config.setVerifyCallback(callback);
            SslContext ssl = new SslContext();
            try {
                ssl.setup(config);
                ssl.setHostname(TestPki.SERVER_NAME);
                net.connect("127.0.0.1", port);
                ssl.setBio(net);
                ssl.handshake();
                return ssl;
            } catch (RuntimeException e) {
                ssl.close();
                throw e;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void seesTheChainFromTheAnchorDownExactlyAsOfflineVerification(TlsProtocol protocol) throws Exception {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
        List<String> handshake = Collections.synchronizedList(new ArrayList<>());
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).start();
             SslContext ssl = handshake(server.port(), pki.rootPem(), (der, depth, flags) -> {
                 handshake.add(call(der, depth, flags));
                 return flags;
             }, protocol)) {
            assertTrue(ssl.verifyResult().isOk(), ssl.verifyResult().toString());
        }
        List<String> offline = new ArrayList<>();
        try (X509Crt chain = new X509Crt(); X509Crt root = X509Crt.of(pki.root().der())) {
            chain.parseDer(pki.leaf().der());
            chain.parseDer(pki.intermediate().der());
            chain.verify(root, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY, (der, depth, flags) -> {
                offline.add(call(der, depth, flags));
                return flags;
            });
        }
        assertEquals(3, offline.size(), "root, intermediate, leaf");
        assertEquals(offline, handshake);
        assertTrue(handshake.get(0).startsWith("2 0 " + call(pki.root().der(), 2, 0).substring(4)), "the anchor first");
    }

    @Test
    void clearingNotTrustedAcceptsAnUntrustedChain() throws Exception {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        try (OpenSslServer server = OpenSslServer.start(pki);
             SslContext ssl = handshake(server.port(), pki.unknownRootPem(), (der, depth, flags) -> {
                 seen.add(flags);
                 return flags & ~NOT_TRUSTED;
             }, null)) {
            assertTrue(ssl.verifyResult().isOk(), "the result is the flags as the callback left them: " + ssl.verifyResult());
        }
        assertTrue(seen.stream().anyMatch(f -> (f & NOT_TRUSTED) != 0), "Mbed TLS flagged the chain: " + seen);
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            CertificateVerificationException e = assertThrows(CertificateVerificationException.class,
                    () -> handshake(server.port(), pki.unknownRootPem(), (der, depth, flags) -> flags, null).close());
            assertTrue(e.verifyResult().has(VerifyFlag.BADCERT_NOT_TRUSTED), "without clearing: refused");
        }
    }

    @Test
    void addingAFlagRefusesATrustedChain() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            CertificateVerificationException e = assertThrows(CertificateVerificationException.class,
                    () -> handshake(server.port(), pki.rootPem(), (der, depth, flags) -> depth == 1 ? flags | OTHER : flags, null)
                            .close());
            assertTrue(e.verifyResult().has(VerifyFlag.BADCERT_OTHER), e.verifyResult().toString());
            assertEquals(OTHER, e.verifyResult().flags(), "only the added flag");
        }
    }

    @Test
    void anExceptionFailsTheHandshakeAndIsItsCause() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        IllegalStateException thrown = new IllegalStateException("refused by the application");
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> handshake(server.port(), pki.rootPem(), (der, depth, flags) -> {
                if (depth == 0) {
                    throw thrown;
                }
                return flags;
            }, null).close());
            assertSame(thrown, e.getCause());
            assertEquals(-0x3000, e.code(), "MBEDTLS_ERR_X509_FATAL_ERROR, as Mbed TLS returns it");
            assertFalse(e instanceof CertificateVerificationException, e.toString());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "the exception's reference is released");
    }

    @Test
    void misuse() {
        try (SslConfig config = new SslConfig()) {
            assertThrows(IllegalStateException.class, () -> config.setVerifyCallback((d, depth, f) -> f), "no defaults yet");
            config.defaults();
            config.setVerifyCallback(null); // nothing to remove: allowed
            config.setVerifyCallback((d, depth, f) -> f);
            config.setVerifyCallback(null);
        }
        SslConfig closed = new SslConfig();
        closed.defaults();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.setVerifyCallback((d, depth, f) -> f));
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
             SslContext ssl = new SslContext()) {
            drbg.seed(entropy, "frozen");
            config.defaults();
            config.setRng(drbg);
            ssl.setup(config);
            assertThrows(IllegalStateException.class, () -> config.setVerifyCallback((d, depth, f) -> f),
                    "handshakes read it without a lock: set it before setup");
        }
    }

    /** A client config trusting trustedPem (no callback yet). */
    private static void prepare(SslConfig config, Entropy entropy, CtrDrbg drbg, X509Crt ca, Path trustedPem) {
        drbg.seed(entropy, "shared config");
        config.defaults();
        config.setRng(drbg);
        ca.parseFile(trustedPem);
        config.setCaChain(ca);
    }

    /** Sets ssl up with config and connects it to the server on port (no handshake yet). */
    private static void connect(SslContext ssl, SslConfig config, NetContext net, int port) {
        ssl.setup(config);
        ssl.setHostname(TestPki.SERVER_NAME);
        net.connect("127.0.0.1", port);
        ssl.setBio(net);
    }

    /** Several threads, one config, one callback: every handshake verifies, every call is counted. */
    @Test
    void oneConfigSharedByConcurrentHandshakes() throws Exception {
        int threads = 4;
        int each = 5;
        AtomicInteger calls = new AtomicInteger();
        X509VerifyCallback callback = (der, depth, flags) -> {
            calls.incrementAndGet();
            return flags & ~NOT_TRUSTED;
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(TlsProtocol.TLS_1_2).start();
             Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
             X509Crt ca = new X509Crt()) {
            prepare(config, entropy, drbg, ca, pki.unknownRootPem());
            config.setVerifyCallback(callback);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < each; i++) {
                        try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
                            connect(ssl, config, net, server.port());
                            ssl.handshake();
                            ok += ssl.verifyResult().isOk() ? 1 : 0;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(each, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each * 2, calls.get(), "intermediate and leaf of each handshake (the root is not sent)");
    }

    /**
     * The callback blocks while another thread closes the config and the context: no crash, the
     * handshake ends (with or without an exception), everything is freed.
     */
    @Test
    void closingWhileTheCallbackBlocks() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (OpenSslServer server = OpenSslServer.start(pki); Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg();
             X509Crt ca = new X509Crt(); NetContext net = new NetContext()) {
            SslConfig config = new SslConfig();
            SslContext ssl = new SslContext();
            drbg.seed(entropy, "close while blocked");
            config.defaults();
            config.setRng(drbg);
            ca.parseFile(pki.rootPem());
            config.setCaChain(ca);
            config.setVerifyCallback((der, depth, flags) -> {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return flags;
            });
            ssl.setup(config);
            ssl.setHostname(TestPki.SERVER_NAME);
            net.connect("127.0.0.1", server.port());
            ssl.setBio(net);
            Future<?> handshake = pool.submit(() -> {
                try {
                    ssl.handshake();
                } catch (RuntimeException expected) {
                    // closed under it: any exception is a clean outcome; a crash is not
                }
            });
            assertTrue(entered.await(60, TimeUnit.SECONDS), "the callback ran");
            config.close();
            Future<?> closer = pool.submit(ssl::close);
            release.countDown();
            handshake.get(60, TimeUnit.SECONDS);
            closer.get(60, TimeUnit.SECONDS);
            assertThrows(IllegalStateException.class, () -> config.setVerifyCallback(null), "closed");
        } finally {
            pool.shutdownNow();
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "config, context and callback freed");
    }

    /**
     * Seeded random callbacks (keep, clear, add, throw, yield) on one config shared by three
     * threads; fails if the JVM's deadlock detector reports a thread or a handshake hangs.
     * -Dmbedtlsjni.seed=N replays a run.
     */
    @Test
    void randomizedCallbacksOnASharedConfig() throws Exception {
        long seed = Long.getLong("mbedtlsjni.seed", System.nanoTime());
        int threads = 3;
        int each = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(TlsProtocol.TLS_1_2).start();
             Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
             X509Crt ca = new X509Crt()) {
            prepare(config, entropy, drbg, ca, pki.rootPem());
            ThreadLocal<Random> random = ThreadLocal.withInitial(() -> new Random(seed ^ Thread.currentThread().getId()));
            config.setVerifyCallback((der, depth, flags) -> {
                switch (random.get().nextInt(5)) {
                    case 0: return flags;
                    case 1: return flags & ~NOT_TRUSTED;
                    case 2: return flags | OTHER;
                    case 3: throw new IllegalStateException("random refusal, seed " + seed);
                    default: Thread.yield(); return flags;
                }
            });
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
                            connect(ssl, config, net, server.port());
                            try {
                                ssl.handshake();
                                assertTrue(ssl.verifyResult().isOk(), "accepted only with no flags left, seed " + seed);
                            } catch (CertificateVerificationException e) {
                                assertTrue(e.verifyResult().has(VerifyFlag.BADCERT_OTHER), "seed " + seed + ": " + e);
                            } catch (MbedTlsException e) {
                                assertEquals(-0x3000, e.code(), "seed " + seed + ": " + e);
                                assertTrue(e.getCause() instanceof IllegalStateException, "seed " + seed);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (true) {
                    try {
                        run.get(1, TimeUnit.SECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException stillRunning) {
                        assertNull(ManagementFactory.getThreadMXBean().findDeadlockedThreads(), "deadlock, seed " + seed);
                        assertTrue(System.nanoTime() < deadline, "hang, seed " + seed);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
