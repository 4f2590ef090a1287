package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak of full duplex: on each connection to an echo server, one thread writes random amounts of
 * random data while another reads the echo back, and a third closes the connection at a random
 * point of the exchange (or nobody does, and the exchange completes). Checked on every
 * connection: no call hangs, what was read is exactly a prefix of what was written (nothing lost,
 * doubled or reordered by reads and writes interleaving on one Mbed TLS context), a failure after
 * close() is a {@link SocketException}, an exchange nobody closed is complete; at the end every
 * native object is freed.
 *
 * <p>The suite runs a short round; {@code scripts/soak-duplex} a long one
 * ({@code -Dmbedtlsjni.duplexsoak.connections=N}). The seed is printed;
 * {@code -Dmbedtlsjni.duplexsoak.seed=S} replays a run.
 */
class DuplexSoakTest {
    private static final long HANG_SECONDS = 60;

    @TempDir
    static Path dir;

    @Test
    void concurrentReadsWritesAndClosesKeepTheStreamIntactAndFreeEverything() throws Exception {
        int connections = Integer.getInteger("mbedtlsjni.duplexsoak.connections", 40);
        long seed = Long.getLong("mbedtlsjni.duplexsoak.seed", System.nanoTime());
        System.out.println("DuplexSoakTest: " + connections + " connections, seed " + seed
                + " (replay: -Dmbedtlsjni.duplexsoak.seed=" + seed + ")");
        Random random = new Random(seed);
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        Map<String, Long> before = LiveObjects.settle();
        ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "duplex-soak");
            t.setDaemon(true);
            return t;
        });
        int closedEarly = 0;
        try (JsseServer server = JsseServer.start(pki)) {
            TlsClient tls12 = TlsClient.builder().trustPemFile(pki.rootPem())
                    .tlsVersions(TlsVersion.TLS1_2, TlsVersion.TLS1_2).build();
            TlsClient tls13 = MbedTlsVersions.hasTls13() ? TlsClient.builder().trustPemFile(pki.rootPem())
                    .tlsVersions(TlsVersion.TLS1_3, TlsVersion.TLS1_3).build() : tls12;
            for (int i = 0; i < connections; i++) {
                TlsClient client = random.nextBoolean() ? tls13 : tls12;
                if (oneConnection(i, client, server.port(), new Random(random.nextLong()), threads)) {
                    closedEarly++;
                }
            }
            tls12.close();
            tls13.close();
        } finally {
            threads.shutdownNow();
        }
        System.out.println("DuplexSoakTest: " + closedEarly + " of " + connections + " closed during the exchange");
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    /** One connection; true if it was closed during the exchange. */
    private static boolean oneConnection(int index, TlsClient client, int port, Random random, ExecutorService threads)
            throws Exception {
        byte[] data = new byte[1 + random.nextInt(256 * 1024)];
        random.nextBytes(data);
        long closeAfter = random.nextInt(3) == 0 ? Long.MAX_VALUE : random.nextInt(data.length);
        TlsConnection c = client.connection(TestPki.SERVER_NAME, port).connect();
        String where = "connection " + index + " (" + c.protocol() + ", " + data.length + " bytes, close after "
                + (closeAfter == Long.MAX_VALUE ? "none" : closeAfter) + ")";
        AtomicLong received = new AtomicLong();
        ByteArrayOutputStream echoed = new ByteArrayOutputStream();
        long writerSeed = random.nextLong();
        CompletableFuture<Throwable> writer = CompletableFuture.supplyAsync(() -> {
            Random r = new Random(writerSeed);
            try {
                OutputStream out = c.getOutputStream();
                for (int off = 0; off < data.length; ) {
                    int n = Math.min(data.length - off, 1 + r.nextInt(40_000));
                    if (n == 1 && r.nextBoolean()) {
                        out.write(data[off]);
                    } else {
                        out.write(data, off, n);
                    }
                    off += n;
                }
                return null;
            } catch (Throwable e) {
                return e;
            }
        }, threads);
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                InputStream in = c.getInputStream();
                byte[] buf = new byte[1 + new Random(writerSeed + 1).nextInt(20_000)];
                while (echoed.size() < data.length) {
                    int n = in.read(buf);
                    if (n < 0) {
                        return new IOException("end of stream after " + echoed.size() + " bytes");
                    }
                    synchronized (echoed) {
                        echoed.write(buf, 0, n);
                    }
                    received.addAndGet(n);
                }
                return null;
            } catch (Throwable e) {
                return e;
            }
        }, threads);
        CompletableFuture<Void> closer = CompletableFuture.runAsync(() -> {
            if (closeAfter == Long.MAX_VALUE) {
                return;
            }
            while (received.get() < closeAfter && !reader.isDone()) {
                Thread.yield();
            }
            c.close();
        }, threads);
        Throwable writeFailure = writer.get(HANG_SECONDS, TimeUnit.SECONDS);
        Throwable readFailure = reader.get(HANG_SECONDS, TimeUnit.SECONDS);
        closer.get(HANG_SECONDS, TimeUnit.SECONDS);
        boolean closedByUs = c.isClosed();
        c.close();

        byte[] got;
        synchronized (echoed) {
            got = echoed.toByteArray();
        }
        assertTrue(got.length <= data.length, where);
        assertArrayEquals(Arrays.copyOf(data, got.length), got, where + ": the echo is not a prefix of what was written");
        if (!closedByUs) {
            assertNull(writeFailure, () -> where + ": " + writeFailure);
            assertNull(readFailure, () -> where + ": " + readFailure);
            assertEquals(data.length, got.length, where);
        } else {
            for (Throwable failure : new Throwable[] {writeFailure, readFailure}) {
                assertTrue(failure == null || failure instanceof SocketException,
                        () -> where + ": after close(), a failure must be a SocketException: " + failure);
            }
        }
        return closedByUs;
    }
}
