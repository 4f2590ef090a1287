package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Full duplex: a thread blocked in a read never holds up another thread's write on the same
 * connection. The proof is the order of events the server observes: it sees every write while
 * it has sent nothing, so the reader cannot have returned yet, and the reader is provably inside
 * its native read (its stack says so) before the first write starts. Nothing here measures
 * time: the timeouts only detect a hang.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FullDuplexTest {
    private static final Duration HANG = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    TestPki pki;
    TlsClient client;

    @BeforeAll
    void pki() throws IOException {
        pki = TestPki.create(dir, KeyType.EC_P256);
        client = TlsClient.builder().trustPemFile(pki.rootPem()).build();
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void writesGoOutWhileAnotherThreadIsBlockedReadingFromASilentOpenSslServer(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        List<String> events = new CopyOnWriteArrayList<>();
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol)
                        .mode(OpenSslServer.Mode.INTERACTIVE).start();
                TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
            assertEquals(protocol.protocolName(), c.protocol());
            Thread[] readerThread = new Thread[1];
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                readerThread[0] = Thread.currentThread();
                try {
                    byte[] buf = new byte[256];
                    int n = c.getInputStream().read(buf);
                    events.add("reader got data");
                    return new String(buf, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
                } catch (Exception e) {
                    return "failed: " + e;
                }
            });
            awaitInsideNative(() -> readerThread[0], "nRead");

            OutputStream out = c.getOutputStream();
            for (int i = 1; i <= 3; i++) {
                out.write(("ping-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                events.add("wrote ping-" + i);
            }
            assertTrue(server.awaitOutput("ping-3", HANG), () -> "the server never saw the writes:\n" + server.output());
            events.add("server saw ping-3");
            assertFalse(reader.isDone(), () -> "the server has sent nothing, yet the read returned: " + reader.join());

            events.add("server sends pong");
            server.sendToClient("pong\n");
            assertEquals("pong\n", reader.get(HANG.toSeconds(), TimeUnit.SECONDS));
            assertEquals(List.of("wrote ping-1", "wrote ping-2", "wrote ping-3", "server saw ping-3",
                    "server sends pong", "reader got data"), events);
        }
    }

    /** The same through the thin classes: SslContext.write while another thread is in SslContext.read. */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void thinSslContextWritesWhileAnotherThreadReads(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        CountDownLatch answer = new CountDownLatch(1);
        List<String> serverEvents = new CopyOnWriteArrayList<>();
        JsseServer.Handler seeThenAnswer = exchange -> {
            InputStream in = exchange.in();
            byte[] line = new byte[5];
            for (int i = 0; i < 3; i++) {
                int got = 0;
                while (got < line.length) {
                    int n = in.read(line, got, line.length - got);
                    if (n < 0) {
                        return;
                    }
                    got += n;
                }
                serverEvents.add("saw " + new String(line, StandardCharsets.US_ASCII));
            }
            try {
                answer.await(HANG.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serverEvents.add("answered");
            exchange.out().write("done".getBytes(StandardCharsets.US_ASCII));
            exchange.out().flush();
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).protocols(protocol).handler(seeThenAnswer)
                        .start();
                GuideClient g = GuideClient.prepare(pki.rootPem())) {
            g.connect(server.port(), TestPki.SERVER_NAME);
            Thread[] readerThread = new Thread[1];
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                readerThread[0] = Thread.currentThread();
                byte[] buf = new byte[16];
                int n = g.ssl.read(buf, 0, buf.length);
                return new String(buf, 0, n, StandardCharsets.US_ASCII);
            });
            awaitInsideNative(() -> readerThread[0], "nRead");
            for (String w : List.of("one-\n", "two-\n", "tri-\n")) {
                g.ssl.writeFully(w.getBytes(StandardCharsets.US_ASCII));
            }
            awaitSize(serverEvents, 3);
            assertFalse(reader.isDone(), "the server has sent nothing, yet the read returned");
            answer.countDown();
            assertEquals("done", reader.get(HANG.toSeconds(), TimeUnit.SECONDS));
            assertEquals(List.of("saw one-\n", "saw two-\n", "saw tri-\n", "answered"), serverEvents);
        }
    }

    /**
     * The write timeout: a server that never reads fills the socket buffers, and the blocked
     * write ends in SocketTimeoutException; afterwards the connection refuses writes (part of a
     * record may have gone out) but still reads.
     */
    @Test
    void aWriteToAServerThatNeverReadsTimesOutAndTheConnectionThenRefusesWrites() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        JsseServer.Handler neverReads = exchange -> {
            try {
                stop.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        TlsClient timed = TlsClient.builder().trustPemFile(pki.rootPem()).writeTimeout(Duration.ofMillis(300)).build();
        assertEquals(300, timed.writeTimeoutMillis());
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).handler(neverReads).start();
                TlsConnection c = timed.connect(TestPki.SERVER_NAME, server.port())) {
            byte[] chunk = new byte[64 * 1024];
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> {
                for (int i = 0; i < 100_000; i++) { // far more than any socket buffers hold
                    c.getOutputStream().write(chunk);
                }
            });
            assertTrue(e.getMessage().contains("write to"), e.getMessage());
            assertEquals(-0x6800, assertInstanceOf(MbedTlsException.class, e.getCause()).code());
            SocketException again = assertThrows(SocketException.class, () -> c.getOutputStream().write(1));
            assertTrue(again.getMessage().contains("after a write timed out"), again.getMessage());
            assertFalse(c.isClosed());
            stop.countDown();
        }
    }

    /** Waits until {@code thread}'s innermost frame is the native method {@code method}. */
    static void awaitInsideNative(java.util.function.Supplier<Thread> thread, String method) throws InterruptedException {
        long deadline = System.nanoTime() + HANG.toNanos();
        while (System.nanoTime() < deadline) {
            Thread t = thread.get();
            if (t != null) {
                StackTraceElement[] stack = t.getStackTrace();
                if (stack.length > 0 && stack[0].isNativeMethod() && stack[0].getMethodName().equals(method)) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the reader never got into " + method);
    }

    private static void awaitSize(List<String> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + HANG.toNanos();
        while (list.size() < size) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server saw only " + list);
            }
            Thread.sleep(5);
        }
    }

    private static void assumeSupported(TlsProtocol protocol) {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
    }
}
