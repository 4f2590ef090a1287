package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.HostileServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code close()} from another thread while a write or a handshake blocks (the read case is in
 * {@link IoTest}): the blocked call returns promptly with an exception, nothing is freed under it
 * (also checked by the sanitizer run, scripts/sanitize), and everything is freed afterwards.
 * "Promptly" is checked with a generous hang detector, not a timing assertion.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CloseWhileBlockedTest {
    private static final long HANG_SECONDS = 30;

    @TempDir
    static Path dir;

    TestPki pki;

    /** What the other thread closes. */
    enum Closing {
        /** The SslContext: the blocked call throws IllegalStateException ("closed during ..."). */
        SSL_CONTEXT,
        /** The NetContext under it: the socket is shut down, the call fails (MbedTlsException). */
        NET_CONTEXT,
        /** Both, the context first, as an application's cleanup does. */
        BOTH
    }

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @ParameterizedTest
    @EnumSource(Closing.class)
    void closeWakesAWriteBlockedOnAPeerThatNeverReads(Closing closing) throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        CountDownLatch stop = new CountDownLatch(1);
        JsseServer.Handler neverReads = exchange -> {
            try {
                stop.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).handler(neverReads).start();
                GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            AtomicLong written = new AtomicLong();
            byte[] chunk = new byte[16384];
            CompletableFuture<Object> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    while (true) { // until the socket buffers are full: then write blocks
                        written.addAndGet(c.ssl.write(chunk, 0, chunk.length));
                    }
                } catch (RuntimeException e) {
                    return e;
                }
            });
            awaitStall(written);
            assertTrue(!writer.isDone(), () -> "the write should block, but: " + writer.join());
            close(c, closing);
            Object outcome = writer.get(HANG_SECONDS, TimeUnit.SECONDS);
            assertOutcome(closing, "write", outcome);
            stop.countDown();
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed once the write returned");
    }

    @ParameterizedTest
    @EnumSource(Closing.class)
    void closeWakesAHandshakeBlockedOnAServerThatNeverAnswers(Closing closing) throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        try (HostileServer server = HostileServer.silent(); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.ssl.setHostname(TestPki.SERVER_NAME);
            c.net.connect("127.0.0.1", server.port());
            c.ssl.setBio(c.net);
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Object> handshake = CompletableFuture.supplyAsync(() -> {
                started.countDown();
                try {
                    c.ssl.handshake();
                    return "completed";
                } catch (RuntimeException e) {
                    return e;
                }
            });
            assertTrue(started.await(HANG_SECONDS, TimeUnit.SECONDS));
            Thread.sleep(300); // let it reach the blocking recv(); correctness does not depend on it
            assertTrue(!handshake.isDone(), () -> "the handshake should block, but: " + handshake.join());
            close(c, closing);
            Object outcome = handshake.get(HANG_SECONDS, TimeUnit.SECONDS);
            assertOutcome(closing, "handshake", outcome);
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed once the handshake returned");
    }

    /** Many closes racing with calls just starting: none may leave a call blocked for ever. */
    @ParameterizedTest
    @EnumSource(Closing.class)
    void closeRacingWithTheStartOfAHandshakeNeverLeavesItBlocked(Closing closing) throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        try (HostileServer server = HostileServer.silent(50)) {
            for (int i = 0; i < 100; i++) {
                GuideClient c = GuideClient.prepare(pki.rootPem());
                c.ssl.setHostname(TestPki.SERVER_NAME);
                c.net.connect("127.0.0.1", server.port());
                c.ssl.setBio(c.net);
                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<Object> handshake = CompletableFuture.supplyAsync(() -> {
                    go.countDown();
                    try {
                        c.ssl.handshake();
                        return "completed";
                    } catch (RuntimeException e) {
                        return e;
                    }
                });
                go.await();
                if ((i & 1) == 0) {
                    Thread.onSpinWait();
                }
                close(c, closing);
                Object outcome = handshake.get(HANG_SECONDS, TimeUnit.SECONDS);
                assertTrue(outcome instanceof IllegalStateException || outcome instanceof MbedTlsException,
                        () -> "iteration: " + outcome);
                c.close();
            }
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)));
    }

    private static void close(GuideClient c, Closing closing) {
        Consumer<GuideClient> action = switch (closing) {
            case SSL_CONTEXT -> g -> g.ssl.close();
            case NET_CONTEXT -> g -> g.net.close();
            case BOTH -> g -> {
                g.ssl.close();
                g.net.close();
            };
        };
        action.accept(c);
    }

    private static void assertOutcome(Closing closing, String step, Object outcome) {
        if (closing == Closing.NET_CONTEXT) {
            // The context is open; its socket was shut down under it.
            assertInstanceOf(MbedTlsException.class, outcome, String.valueOf(outcome));
        } else {
            assertInstanceOf(IllegalStateException.class, outcome, String.valueOf(outcome));
            assertTrue(((Throwable) outcome).getMessage().contains("closed during " + step), String.valueOf(outcome));
        }
    }

    /** Waits until {@code written} has not grown for a while: the writer is blocked. */
    private static void awaitStall(AtomicLong written) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
        long last = -1;
        int quiet = 0;
        while (quiet < 5 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = written.get();
            quiet = now == last && now > 0 ? quiet + 1 : 0;
            last = now;
        }
    }
}
