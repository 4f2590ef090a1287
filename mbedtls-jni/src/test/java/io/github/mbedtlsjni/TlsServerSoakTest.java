package io.github.mbedtlsjni;

import static io.github.mbedtlsjni.testing.ProcessMemory.compact;
import static io.github.mbedtlsjni.testing.ProcessMemory.mib;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.testing.ClientHellos;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.SoakReport;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server soak: N connections (a seeded mix) of two client threads against one
 * {@link TlsServer}: good {@link TlsClient}s (full and resumed, TLS 1.2 and 1.3) echoing a line,
 * hostile ones (garbage, a record header larger than any buffer, an oversized record after a JSSE
 * handshake), clients closing mid-handshake (after a real ClientHello) and half-open connections
 * (silent, or half a ClientHello) that the server's handshake timeout reaps. Every good client
 * must be served; the server must count exactly the hostile handshakes as failed and the
 * oversized records as failed reads. At checkpoints: the process's RSS after GC, the memory
 * outside the JVM (RSS minus Native Memory Tracking's committed) and the native live-object
 * counts; at the end the counts are back at their baseline and (in the long run) the memory
 * outside the JVM has not passed its first half's peak by more than
 * {@link SoakReport#FLAT_BYTES}.
 *
 * <p>{@code scripts/soak --server} runs 20,000 connections
 * ({@code -Dmbedtlsjni.soak.server.connections=N}); without it the suite runs a smoke of 300 that
 * checks the counts only. {@code -Dmbedtlsjni.seed=N} replays a mix.
 */
class TlsServerSoakTest {
    static final String CONNECTIONS = "mbedtlsjni.soak.server.connections";
    private static final int CHECKPOINTS = 10;
    private static final Duration HANG = Duration.ofMinutes(2);

    /** What one connection of the mix does. */
    enum Kind {
        FULL_TLS12, RESUMED_TLS12, FULL_TLS13, RESUMED_TLS13,
        /** Random bytes, or a record header claiming 64 KiB - 1 bytes: the handshake fails. */
        GARBAGE,
        /** A real ClientHello, then close at once: the handshake fails on the server's first read or write. */
        MID_HANDSHAKE_CLOSE,
        /** Silent, or half a ClientHello, until the server's handshake timeout closes it. */
        HALF_OPEN,
        /** A JSSE handshake, then a record header above 2^14 + 2048: the handler's read fails. */
        OVERSIZED_AFTER_HANDSHAKE;

        boolean good() {
            return ordinal() <= RESUMED_TLS13.ordinal();
        }

        boolean failsHandshake() {
            return this == GARBAGE || this == MID_HANDSHAKE_CLOSE || this == HALF_OPEN;
        }
    }

    @TempDir
    static Path dir;

    @Test
    void goodAndHostileClientsLeaveNativeMemoryFlat() throws Exception {
        Integer asked = Integer.getInteger(CONNECTIONS);
        boolean full = asked != null;
        int total = full ? asked : 300;
        long seed = Long.getLong("mbedtlsjni.seed", new SecureRandom().nextLong());
        boolean tls13 = MbedTlsVersions.hasTls13();
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        byte[] hello = ClientHellos.of(tls13 ? TlsVersion.TLS1_3 : TlsVersion.TLS1_2);
        SSLContext jsse = SslContexts.client(pki.root().certificate());
        Map<String, Long> baseline = LiveObjects.settle();
        SoakReport report = new SoakReport("soak-server-report.txt");
        LongAdder served = new LongAdder();
        LongAdder failedReads = new LongAdder();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLongArray byKind = new AtomicLongArray(Kind.values().length);
        try (TlsServer server = TlsServer.builder().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                .handshakeTimeout(Duration.ofSeconds(1)).build().bind("127.0.0.1", 0);
                TlsClient tls12 = TlsClient.builder().trustPemFile(pki.rootPem())
                        .tlsVersions(TlsVersion.TLS1_2, TlsVersion.TLS1_2).build();
                TlsClient tls13Client = tls13 ? TlsClient.builder().trustPemFile(pki.rootPem())
                        .tlsVersions(TlsVersion.TLS1_3, TlsVersion.TLS1_3).build() : null) {
            Thread serving = new Thread(() -> {
                try {
                    server.serve(c -> {
                        InputStream in = c.getInputStream();
                        try {
                            for (int b; (b = in.read()) >= 0; ) {
                                c.getOutputStream().write(b);
                            }
                            served.increment();
                        } catch (IOException e) {
                            failedReads.increment();
                        }
                    });
                } catch (IOException | RuntimeException e) {
                    errors.add(e);
                }
            }, "server-soak-serve");
            serving.start();
            report.line(String.format("server soak: %d connections (seed %d, replay: -Dmbedtlsjni.seed=%d) of 2 threads against "
                    + "one TlsServer, Mbed TLS %s", total, seed, seed, MbedTls.version()));
            report.line(String.format("%11s %9s %12s %12s %10s  %s", "connections", "seconds", "RSS-after-GC", "outside-JVM",
                    "failed-hs", "live objects"));
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            BlockingQueue<Socket> halfOpen = new ArrayBlockingQueue<>(128); // reaped by the server; read to their end here
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Random random = new Random(seed + t);
                Thread thread = new Thread(() -> {
                    SslSession[] sessions = new SslSession[2];
                    try {
                        for (int i; (i = next.getAndIncrement()) < total; ) {
                            Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
                            if (!tls13 && (kind == Kind.FULL_TLS13 || kind == Kind.RESUMED_TLS13)) {
                                kind = kind == Kind.FULL_TLS13 ? Kind.FULL_TLS12 : Kind.RESUMED_TLS12;
                            }
                            byKind.incrementAndGet(kind.ordinal());
                            switch (kind) {
                                case FULL_TLS12, RESUMED_TLS12 -> good(tls12, server.port(), sessions, 0,
                                        kind == Kind.RESUMED_TLS12, i);
                                case FULL_TLS13, RESUMED_TLS13 -> good(tls13Client, server.port(), sessions, 1,
                                        kind == Kind.RESUMED_TLS13, i);
                                case GARBAGE -> garbage(server.port(), random);
                                case MID_HANDSHAKE_CLOSE -> {
                                    try (Socket s = new Socket("127.0.0.1", server.port())) {
                                        s.getOutputStream().write(hello);
                                    }
                                }
                                case HALF_OPEN -> {
                                    Socket s = new Socket("127.0.0.1", server.port());
                                    if (random.nextBoolean()) {
                                        s.getOutputStream().write(hello, 0, hello.length / 2);
                                    }
                                    halfOpen.put(s);
                                }
                                case OVERSIZED_AFTER_HANDSHAKE -> oversizedAfterHandshake(jsse, server.port(), tls13
                                        && random.nextBoolean() ? "TLSv1.3" : "TLSv1.2");
                            }
                            done.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                        next.set(total);
                    } finally {
                        for (SslSession s : sessions) {
                            if (s != null) {
                                s.close();
                            }
                        }
                    }
                }, "server-soak-" + t);
                thread.start();
                threads.add(thread);
            }
            Thread reaper = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = halfOpen.poll(100, TimeUnit.MILLISECONDS);
                        if (s == null) {
                            if (threads.stream().noneMatch(Thread::isAlive)) {
                                return;
                            }
                            continue;
                        }
                        try (s) {
                            if (TlsServerHostileClientsTest.readToEnd(s).length != 0) {
                                throw new AssertionError("the server wrote to a half-open connection");
                            }
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "server-soak-reaper");
            reaper.start();
            long start = System.nanoTime();
            int step = Math.max(1, total / CHECKPOINTS);
            for (int checkpoint = step; checkpoint <= total && errors.isEmpty(); checkpoint += step) {
                while (done.get() < checkpoint && errors.isEmpty() && threads.stream().anyMatch(Thread::isAlive)) {
                    Thread.sleep(20);
                }
                long[] memory = report.checkpoint(checkpoint <= total / 2);
                report.line(String.format("%11d %9.1f %8.1f MiB %8.1f MiB %10d  %s", done.get(), (System.nanoTime() - start) / 1e9,
                        mib(memory[0]), mib(memory[1]), server.failedHandshakes(), compact(LiveObjects.counts())));
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.MINUTES.toMillis(10));
                assertTrue(!thread.isAlive(), thread.getName() + " hung: " + Arrays.toString(thread.getStackTrace()));
            }
            reaper.join(HANG.toMillis());
            if (!errors.isEmpty()) {
                throw new AssertionError("server soak (seed " + seed + ") failed after " + done.get() + " connections",
                        errors.peek());
            }
            assertEquals(total, done.get());
            Map<Kind, Long> mix = new EnumMap<>(Kind.class);
            long good = 0;
            long hostileHandshakes = 0;
            for (Kind k : Kind.values()) {
                mix.put(k, byKind.get(k.ordinal()));
                good += k.good() ? byKind.get(k.ordinal()) : 0;
                hostileHandshakes += k.failsHandshake() ? byKind.get(k.ordinal()) : 0;
            }
            long oversized = byKind.get(Kind.OVERSIZED_AFTER_HANDSHAKE.ordinal());
            // The server sees a connection end after the client has: wait for its count to catch up.
            for (long end = System.nanoTime() + HANG.toNanos(); System.nanoTime() < end && (served.sum() < good
                    || failedReads.sum() < oversized || server.failedHandshakes() < hostileHandshakes); ) {
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            report.line("mix: " + mix);
            report.line(String.format("end: %d connections in %.1f s (%.0f/s); served %d, failed handshakes %d, failed reads %d",
                    done.get(), seconds, done.get() / seconds, served.sum(), server.failedHandshakes(), failedReads.sum()));
            assertEquals(good, served.sum(), "seed " + seed + ": every good client served");
            assertEquals(hostileHandshakes, server.failedHandshakes(), "seed " + seed + ": exactly the hostile handshakes failed");
            assertEquals(oversized, failedReads.sum(), "seed " + seed + ": every oversized record refused");
            server.close();
            serving.join(HANG.toMillis());
            assertTrue(errors.isEmpty(), "seed " + seed + ": " + errors);
            if (full) {
                long growth = report.finish();
                assertTrue(growth < SoakReport.FLAT_BYTES, String.format(
                        "memory outside the JVM grew by %.1f MiB past the first half's peak", mib(growth)));
            }
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
        report.line("live objects at the end: " + compact(after) + " (baseline " + compact(baseline) + ")");
        assertNull(LiveObjects.leaks(baseline, after), "seed " + seed + ": native objects still allocated");
    }

    /** A verified handshake (resuming the thread's last session of that version if asked), a line echoed, close_notify. */
    private static void good(TlsClient client, int port, SslSession[] sessions, int slot, boolean resume, int i)
            throws IOException {
        TlsClient.ConnectionBuilder b = client.connection("127.0.0.1", port).serverName(TestPki.SERVER_NAME);
        if (resume && sessions[slot] != null) {
            b.resume(sessions[slot]);
        }
        try (TlsConnection c = b.connect()) {
            byte[] line = ("soak " + i + "\n").getBytes(StandardCharsets.US_ASCII);
            c.getOutputStream().write(line);
            byte[] echo = c.getInputStream().readNBytes(line.length);
            if (!Arrays.equals(line, echo)) {
                throw new AssertionError("connection " + i + ": echo " + new String(echo, StandardCharsets.US_ASCII));
            }
            if (resume && sessions[slot] != null && !c.isResumed()) {
                throw new AssertionError("connection " + i + " did not resume");
            }
            SslSession s = c.session(); // TLS 1.3: the tickets came before the echo
            if (s != null) {
                if (sessions[slot] != null) {
                    sessions[slot].close();
                }
                sessions[slot] = s;
            }
        }
    }

    private static void garbage(int port, Random random) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            byte[] b;
            if (random.nextBoolean()) {
                b = new byte[] {22, 3, 3, (byte) 0xFF, (byte) 0xFF}; // more than any input buffer: refused at the header
            } else {
                b = new byte[1 + random.nextInt(600)];
                random.nextBytes(b);
                if (b[0] == 22) {
                    b[0] = 23; // never a ClientHello
                }
            }
            s.getOutputStream().write(b);
            s.shutdownOutput(); // whatever the server still waits for, it gets EOF
            TlsServerHostileClientsTest.readToEnd(s);
        }
    }

    private static void oversizedAfterHandshake(SSLContext jsse, int port, String protocol) throws IOException {
        try (Socket raw = new Socket("127.0.0.1", port);
                SSLSocket tls = (SSLSocket) jsse.getSocketFactory().createSocket(raw, TestPki.SERVER_NAME, port, false)) {
            tls.setEnabledProtocols(new String[] {protocol});
            tls.startHandshake();
            raw.getOutputStream().write(new byte[] {23, 3, 3, (byte) 0x48, 0x01}); // 2^14 + 2048 + 1
            TlsServerHostileClientsTest.readToEnd(raw);
        }
    }
}
