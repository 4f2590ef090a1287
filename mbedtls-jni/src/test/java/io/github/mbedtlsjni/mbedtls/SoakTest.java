package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.ProcessMemory;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak test, run by {@code scripts/soak} (not in CI): N full handshakes with verification
 * (default 20,000) in one JVM, against {@code openssl s_server} processes, alternating TLS 1.2
 * and 1.3 (1.2 only on Mbed TLS 2.28), each one echoing a line and closing cleanly. Every
 * connection makes a new NetContext and SslContext and reads the peer's chain; every 100
 * connections of a thread make a new Entropy, CtrDrbg, CA chain, CRL and configs. At checkpoints it prints the process's RSS
 * after GC and the native live-object counts; at the end, with everything closed, the counts
 * must be back at their baseline and the RSS must not have grown beyond warm-up noise.
 *
 * <p>{@code -Dmbedtlsjni.soak.handshakes=N} enables it; {@code -Dmbedtlsjni.soak.threads=T}
 * (default 2). The report also goes to {@code target/soak-report.txt}.
 */
@EnabledIfSystemProperty(named = SoakTest.HANDSHAKES, matches = "\\d+")
class SoakTest {
    static final String HANDSHAKES = "mbedtlsjni.soak.handshakes";
    /** RSS growth from the first checkpoint (after warm-up) to the end that still counts as flat. */
    private static final long FLAT_BYTES = 16L << 20;
    private static final int CHECKPOINTS = 10;
    private static final int CONNECTIONS_PER_WORLD = 100;

    @TempDir
    static Path dir;

    private final List<String> report = new ArrayList<>();

