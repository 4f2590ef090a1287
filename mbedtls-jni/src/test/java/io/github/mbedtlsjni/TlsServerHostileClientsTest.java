package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TlsServer} against clients that break the protocol on purpose, each while a
 * well-behaved {@link TlsClient} is served by the same server: records whose header claims more
 * than Mbed TLS's input buffer holds or more than a plaintext fragment may carry, before the
 * handshake (raw bytes) and after it (a JSSE client's handshake on a socket the test owns, then
 * hand-made bytes on that socket); renegotiation requests over TLS 1.2 from {@code openssl
 * s_client} and Mbed TLS's {@code ssl_client2}; and thousands of half-open connections (silent, or
 * half a ClientHello) against a small handshake timeout. Each case asserts what Mbed TLS decided
 * on the server (the {@link TlsException} code of the handshake or of the handler's read, the
 * failure count), what the hostile client saw, and that the native objects return to their
 * baseline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsServerHostileClientsTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    /** The largest TLSCiphertext length RFC 5246 allows (2^14 + 2048); one more is never valid. */
    private static final int RFC_MAX_CIPHERTEXT = (1 << 14) + 2048;
    private static final int BAD_INPUT_DATA = -0x7100;
    private static final int INVALID_RECORD = -0x7200;
    private static final int INVALID_MAC = -0x7180;
    private static final int FATAL_ALERT_MESSAGE = -0x7780;
    private static final int NET_CONN_RESET = -0x0050;
    private static final int BAD_HS_CLIENT_HELLO = -0x7900;

    @TempDir
    static Path dir;

    TestPki pki;
    TlsClient client;

    @BeforeAll
    void pki() throws IOException {
        pki = TestPki.create(dir, KeyType.EC_P256);
        client = TlsClient.builder().trustPemFile(pki.rootPem()).build();
    }

    /** What the server saw of one client: its handshake or its handler's read failed with {@code error}, or it was served. */
    record Outcome(boolean handshakeDone, Throwable error) {
        boolean served() {
            return handshakeDone && error == null;
        }

        int code() {
            return error instanceof TlsException t ? t.code() : 0;
        }

        @Override
        public String toString() {
            return (handshakeDone ? "handshake done, " : "handshake failed, ") + (error == null ? "served" : error);
        }
    }

    /**
     * Two threads calling {@link TlsServer#accept()} (so that Mbed TLS's reason for a failed
     * handshake reaches the test) and echoing each line a connection sends until it ends; each
     * client's end goes into {@link #outcomes}. A hostile client holding a connection does not
     * keep the other thread from serving the next client.
     */
    final class Acceptors implements AutoCloseable {
        final TlsServer server;
        final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        private final List<CompletableFuture<Void>> threads = new ArrayList<>();

        Acceptors(Duration handshakeTimeout) throws IOException {
            server = TlsServer.builder().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                    .handshakeTimeout(handshakeTimeout).build().bind("127.0.0.1", 0);
            for (int i = 0; i < 2; i++) {
                threads.add(CompletableFuture.runAsync(this::acceptLoop));
            }
        }

        private void acceptLoop() {
            while (true) {
                TlsConnection c;
                try {
                    c = server.accept();
                } catch (SocketException e) {
                    if (server.isClosed()) {
                        return;
                    }
                    outcomes.add(new Outcome(false, e));
                    continue;
                } catch (IOException e) {
                    outcomes.add(new Outcome(false, e));
                    continue;
                }
                try (c) {
                    InputStream in = c.getInputStream();
                    OutputStream out = c.getOutputStream();
                    for (int b; (b = in.read()) >= 0; ) {
                        out.write(b);
                    }
                    outcomes.add(new Outcome(true, null));
                } catch (IOException e) {
                    outcomes.add(new Outcome(true, e));
                }
            }
        }

        Outcome next() throws InterruptedException {
            Outcome o = outcomes.poll(HANG.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(o, "the server reported no outcome within " + HANG);
            return o;
        }

        /** A well-behaved client: a verified handshake, a line echoed, close_notify; the server reports it served. */
        void wellBehavedClientIsServed() throws Exception {
            try (TlsConnection c = client.connection("127.0.0.1", server.port()).serverName(TestPki.SERVER_NAME).connect()) {
                c.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                byte[] echo = c.getInputStream().readNBytes(5);
                assertEquals("ping\n", new String(echo, StandardCharsets.US_ASCII));
            }
            Outcome o = next();
            assertTrue(o.served(), "the well-behaved client: " + o);
        }

        @Override
        public void close() throws IOException {
            server.close();
            try {
                for (CompletableFuture<Void> t : threads) {
                    t.get(HANG.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("waiting for the accept threads");
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("an accept thread failed or hung", e);
            }
        }
    }

    /** Everything the peer sends until it closes (bounded by a read timeout that only ends a hang). */
    static byte[] readToEnd(Socket s) throws IOException {
        s.setSoTimeout((int) HANG.toMillis());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        try {
            for (int b; (b = in.read()) >= 0; ) {
                got.write(b);
            }
        } catch (SocketException reset) {
            // the server closed with our unread bytes in its buffer: a reset ends the connection too
        }
        return got.toByteArray();
    }

    /**
     * A TCP relay on 127.0.0.1 in front of the server that keeps what the server sends, so that a
     * test sees the records behind a JSSE client (which closes its socket on a fatal alert).
     */
    private static final class Tap implements AutoCloseable {
        private final java.net.ServerSocket front = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        private final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
        private final CompletableFuture<Void> serverEnded = new CompletableFuture<>();
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        private int mark = -1;

        Tap(int serverPort) throws IOException {
            Thread relay = new Thread(() -> {
                try (Socket client = front.accept(); Socket upstream = new Socket("127.0.0.1", serverPort)) {
                    sockets.add(client);
                    sockets.add(upstream);
                    Thread up = new Thread(() -> copy(client, upstream, null), "tap-up");
                    up.setDaemon(true);
                    up.start();
                    copy(upstream, client, fromServer);
                } catch (IOException e) {
                    serverEnded.completeExceptionally(e);
                } finally {
                    serverEnded.complete(null);
                }
            }, "tap");
            relay.setDaemon(true);
            relay.start();
        }

        int port() {
            return front.getLocalPort();
        }

        /** From here on, what the server sends is counted. */
        void mark() {
            synchronized (fromServer) {
                mark = fromServer.size();
            }
        }

        /** The number of TLS records the server sent after {@link #mark()}, once it ended the connection. */
        int recordsSinceMark(Duration timeout) throws Exception {
            serverEnded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            byte[] all;
            synchronized (fromServer) {
                all = fromServer.toByteArray();
            }
            int records = 0;
            int at = mark;
            while (at + 5 <= all.length) {
                at += 5 + (((all[at + 3] & 0xFF) << 8) | (all[at + 4] & 0xFF));
                records++;
            }
            assertEquals(all.length, at, "whole records");
            return records;
        }

        /** Copies until EOF or an error, keeping what passes in {@code keep}; then ends the output. */
        private static void copy(Socket from, Socket to, ByteArrayOutputStream keep) {
            byte[] buffer = new byte[32 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (keep != null) {
                        synchronized (keep) {
                            keep.write(buffer, 0, n);
                        }
                    }
                    if (out != null) {
                        try {
                            out.write(buffer, 0, n);
                        } catch (IOException gone) {
                            if (keep == null) {
                                return;
                            }
                            out = null; // the client has closed: keep what the server still sends
                        }
                    }
                }
                if (out != null) {
                    to.shutdownOutput();
                }
            } catch (IOException ended) {
                // a reset ends it as EOF does
            }
        }

        @Override
        public void close() throws IOException {
            front.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static byte[] header(int type, int length) {
        return new byte[] {(byte) type, 3, 3, (byte) (length >> 8), (byte) length};
    }

    /**
     * A record header before any handshake that claims more than Mbed TLS's input buffer holds
     * (just above RFC 5246's 2^14 + 2048, and 64 KiB - 1): refused at the header, before any
     * body is read, with {@code MBEDTLS_ERR_SSL_BAD_INPUT_DATA} and no alert; a plaintext
     * handshake record of 2^14 + 1 bytes, body sent (it fits the buffer): read, then refused with
     * {@code MBEDTLS_ERR_SSL_INVALID_RECORD}, also without an alert. (Mbed TLS 2.28 refuses all
     * three as {@code MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO}.)
     */
    @ParameterizedTest
    @ValueSource(ints = {RFC_MAX_CIPHERTEXT + 1, 0xFFFF, (1 << 14) + 1})
    void oversizedRecordBeforeTheHandshake(int length) throws Exception {
        boolean withBody = length <= (1 << 14) + 1;
        Map<String, Long> before = LiveObjects.settle();
        try (Acceptors server = new Acceptors(HANG); Socket hostile = new Socket("127.0.0.1", server.server.port())) {
            server.wellBehavedClientIsServed();
            hostile.getOutputStream().write(header(22, length));
            if (withBody) {
                hostile.getOutputStream().write(new byte[length]);
            }
            Outcome o = server.next();
            assertFalse(o.handshakeDone(), o.toString());
            // 2.28's server reads the ClientHello's record header itself and refuses either as a bad ClientHello
            assertEquals(MbedTlsVersions.byLine(BAD_HS_CLIENT_HELLO, withBody ? INVALID_RECORD : BAD_INPUT_DATA), o.code(),
                    o.toString());
            assertEquals(0, readToEnd(hostile).length, "Mbed TLS sends no alert: the connection just ends");
            server.wellBehavedClientIsServed();
            assertEquals(1, server.server.failedHandshakes());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    /**
     * After a completed handshake (a JSSE client over a socket the test owns), a hand-made
     * application-data record header: above RFC 5246's limit, refused at the header with
     * {@code MBEDTLS_ERR_SSL_BAD_INPUT_DATA} and no fatal alert (the client sees the connection
     * end); 2^14 + 1 bytes with a body (more than a plaintext fragment, within the buffer), read
     * and refused by its MAC with a fatal bad_record_mac alert to the client. A well-behaved
     * client is served while the hostile connection is open.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void oversizedRecordAfterTheHandshake(String protocol) throws Exception {
        if (protocol.equals("TLSv1.3")) {
            MbedTlsVersions.assumeTls13();
        }
        SSLContext jsse = SslContexts.client(pki.root().certificate());
        Map<String, Long> before = LiveObjects.settle();
        try (Acceptors server = new Acceptors(HANG)) {
            for (int length : new int[] {RFC_MAX_CIPHERTEXT + 1, (1 << 14) + 1}) {
                boolean withBody = length == (1 << 14) + 1;
                try (Tap tap = new Tap(server.server.port());
                        Socket raw = new Socket("127.0.0.1", tap.port());
                        SSLSocket tls = (SSLSocket) jsse.getSocketFactory().createSocket(raw, TestPki.SERVER_NAME,
                                server.server.port(), false)) {
                    tls.setEnabledProtocols(new String[] {protocol});
                    tls.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("hi\n", new String(tls.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
                    server.wellBehavedClientIsServed(); // while this one is connected
                    tap.mark();
                    raw.getOutputStream().write(header(23, length)); // between JSSE's records
                    if (withBody) {
                        raw.getOutputStream().write(new byte[length]);
                    }
                    Outcome o = server.next();
                    assertTrue(o.handshakeDone(), o.toString());
                    assertEquals(withBody ? INVALID_MAC : BAD_INPUT_DATA, o.code(), o.toString());
                    tls.setSoTimeout((int) HANG.toMillis());
                    if (withBody) {
                        SSLException e = org.junit.jupiter.api.Assertions.assertThrows(SSLException.class,
                                () -> tls.getInputStream().read());
                        assertTrue(String.valueOf(e.getMessage()).contains("bad_record_mac"), String.valueOf(e));
                    } else {
                        // no fatal alert: the connection ends (the socket's end)
                        try {
                            assertEquals(-1, tls.getInputStream().read());
                        } catch (SSLException e) {
                            throw new AssertionError("a fatal alert where Mbed TLS sends none", e);
                        } catch (SocketException ended) {
                            // JSSE shut its input
                        }
                    }
                    // What the server sent after the refused record, as the tap saw it: after the
                    // bad MAC, the fatal alert and nothing more (TLS allows no close_notify after
                    // a fatal alert); after the refused header, which Mbed TLS answers with no
                    // alert, nothing at all (its context must not be written to again).
                    assertEquals(withBody ? 1 : 0, tap.recordsSinceMark(HANG), "records the server sent after the refused one");
                }
            }
            server.wellBehavedClientIsServed();
            assertEquals(0, server.server.failedHandshakes());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    /**
     * {@code openssl s_client -tls1_2} and its {@code R} command: Mbed TLS's default refuses
     * renegotiation with a no_renegotiation warning alert, which OpenSSL treats as fatal ("no
     * renegotiation"), answering with a fatal alert: the handler's read fails with
     * {@code MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE}. The line before is echoed; a well-behaved
     * client is served while s_client is connected and after.
     */
    @Test
    void opensslRenegotiationIsRefused() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        try (Acceptors server = new Acceptors(HANG)) {
            Process p = new ProcessBuilder(OpenSsl.executable().toString(), "s_client", "-connect",
                    "127.0.0.1:" + server.server.port(), "-tls1_2", "-CAfile", pki.rootPem().toString(),
                    "-servername", TestPki.SERVER_NAME).redirectErrorStream(true).start();
            try {
                StringBuffer output = new StringBuffer();
                Thread reader = new Thread(() -> {
                    try (InputStream in = p.getInputStream()) {
                        byte[] b = new byte[4096];
                        for (int n; (n = in.read(b)) > 0; ) {
                            output.append(new String(b, 0, n, StandardCharsets.UTF_8));
                        }
                    } catch (IOException ended) {
                        // the process is gone
                    }
                }, "s_client-output");
                reader.start();
                OutputStream stdin = p.getOutputStream();
                stdin.write("hello\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                server.wellBehavedClientIsServed(); // while s_client is connected
                // s_client takes "R" as a command only at the start of what it reads from stdin at once
                for (long end = System.nanoTime() + HANG.toNanos(); output.indexOf("hello") < 0; ) {
                    assertTrue(System.nanoTime() < end && p.isAlive(), "s_client's line came back: " + output);
                    Thread.sleep(10);
                }
                stdin.write("R\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                Outcome o = server.next();
                assertTrue(o.handshakeDone(), o.toString());
                assertEquals(FATAL_ALERT_MESSAGE, o.code(), o.toString());
                assertTrue(p.waitFor(HANG.toSeconds(), TimeUnit.SECONDS), "s_client ended");
                reader.join(HANG.toMillis());
                String out = output.toString();
                assertTrue(out.contains("RENEGOTIATING") && out.contains("no renegotiation"), out);
                assertTrue(out.indexOf("hello") < out.indexOf("RENEGOTIATING"), "the line echoed first: " + out);
            } finally {
                p.destroyForcibly();
            }
            server.wellBehavedClientIsServed();
            assertEquals(0, server.server.failedHandshakes());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    /**
     * Mbed TLS's own client, built from the pinned source, with renegotiation enabled and asked
     * for at once ({@code renegotiate=1}) and after an exchange ({@code renegotiate=2}): the
     * server's refusal ends {@code mbedtls_ssl_renegotiate} with
     * {@code MBEDTLS_ERR_SSL_WAITING_SERVER_HELLO_RENEGO} (-0x6B00), and ssl_client2 exits
     * without close_notify, which the handler's read reports as a {@link TruncationException} (or,
     * when ssl_client2 left bytes unread, as {@code MBEDTLS_ERR_NET_CONN_RESET}).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void sslClient2RenegotiationIsRefused(int renegotiate) throws Exception {
        assumeTrue(renegotiate == 1 || MbedTlsVersions.is3(), "2.28's ssl_client2 knows renegotiate=0 and 1 only");
        Map<String, Long> before = LiveObjects.settle();
        try (Acceptors server = new Acceptors(HANG)) {
            OpenSsl.Result r = OpenSsl.runCommand(HANG, List.of(MbedTlsPrograms.sslClient2().toString(),
                    "server_addr=127.0.0.1", "server_port=" + server.server.port(), "server_name=" + TestPki.SERVER_NAME,
                    "ca_file=" + pki.rootPem(), "force_version=tls12", "renegotiation=1", "renegotiate=" + renegotiate,
                    "read_timeout=" + HANG.toMillis()));
            assertTrue(r.output().contains("Performing renegotiation... failed") && r.output().contains("-0x6B00"),
                    r.output());
            assertEquals(renegotiate == 2, r.output().contains("bytes read"), "the exchange before: " + r.output());
            Outcome o = server.next();
            assertTrue(o.handshakeDone(), o.toString());
            // ssl_client2 exits without close_notify: EOF, or a reset when it left the echo unread
            assertTrue(o.error() instanceof TruncationException || o.code() == NET_CONN_RESET, o.toString());
            server.wellBehavedClientIsServed();
            assertEquals(0, server.server.failedHandshakes());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }
    /**
     * 2,000 half-open connections at once, every other one silent, the rest stopping halfway
     * through their ClientHello record, against a server running at most 1,000 handshakes of
     * 1.5 s each: a well-behaved client queued behind them is served, each half-open one is closed by
     * its handshake timeout without a byte from the server, every one is counted as a failed
     * handshake, and no native object outlives the server. ({@code scripts/soak --server}
     * mixes such connections with good clients at length.)
     */
    @Test
    void thousandsOfHalfOpenConnectionsAreReaped() throws Exception {
        int halfOpen = 2000;
        byte[] halfHello = new byte[5 + 4 + 2 + 100]; // a record header and ClientHello promising 512 bytes, then a stop
        System.arraycopy(new byte[] {22, 3, 1, 2, 0, 1, 0, 1, (byte) 0xfc, 3, 3}, 0, halfHello, 0, 11);
        Map<String, Long> before = LiveObjects.settle();
        List<Socket> sockets = new ArrayList<>();
        try (TlsServer server = TlsServer.builder().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                .maxHandshakes(1000).poolSize(1000).handshakeTimeout(Duration.ofMillis(1500)).build()
                .bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = TlsServerTest.serving(server, c -> c.getOutputStream().write(
                    "served\n".getBytes(StandardCharsets.US_ASCII)));
            try {
                for (int i = 0; i < halfOpen; i++) {
                    Socket s = new Socket("127.0.0.1", server.port());
                    sockets.add(s);
                    if (i % 2 == 1) {
                        s.getOutputStream().write(halfHello);
                    }
                }
                try (TlsConnection c = client.connection("127.0.0.1", server.port()).serverName(TestPki.SERVER_NAME)
                        .connect()) {
                    assertEquals("served\n", new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
                long bytesFromServer = 0;
                for (Socket s : sockets) {
                    bytesFromServer += readToEnd(s).length;
                }
                assertEquals(0, bytesFromServer, "a handshake timeout ends the connection without an alert");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(halfOpen, server.failedHandshakes(), "every half-open connection failed its handshake");
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }
}
