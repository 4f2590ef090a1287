package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Reads and writes: byte[] with offsets, direct buffers, large transfers, close from another thread. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IoTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @Test
    void largeTransferRoundTripsThroughByteArraysWithOffsets() {
        byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            byte[] back = new byte[data.length + 10];
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> { });
            int sent = 0;
            int received = 5;
            // Interleave: write one record's worth, read what came back, so the echo never stalls.
            while (sent < data.length) {
                int n = c.ssl.write(data, sent, Math.min(40_000, data.length - sent));
                assertTrue(n > 0 && n <= 16384, "write returns at most one record: " + n);
                sent += n;
                while (received - 5 < sent) {
                    int r = c.ssl.read(back, received, back.length - 5 - received);
                    assertTrue(r > 0);
                    received += r;
                }
            }
            writer.join();
            byte[] copy = new byte[data.length];
            System.arraycopy(back, 5, copy, 0, data.length);
            assertArrayEquals(data, copy);
            c.ssl.closeNotify();
        }
    }

    @Test
    void directBuffersRoundTripAndAdvancePositions() {
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            out.put(new byte[] {9, 9, 9}).put("direct".getBytes());
            out.flip().position(3);
            assertEquals(6, c.ssl.write(out));
            assertEquals(out.limit(), out.position());

            ByteBuffer in = ByteBuffer.allocateDirect(64);
            in.position(10);
            int total = 0;
            while (total < 6) {
                int n = c.ssl.read(in);
                assertTrue(n > 0);
                total += n;
            }
            assertEquals(16, in.position());
            byte[] got = new byte[6];
            in.flip().position(10);
            in.get(got);
            assertEquals("direct", new String(got));

            ByteBuffer heap = ByteBuffer.wrap("heap!".getBytes());
            assertEquals(5, c.ssl.write(heap));
            ByteBuffer heapIn = ByteBuffer.allocate(5);
            while (heapIn.hasRemaining()) {
                c.ssl.read(heapIn);
            }
            assertEquals("heap!", new String(heapIn.array()));
        }
    }

    @Test
    void closeFromAnotherThreadWakesABlockedReadWhichThrows() throws Exception {
        long before = LifecycleTest.settledLive("mbedtls_ssl_context");
        JsseServer.Handler silent = exchange -> {
            while (exchange.in().read() >= 0) {
                // never answers
            }
        };
        try (JsseServer server = JsseServer.builder(io.github.mbedtlsjni.testing.SslContexts.server(pki))
                        .handler(silent).start();
                GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            CountDownLatch reading = new CountDownLatch(1);
            CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                reading.countDown();
                try {
                    return c.ssl.read(new byte[100], 0, 100);
                } catch (RuntimeException e) {
                    return e;
                }
            });
            assertTrue(reading.await(10, TimeUnit.SECONDS));
            // Give the reader time to enter the native read; correctness does not depend on it.
            Thread.sleep(300);
            c.ssl.close();
            Object outcome = blocked.get(10, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, outcome, String.valueOf(outcome));
            assertTrue(c.ssl.isClosed());
        }
        assertEquals(before, LifecycleTest.awaitLive("mbedtls_ssl_context", before), "freed once the read returned");
    }
}
