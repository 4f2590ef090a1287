package io.github.mbedtlsjni.dtls;

import static io.github.mbedtlsjni.dtls.DtlsServerTest.assertEcho;
import static io.github.mbedtlsjni.dtls.DtlsServerTest.echoServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsServerStats;
import io.github.mbedtlsjni.SessionStore;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.RebindingProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Connection ID at work: NAT rebinding through a proxy of the test's own (with CID the server
 * keeps the session and answers the new address; without, it does not), idle sessions saved into
 * a {@link SessionStore} and loaded again when their CID arrives (in memory, and in files across
 * a server restart), and a client connection saved and restored from another socket.
 */
class CidRoutingTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;

    @TempDir
    Path dir;

    @BeforeEach
    void needsCid() {
        MbedTlsVersions.assumeCid();
    }

    @Test
    void natRebindingWithCidKeepsTheSession() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(ID, KEY).cid(4).start();
                    RebindingProxy nat = new RebindingProxy(server.port());
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).cid(0).build();
                    DtlsConnection c = client.connect("127.0.0.1", nat.port())) {
                assertEcho(c, "before");
                RebindingProxy.Upstream before = nat.upstream();
                assertEquals(before.port(), server.sessions().get(0).peerAddress().getPort());
                RebindingProxy.Upstream after = nat.rebind();
                assertEcho(c, "after rebinding");
                assertEquals(1, server.sessions().size(), "the same session");
                assertEquals(after.port(), server.sessions().get(0).peerAddress().getPort(), "answers the new address");
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.handshakes(), "no new handshake: " + stats);
                assertEquals(1, stats.addressChanges(), stats.toString());
                assertTrue(after.fromServer() > 0);
            }
        });
    }

    @Test
    void natRebindingWithoutCidLosesTheSession() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(ID, KEY).start();
                    RebindingProxy nat = new RebindingProxy(server.port());
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).build();
                    DtlsConnection c = client.connect("127.0.0.1", nat.port())) {
                assertEcho(c, "before");
                long droppedBefore = server.stats().dropped();
                RebindingProxy.Upstream after = nat.rebind();
                c.send("after rebinding".getBytes());
                // The datagram reaches the server from an unknown address without a CID: it is
                // no ClientHello, so the cookie check drops it.
                await(() -> server.stats().dropped() > droppedBefore, "the server saw and dropped the datagram");
                assertEquals(0, after.fromServer(), "nothing was sent to the new address");
                assertEquals(1, server.sessions().size());
                assertEquals(1, server.stats().handshakes());
                assertThrows(SocketTimeoutException.class, () -> c.receive(Duration.ofMillis(200)));
            }
        });
    }

    @Test
    void idleSessionIsSavedFreedAndLoadedWhenItsCidArrives() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(ID, KEY).cid(8).idleTimeout(Duration.ofMillis(100)).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).cid(0).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                assertEcho(c, "hello");
                long contexts = liveContexts();
                await(() -> server.stats().saved() == 1, "the idle session was saved");
                assertEquals(0, server.sessions().size());
                assertEquals(1, server.stats().stored());
                assertEquals(contexts - 1, liveContexts(), "its mbedtls_ssl_context was freed");
                assertEcho(c, "back again");
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.loaded(), stats.toString());
                assertEquals(1, stats.handshakes(), "no new handshake: " + stats);
                assertEquals(0, stats.stored(), "a saved session is loaded at most once");
            }
        });
    }

    @Test
    void fileStoreKeepsSessionsAcrossAServerRestart() {
        assertTimeoutPreemptively(HANG, () -> {
            FileSessionStore store = new FileSessionStore(dir.resolve("sessions"));
            InetSocketAddress address;
            try (DtlsClient client = DtlsClient.builder().psk(ID, KEY).cid(0).build()) {
                DtlsConnection c;
                try (DtlsServer first = echoServer().psk(ID, KEY).cid(6).sessionStore(store)
                        .idleTimeout(Duration.ofMillis(100)).start()) {
                    address = first.localAddress();
                    c = client.connect("127.0.0.1", address.getPort());
                    assertEcho(c, "to the first server");
                    await(() -> first.stats().saved() == 1, "the idle session was saved to a file");
                }
                assertEquals(1, store.size());
                try (DtlsServer second = echoServer().bind(address).psk(ID, KEY).cid(6).sessionStore(store).start();
                        DtlsConnection same = c) {
                    assertEcho(same, "to the second server");
                    assertEquals(1, second.stats().loaded());
                    assertEquals(0, second.stats().handshakes(), "the session came from the file");
                }
            }
        });
    }

    @Test
    void clientConnectionSavedAndRestoredFromAnotherSocket() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(ID, KEY).cid(4).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).cid(2).build()) {
                byte[] saved;
                int firstPort;
                try (DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                    assertEcho(c, "before sleeping");
                    firstPort = c.localAddress().getPort();
                    saved = c.save();
                    assertTrue(c.isClosed());
                }
                try (DtlsConnection c = client.connection("127.0.0.1", server.port()).restore(saved).connect()) {
                    assertTrue(c.localAddress().getPort() != firstPort);
                    assertEcho(c, "after waking up");
                }
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.handshakes(), stats.toString());
                assertEquals(1, stats.addressChanges(), stats.toString());
            }
        });
    }

    static long liveContexts() {
        return MbedTls.liveNativeObjects().get("mbedtls_ssl_context");
    }

    /** Waits (a watchdog, not a delay) until {@code condition} holds. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + HANG.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + HANG + ": " + what);
            }
            Thread.sleep(5);
        }
    }

    /** A store that keeps each saved session in a file named by its CID. */
    static final class FileSessionStore implements SessionStore {
        private final Path dir;

        FileSessionStore(Path dir) throws IOException {
            this.dir = Files.createDirectories(dir);
        }

        private Path file(byte[] cid) {
            return dir.resolve(HexFormat.of().formatHex(cid) + ".dtls");
        }

        @Override
        public synchronized void put(byte[] cid, byte[] state) throws IOException {
            Files.write(file(cid), state);
        }

        @Override
        public synchronized byte[] take(byte[] cid) throws IOException {
            Path f = file(cid);
            if (!Files.exists(f)) {
                return null;
            }
            byte[] state = Files.readAllBytes(f);
            Files.delete(f);
            return state;
        }

        @Override
        public synchronized boolean contains(byte[] cid) {
            return Files.exists(file(cid));
        }

        @Override
        public synchronized int size() {
            try (var files = Files.list(dir)) {
                return (int) files.count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
