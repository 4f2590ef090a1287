package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsServer} under hostile clients and misuse: garbage and a cut-off ClientHello each fail
 * their handshake while the next client is served; a blocked accept woken by close(); what
 * build() and the calls refuse; and a randomized, seeded run of accept, serve, connection close
 * and server close from several threads that must end without a deadlock or a leak.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsServerRobustnessTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    static final String SEED_PROPERTY = "mbedtlsjni.seed";

    @TempDir
    static Path dir;

    TestPki pki;
    TlsClient client;

    @BeforeAll
    void pki() throws IOException {
        pki = TestPki.create(dir, KeyType.EC_P256);
        client = TlsClient.builder().trustPemFile(pki.rootPem()).build();
    }

    private TlsServer.Builder server() {
        return TlsServer.builder().identity(pki.serverChainPem(), pki.serverKeyPem(), null);
    }

    private TlsConnection connect(TlsServer server) throws IOException {
        return client.connection("127.0.0.1", server.port()).serverName("localhost").connect();
    }

    private static void greet(TlsConnection c) throws IOException {
        c.getOutputStream().write("served\n".getBytes(StandardCharsets.UTF_8));
    }

    private static String readAll(TlsConnection c) throws IOException {
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void hostileClientsFailAndTheNextIsServed() throws Exception {
        byte[] cutHello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03}; // a record promising 512 bytes
        Map<String, Long> before = LiveObjects.settle();
        try (TlsServer server = server().handshakeTimeout(Duration.ofSeconds(10)).build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = TlsServerTest.serving(server, TlsServerRobustnessTest::greet);
            for (byte[] hostile : List.of("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), cutHello)) {
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.getOutputStream().write(hostile);
                    s.shutdownOutput(); // the cut ClientHello ends: the server sees EOF mid-record
                    InputStream in = s.getInputStream();
                    while (in.read() >= 0) {
                        // an alert, or nothing, then the server's close
                    }
                }
            }
            try (TlsConnection c = connect(server)) {
                assertEquals("served\n", readAll(c));
            }
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(2, server.failedHandshakes(), "both hostile clients failed their handshake");
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    /**
     * One handshake at a time: a silent client holds the only slot until its handshake times
     * out, and the client behind it is served after that, on the caller's executor.
     */
    @Test
    void aCapOfOneHandshakeAndTheCallersExecutor() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "callers-executor"));
        ConcurrentLinkedQueue<String> threads = new ConcurrentLinkedQueue<>();
        try (TlsServer server = server().maxHandshakes(1).handshakeTimeout(Duration.ofMillis(300)).executor(executor)
                .build().bind("127.0.0.1", 0); Socket silent = new Socket("127.0.0.1", server.port())) {
            CompletableFuture<Void> loop = TlsServerTest.serving(server, c -> {
                threads.add(Thread.currentThread().getName());
                greet(c);
            });
            try (TlsConnection c = connect(server)) {
                assertEquals("served\n", readAll(c));
            }
            assertEquals(-1, silent.getInputStream().read(), "the silent client's handshake ended");
            assertEquals(1, server.failedHandshakes(), "the silent client timed out");
            assertEquals("[callers-executor]", threads.toString());
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * serve on virtual threads, where the JDK has them (21+; the library compiles for 11, so the
     * executor is found by reflection): several clients at once, each handled on a virtual thread
     * of the caller's executor. Skipped on older JDKs, saying why.
     */
    @Test
    void serveOnVirtualThreadsWhereTheJdkHasThem() throws Exception {
        java.lang.reflect.Method perTask;
        java.lang.reflect.Method isVirtual;
        try {
            perTask = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            isVirtual = Thread.class.getMethod("isVirtual");
        } catch (NoSuchMethodException e) {
            assumeTrue(false, "no virtual threads on JDK " + Runtime.version().feature());
            return;
        }
        ExecutorService executor = (ExecutorService) perTask.invoke(null);
        int clients = 8;
        // the clients' own threads: serving() holds the common pool, a single thread on 2 cores
        ExecutorService connecting = Executors.newFixedThreadPool(clients);
        ConcurrentLinkedQueue<Boolean> virtual = new ConcurrentLinkedQueue<>();
        try (TlsServer server = server().executor(executor).build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = TlsServerTest.serving(server, c -> {
                try {
                    virtual.add((Boolean) isVirtual.invoke(Thread.currentThread()));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
                greet(c);
            });
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try (TlsConnection c = connect(server)) {
                        return readAll(c);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, connecting));
            }
            for (CompletableFuture<String> reply : replies) {
                assertEquals("served\n", reply.get(HANG.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals(Collections.nCopies(clients, true), List.copyOf(virtual), "every connection on a virtual thread");
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        } finally {
            executor.shutdownNow();
            connecting.shutdownNow();
        }
    }

    /** A client that never reads: the handler's write times out, and the next client is served meanwhile. */
    @Test
    void aClientThatNeverReadsTimesOutItsWriter() throws Exception {
        ConcurrentLinkedQueue<Throwable> writeFailures = new ConcurrentLinkedQueue<>();
        try (TlsServer server = server().writeTimeout(Duration.ofMillis(200)).build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = TlsServerTest.serving(server, c -> {
                if (c.getInputStream().read() == 'f') { // the flooded client asks to be flooded
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        while (true) {
                            c.getOutputStream().write(chunk);
                        }
                    } catch (IOException e) {
                        writeFailures.add(e);
                        throw e;
                    }
                }
                greet(c);
            });
            try (TlsConnection flooded = connect(server)) {
                flooded.getOutputStream().write('f'); // and then never reads
                try (TlsConnection next = connect(server)) {
                    next.getOutputStream().write('n');
                    assertEquals("served\n", readAll(next));
                }
                for (long end = System.nanoTime() + HANG.toNanos(); writeFailures.isEmpty() && System.nanoTime() < end; ) {
                    LockSupport.parkNanos(1_000_000);
                }
                assertInstanceOf(java.net.SocketTimeoutException.class, writeFailures.peek(), writeFailures.toString());
            }
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void closeWakesABlockedAccept() throws Exception {
        TlsServer server = server().build().bind("127.0.0.1", 0);
        CompletableFuture<TlsConnection> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        while (!accepting.isDone() && Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals("nAccept")))) {
            Thread.onSpinWait();
        }
        server.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> accepting.get(HANG.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(SocketException.class, e.getCause().getCause(), String.valueOf(e));
        assertThrows(SocketException.class, server::accept);
        assertThrows(IllegalStateException.class, () -> server.bind("127.0.0.1", 0));
    }

    @Test
    void buildAndCallsRefuseMisuse() throws Exception {
        IllegalStateException noIdentity = assertThrows(IllegalStateException.class, () -> TlsServer.builder().build());
        assertTrue(noIdentity.getMessage().contains("identity"), noIdentity.getMessage());
        IllegalStateException noTrust = assertThrows(IllegalStateException.class,
                () -> server().clientAuth(AuthMode.REQUIRED).build());
        assertTrue(noTrust.getMessage().contains("trust"), noTrust.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsServer.builder().maxHandshakes(0));
        assertThrows(IllegalArgumentException.class, () -> TlsServer.builder().sniIdentity("", pki.serverChainPem(),
                pki.serverKeyPem(), null));
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> TlsServer.builder().identity(dir.resolve("missing.pem"), pki.serverKeyPem(), null).build());
        try (TlsServer server = server().build()) {
            IllegalStateException unbound = assertThrows(IllegalStateException.class, server::accept);
            assertTrue(unbound.getMessage().contains("bind"), unbound.getMessage());
            assertThrows(IllegalStateException.class, () -> server.serve(TlsServerRobustnessTest::greet));
            server.bind("127.0.0.1", 0);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> server.bind("127.0.0.1", 0));
            assertTrue(twice.getMessage().contains("already bound"), twice.getMessage());
            server.close();
            server.close();
        }
    }

    /**
     * Client threads connect and read, accept threads take connections and close them at random
     * moments (some from another thread), a serve loop runs besides, and the server is closed at
     * a random point; every thread must end, no thread may be deadlocked, nothing may leak.
     */
    @Test
    void randomizedAcceptCloseFromSeveralThreads() throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, new SecureRandom().nextLong());
        System.out.println("TlsServerRobustnessTest: seed=" + seed + " (replay: -D" + SEED_PROPERTY + "=" + seed + ")");
        Random random = new Random(seed);
        Map<String, Long> before = LiveObjects.settle();
        ConcurrentLinkedQueue<Throwable> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger served = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        TlsServer server = server().maxHandshakes(1 + random.nextInt(4)).poolSize(1 + random.nextInt(4))
                .build().bind("127.0.0.1", 0);
        ConcurrentLinkedQueue<TlsConnection> accepted = new ConcurrentLinkedQueue<>();
        threads.add(new Thread(() -> {
            try {
                server.serve(c -> {
                    served.incrementAndGet();
                    greet(c);
                });
            } catch (IOException | RuntimeException e) {
                problems.add(e);
            }
        }, "serve"));
        for (int i = 0; i < 2; i++) {
            Random r = new Random(random.nextLong());
            threads.add(new Thread(() -> {
                while (true) {
                    try {
                        TlsConnection c = server.accept();
                        served.incrementAndGet();
                        if (r.nextBoolean()) {
                            greet(c);
                            c.close();
                        } else {
                            accepted.add(c); // closed by the closer thread, or at the end
                        }
                    } catch (SocketException e) {
                        if (server.isClosed()) {
                            return;
                        }
                    } catch (IOException e) {
                        // a client that closed during its handshake
                    } catch (RuntimeException e) {
                        problems.add(e);
                        return;
                    }
                }
            }, "accept-" + i));
        }
        for (int i = 0; i < 4; i++) {
            Random r = new Random(random.nextLong());
            threads.add(new Thread(() -> {
                for (int n = 0; n < 10 && !server.isClosed(); n++) {
                    try (TlsConnection c = connect(server)) {
                        if (r.nextBoolean()) {
                            c.getInputStream().read();
                        }
                    } catch (IOException e) {
                        // refused or cut by a close of the server or of the connection
                    } catch (RuntimeException e) {
                        problems.add(e);
                    }
                }
            }, "client-" + i));
        }
        int closeAt = random.nextInt(40); // connections handled before the server is closed
        List<Thread> acceptors = List.copyOf(threads.subList(1, 3));
        List<Thread> clients = List.copyOf(threads.subList(3, 7));
        threads.add(new Thread(() -> {
            // closes queued connections (their clients may wait to read) until the acceptors have ended
            while (acceptors.stream().anyMatch(Thread::isAlive) || !accepted.isEmpty()) {
                TlsConnection c = accepted.poll();
                if (c != null) {
                    c.close();
                }
                if (served.get() >= closeAt || clients.stream().noneMatch(Thread::isAlive)) {
                    server.close(); // idempotent
                }
                LockSupport.parkNanos(1_000_000);
            }
        }, "closer"));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(HANG.toMillis());
        }
        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        if (deadlocked != null) {
            fail("seed " + seed + ": deadlocked threads " + Arrays.toString(deadlocked));
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                fail("seed " + seed + ": " + t.getName() + " did not end: " + Arrays.toString(t.getStackTrace()));
            }
        }
        accepted.forEach(TlsConnection::close);
        System.out.println("TlsServerRobustnessTest: seed=" + seed + ": " + served.get() + " connections handled, "
                + server.failedHandshakes() + " failed handshakes");
        assertTrue(problems.isEmpty(), "seed " + seed + ": " + problems);
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "seed " + seed + ": every native object freed");
    }
}
