package io.github.mbedtlsjni.dtls;

import static io.github.mbedtlsjni.testing.ProcessMemory.compact;
import static io.github.mbedtlsjni.testing.ProcessMemory.mib;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsServerStats;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.SoakReport;
import io.github.mbedtlsjni.testing.TestPki;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DTLS soak: N full DTLS handshakes (ECDHE-ECDSA with certificate verification, CID where
 * available) of two client threads against one {@link DtlsServer}, each connection echoing a
 * datagram and closing (every tenth, with CID, saved and restored from another socket in
 * between), while a third thread sends garbage and cookieless ClientHellos. At checkpoints: the process's RSS after GC and the native
 * live-object counts; at the end, with everything closed, the counts are back at their baseline,
 * the server holds no session, and (in the long run) the RSS has not grown beyond warm-up noise.
 *
 * <p>{@code scripts/soak --dtls} runs 20,000 handshakes ({@code -Dmbedtlsjni.soak.dtls.handshakes=N});
 * without it the suite runs a short smoke of 200 that checks the counts only.
 */
class DtlsSoakTest {
    static final String HANDSHAKES = "mbedtlsjni.soak.dtls.handshakes";
    private static final int CHECKPOINTS = 10;

    @TempDir
    static Path dir;

    @Test
    void handshakesUnderHostileTrafficLeaveMemoryFlat() throws Exception {
        Integer asked = Integer.getInteger(HANDSHAKES);
        boolean full = asked != null;
        int total = full ? asked : 200;
        boolean cid = MbedTlsVersions.hasCid();
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        byte[] root = Files.readAllBytes(pki.rootPem());
        Map<String, Long> baseline = LiveObjects.settle();
        SoakReport report = new SoakReport("soak-dtls-report.txt");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        DtlsServer.Builder sb = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .identity(pki.serverChainPem(), pki.serverKeyPem(), null).clientAuth(AuthMode.NONE)
                .executor(pool).maxHandshakes(64)
                // With CID, sessions idle for 2 s are saved and loaded under the load; without, they would be closed.
                .idleTimeout(cid ? Duration.ofSeconds(2) : Duration.ofMinutes(5))
                .handler((session, data) -> session.send(data));
        DtlsClient.Builder cb = DtlsClient.builder().trust(root)
                .handshakeTimeout(Duration.ofMillis(200), Duration.ofSeconds(20));
        if (cid) {
            sb.cid(6);
            cb.cid(4);
        }
        try (DtlsServer server = sb.start(); DtlsClient client = cb.build()) {
            report.line(String.format("dtls soak: %d full DTLS handshakes (ECDHE-ECDSA, verified%s) of 2 threads under hostile "
                    + "traffic, Mbed TLS %s", total, cid ? ", CID" : "", MbedTls.version()));
            report.line(String.format("%10s %10s %12s %12s %10s  %s", "handshakes", "seconds", "RSS-after-GC", "outside-JVM",
                    "sessions", "live objects"));
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        for (int i; (i = next.getAndIncrement()) < total; ) {
                            byte[] m = ("soak " + i).getBytes(StandardCharsets.US_ASCII);
                            DtlsConnection c = client.connect(TestPki.SERVER_NAME, server.port());
                            try {
                                c.send(m);
                                assertArrayEquals(m, c.receive(Duration.ofSeconds(30)));
                                if (cid && i % 10 == 0) { // saved, then restored from another socket
                                    byte[] state = c.save();
                                    c = client.connection(TestPki.SERVER_NAME, server.port()).restore(state).connect();
                                    c.send(m);
                                    assertArrayEquals(m, c.receive(Duration.ofSeconds(30)));
                                }
                            } finally {
                                c.close();
                            }
                            done.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                        next.set(total);
                    }
                }, "dtls-soak-" + t);
                thread.start();
                threads.add(thread);
            }
            byte[] hello = HostileDatagramsTest.clientHello(client);
            Thread hostile = new Thread(() -> hostile(server.localAddress(), hello, stop), "dtls-soak-hostile");
            hostile.start();
            long start = System.nanoTime();
            int step = Math.max(1, total / CHECKPOINTS);
            for (int checkpoint = step; checkpoint <= total && errors.isEmpty(); checkpoint += step) {
                while (done.get() < checkpoint && errors.isEmpty() && threads.stream().anyMatch(Thread::isAlive)) {
                    Thread.sleep(20);
                }
                long[] memory = report.checkpoint(checkpoint <= total / 2);
                report.line(String.format("%10d %10.1f %8.1f MiB %8.1f MiB %10d  %s", done.get(),
                        (System.nanoTime() - start) / 1e9, mib(memory[0]), mib(memory[1]), server.stats().sessions(),
                        compact(LiveObjects.counts())));
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.MINUTES.toMillis(10));
                assertTrue(!thread.isAlive(), thread.getName() + " hung");
            }
            stop.set(true);
            hostile.join(TimeUnit.MINUTES.toMillis(1));
            if (!errors.isEmpty()) {
                throw new AssertionError("dtls soak failed after " + done.get() + " handshakes", errors.peek());
            }
            assertEquals(total, done.get());
            CidRoutingTest.await(() -> server.stats().sessions() == 0, "every closed connection's session is gone");
            DtlsServerStats stats = server.stats();
            report.line("server: " + stats);
            assertEquals(total, stats.handshakes(), stats.toString());
            assertTrue(stats.helloVerifies() > total, "the hostile ClientHellos got HelloVerifyRequests: " + stats);
            assertTrue(stats.addressChanges() >= (cid ? (total + 9) / 10 : 0), "each restored connection moved: " + stats);
            double seconds = (System.nanoTime() - start) / 1e9;
            report.line(String.format("end: %d handshakes in %.1f s (%.0f/s)", done.get(), seconds, done.get() / seconds));
            if (full) {
                long growth = report.finish();
                assertTrue(growth < SoakReport.FLAT_BYTES, String.format(
                        "memory outside the JVM grew by %.1f MiB past the first half's peak", mib(growth)));
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
        assertNull(LiveObjects.leaks(baseline, after), "native objects still allocated: " + LiveObjects.leaks(baseline, after));
    }

    /** Garbage and cookieless ClientHellos from changing source ports, until {@code stop}. */
    private static void hostile(InetSocketAddress server, byte[] hello, AtomicBoolean stop) {
        Random r = new Random(42);
        try {
            while (!stop.get()) {
                try (DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                    for (int i = 0; i < 20; i++) {
                        byte[] b = new byte[13 + r.nextInt(300)];
                        r.nextBytes(b);
                        if (i % 4 == 0) {
                            b[0] = 22; // a handshake record header: the cookie check looks at it
                            b[1] = (byte) 0xFE;
                            b[2] = (byte) 0xFD;
                        }
                        ch.send(ByteBuffer.wrap(b), server);
                    }
                    ch.send(ByteBuffer.wrap(hello), server);
                }
                Thread.sleep(5);
            }
        } catch (Exception e) {
            if (!stop.get()) {
                throw new AssertionError(e);
            }
        }
    }
}