    @Test
    void fullVerifiedHandshakesLeaveNativeMemoryAndLiveObjectsFlat() throws Exception {
        int total = Integer.getInteger(HANDSHAKES);
        int threadCount = Integer.getInteger("mbedtlsjni.soak.threads", 2);
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        byte[] caPem = Files.readAllBytes(pki.rootPem());
        byte[] crlPem = Files.readAllBytes(pki.crlPem());
        List<ExternalServer> servers = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int t = 0; t < threadCount; t++) { // s_server serves one connection at a time
                ExternalServer server = startServer(pki, dir.resolve("s_server-" + t));
                servers.add(server);
                ports.add(server.port());
            }
            Map<String, Long> baseline = LiveObjects.settle();
            long rssStart = rssAfterGc();
            line(String.format("soak: %d full handshakes with verification, %d threads, Mbed TLS %s, %s",
                    total, threadCount, MbedTls.version(), System.getProperty("java.vm.name") + " "
                            + Runtime.version() + " " + java.lang.management.ManagementFactory.getRuntimeMXBean()
                                    .getInputArguments()));
            line("RSS-after-GC: VmRSS after two full GCs; JVM-NMT: what the JVM itself has committed (Native Memory "
                    + "Tracking, if enabled), so RSS-NMT is roughly what Mbed TLS and the glue hold");
            line(String.format("%10s %10s %12s %12s %12s %10s  %s", "handshakes", "seconds", "RSS-after-GC", "JVM-NMT",
                    "RSS-NMT", "live-total", "live objects"));
            line(row(0, 0.0, rssStart, baseline));

            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < threadCount; t++) {
                int port = ports.get(t);
                Thread thread = new Thread(() -> {
                    try {
                        clientLoop(port, caPem, crlPem, total, next, done);
                    } catch (Throwable e) {
                        errors.add(e);
                        next.set(total); // stop the others too
                    }
                }, "soak-" + t);
                thread.start();
                threads.add(thread);
            }
            long start = System.nanoTime();
            long firstCheckpointRss = -1;
            int firstCheckpoint = 0;
            int step = Math.max(1, total / CHECKPOINTS);
            for (int checkpoint = step; checkpoint <= total && errors.isEmpty(); checkpoint += step) {
                while (done.get() < checkpoint && errors.isEmpty() && threads.stream().anyMatch(Thread::isAlive)) {
                    Thread.sleep(20);
                }
                long rss = rssAfterGc();
                if (firstCheckpointRss < 0) {
                    firstCheckpointRss = rss;
                    firstCheckpoint = done.get();
                }
                Map<String, Long> live = LiveObjects.counts();
                line(row(done.get(), (System.nanoTime() - start) / 1e9, rss, live));
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.MINUTES.toMillis(10));
                assertTrue(!thread.isAlive(), thread.getName() + " hung");
            }
            if (!errors.isEmpty()) {
                throw new AssertionError("soak failed after " + done.get() + " handshakes", errors.peek());
            }
            Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
            long rssEnd = rssAfterGc();
            double seconds = (System.nanoTime() - start) / 1e9;
            line(String.format("end: %d handshakes in %.1f s (%.0f/s); RSS after GC %.1f MiB at start, %.1f MiB after "
                    + "the first %d, %.1f MiB at the end (%+.1f MiB since the first checkpoint); live objects %s "
                    + "(baseline %s)", done.get(), seconds, done.get() / seconds, mib(rssStart), mib(firstCheckpointRss),
                    firstCheckpoint, mib(rssEnd), mib(rssEnd - firstCheckpointRss), compact(after), compact(baseline)));
            writeReport();
            assertEquals(total, done.get());
            assertNull(LiveObjects.leaks(baseline, after), "native objects still allocated after closing everything");
            assertTrue(rssEnd - firstCheckpointRss < FLAT_BYTES, String.format(
                    "RSS grew by %.1f MiB from the first checkpoint to the end", mib(rssEnd - firstCheckpointRss)));
        } finally {
            for (ExternalServer server : servers) {
                server.close();
            }
        }
    }

    /** One thread's connections, each a full verified handshake, an echo and a clean close. */
    private static void clientLoop(int port, byte[] caPem, byte[] crlPem, int total, AtomicInteger next, AtomicInteger done) {
        World world = null;
        try {
            int mine = 0;
            for (int i; (i = next.getAndIncrement()) < total; mine++) {
                if (mine % CONNECTIONS_PER_WORLD == 0) {
                    if (world != null) {
                        world.close();
                    }
                    world = new World(caPem, crlPem);
                }
                TlsVersion version = (i & 1) == 0 || !MbedTlsVersions.hasTls13() ? TlsVersion.TLS1_2 : TlsVersion.TLS1_3;
                try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
                    ssl.setup(version == TlsVersion.TLS1_2 ? world.tls12 : world.tls13);
                    ssl.setHostname(TestPki.SERVER_NAME);
                    net.connect("127.0.0.1", port);
                    ssl.setBio(net);
                    ssl.handshake();
                    assertTrue(ssl.verifyResult().isOk(), () -> "verified: " + ssl.verifyResult());
                    assertEquals(version.protocolName(), ssl.protocol());
                    try (X509Crt peer = ssl.peerCertificates()) {
                        assertNotNull(peer);
                        assertEquals(2, peer.size());
                    }
                    String line = "soak " + i;
                    ssl.writeFully((line + "\n").getBytes(StandardCharsets.US_ASCII));
                    String expected = new StringBuilder(line).reverse() + "\n";
                    byte[] buf = new byte[expected.length()];
                    int got = 0;
                    while (got < buf.length) {
                        int n = ssl.read(buf, got, buf.length - got);
                        if (n < 0) {
                            throw new AssertionError("EOF after " + got + " bytes of the echo of connection " + i);
                        }
                        got += n;
                    }
                    assertEquals(expected, new String(buf, StandardCharsets.US_ASCII));
                    ssl.closeNotify();
                }
                done.incrementAndGet();
            }
        } finally {
            if (world != null) {
                world.close();
            }
        }
    }

    /** What an application keeps between connections: randomness, trust anchors, configs. */
    private static final class World implements AutoCloseable {
        final Entropy entropy = new Entropy();
        final CtrDrbg drbg = new CtrDrbg();
        final X509Crt ca;
        final X509Crl crl = new X509Crl();
        final SslConfig tls12 = new SslConfig();
        final SslConfig tls13 = new SslConfig();

        World(byte[] caPem, byte[] crlPem) {
            drbg.seed(entropy, "soak");
            ca = X509Crt.of(caPem);
            crl.parse(crlPem);
            for (SslConfig c : new SslConfig[] {tls12, tls13}) {
                c.defaults();
                c.setRng(drbg);
                c.setCaChain(ca, crl);
            }
            tls12.setMaxTlsVersion(TlsVersion.TLS1_2);
            if (MbedTlsVersions.hasTls13()) {
                tls13.setMinTlsVersion(TlsVersion.TLS1_3);
            }
        }

        @Override
        public void close() {
            tls12.close();
            tls13.close();
            crl.close();
            ca.close();
            drbg.close();
            entropy.close();
        }
    }

    /**
     * An echo s_server; {@code -quiet} keeps its output (and so the JVM's heap) from growing with
     * every connection, so readiness is the kernel's listening socket, not a line it prints.
     */
    private static ExternalServer startServer(TestPki pki, Path work) {
        return ExternalServer.startOnFreePort(port -> ExternalServer.builder("openssl-s_server", work, port)
                .command(OpenSsl.executable().toString(), "s_server", "-accept", "127.0.0.1:" + port,
                        "-cert", pki.serverChainPem().toString(), "-cert_chain", pki.intermediatePem().toString(),
                        "-key", pki.serverKeyPem().toString(), "-no-CAfile", "-no-CApath", "-no-CAstore", "-rev",
                        "-quiet"));
    }

    static long rssAfterGc() throws IOException, InterruptedException {
        return ProcessMemory.rssAfterGc();
    }

    private static String row(int handshakes, double seconds, long rss, Map<String, Long> live) {
        long nmt = nmtCommitted();
        return String.format("%10d %10.1f %8.1f MiB %8s MiB %8s MiB %10d  %s", handshakes, seconds, mib(rss),
                nmt < 0 ? "-" : String.format("%.1f", mib(nmt)), nmt < 0 ? "-" : String.format("%.1f", mib(rss - nmt)),
                LiveObjects.total(live), compact(live));
    }

    private static long nmtCommitted() {
        return ProcessMemory.nmtCommitted();
    }

    private static String compact(Map<String, Long> counts) {
        return ProcessMemory.compact(counts);
    }

    private static double mib(long bytes) {
        return ProcessMemory.mib(bytes);
    }

    private void line(String s) {
        System.out.println(s);
        report.add(s);
    }

    private void writeReport() throws IOException {
        Path target = Path.of(System.getProperty("mbedtlsjni.basedir", "."), "target");
        Files.createDirectories(target);
        Files.write(target.resolve("soak-report.txt"), report);
    }
}
