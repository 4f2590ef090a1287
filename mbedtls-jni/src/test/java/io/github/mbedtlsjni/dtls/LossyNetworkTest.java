package io.github.mbedtlsjni.dtls;

import static io.github.mbedtlsjni.dtls.DtlsServerTest.assertEcho;
import static io.github.mbedtlsjni.dtls.DtlsServerTest.echoServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.UdpProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DTLS over a lossy network: Mbed TLS's {@code udp_proxy} (same source) between the two ends,
 * dropping, delaying (which reorders) and duplicating datagrams with a seeded generator: the
 * handshake completes through retransmissions and anti-replay, and application data arrives
 * ({@code udp_proxy} drops and delays only handshake records). Its {@code mtu=} option drops
 * every datagram larger than the MTU: the handshake completes only if both ends keep each
 * datagram within it. And a network that drops every flight: each end gives up within its
 * handshake timeout ({@code MBEDTLS_ERR_SSL_TIMEOUT}). Nothing here waits for time to pass:
 * retransmissions come from Mbed TLS's timer, every wait is a watchdog.
 *
 * <p>The proxy's seed is printed; {@code -Dmbedtlsjni.seed=N} replays it.
 */
class LossyNetworkTest {
    private static final Duration HANG = Duration.ofSeconds(120);
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;
    private static final Duration MIN = Duration.ofMillis(50);
    private static final Duration MAX = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static long seed() {
        long seed = Long.getLong("mbedtlsjni.seed", new SecureRandom().nextInt(Integer.MAX_VALUE));
        System.out.println("LossyNetworkTest: udp_proxy seed=" + seed + " (replay: -Dmbedtlsjni.seed=" + seed + ")");
        return seed;
    }

    @Test
    void ownClientToSslServer2ThroughDropsDelaysAndDuplicates() {
        assertTimeoutPreemptively(HANG, () -> {
            boolean cid = MbedTlsVersions.hasCid();
            List<String> options = new ArrayList<>(List.of("psk=" + MbedTlsPeersTest.hex(KEY), "psk_identity=" + ID,
                    "force_ciphersuite=TLS-PSK-WITH-AES-128-CCM-8", "hs_timeout=50-20000", "exchanges=3"));
            if (cid) {
                options.add("cid=1");
                options.add("cid_val=0badcafe");
            }
            try (UdpProcess server = sslServer2(options.toArray(new String[0]));
                    // delay_cli: one disturbance whatever the seed, before the handshake ends (the
                    // seeded ones may all miss its six datagrams, and the assertion would then race
                    // the proxy's log of the server's last datagrams)
                    UdpProcess proxy = udpProxy(server.port(), "drop=3", "delay=3", "duplicate=3",
                            "delay_cli=ClientKeyExchange");
                    DtlsClient client = clientBuilder(cid).psk(ID, KEY).build();
                    DtlsConnection c = client.connect("127.0.0.1", proxy.port())) {
                for (int i = 0; i < 3; i++) {
                    c.send("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String response = new String(c.receive(HANG), StandardCharsets.ISO_8859_1);
                    assertTrue(response.contains("Successful connection"), response);
                }
                assertTrue(proxy.output().contains("dropped") || proxy.output().contains("delayed")
                        || proxy.output().contains("duplicated"), "the proxy did disturb the handshake: " + proxy.output());
            }
        });
    }

    @Test
    void sslClient2ToOwnServerThroughDropsDelaysAndDuplicates() {
        assertTimeoutPreemptively(HANG, () -> {
            boolean cid = MbedTlsVersions.hasCid();
            DtlsServer.Builder builder = echoServer().psk(ID, KEY).handshakeTimeout(MIN, MAX);
            if (cid) {
                builder.cid(4);
            }
            try (DtlsServer server = builder.start();
                    UdpProcess proxy = udpProxy(server.port(), "drop=3", "delay=3", "duplicate=3")) {
                List<String> options = new ArrayList<>(List.of("psk=" + MbedTlsPeersTest.hex(KEY), "psk_identity=" + ID,
                        "force_ciphersuite=TLS-PSK-WITH-AES-128-CCM-8", "hs_timeout=50-20000", "exchanges=3"));
                if (cid) {
                    options.add("cid=1");
                    options.add("cid_val=beef");
                }
                UdpProcess client = sslClient2(proxy.port(), options.toArray(new String[0]));
                try (client) {
                    assertEquals(0, client.awaitExit(HANG), client.output());
                    assertTrue(client.output().contains("GET / HTTP/1.0"), client.output());
                }
                assertEquals(1, server.stats().handshakes(), server.stats().toString());
            }
        });
    }

    @Test
    void certificateFlightsKeptWithinASmallMtu() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            int mtu = 400;
            try (DtlsServer server = echoServer().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                    .clientAuth(AuthMode.NONE).mtu(mtu).handshakeTimeout(MIN, MAX).start();
                    UdpProcess proxy = udpProxy(server.port(), "mtu=" + mtu, "drop=4", "duplicate=4");
                    DtlsClient client = DtlsClient.builder().trustPemFile(pki.rootPem()).mtu(mtu)
                            .handshakeTimeout(MIN, MAX).build();
                    DtlsConnection c = client.connect(TestPki.SERVER_NAME, proxy.port())) {
                assertEcho(c, "through a 400-byte MTU");
                assertTrue(c.maxPayload() < mtu, "one datagram's payload stays within the MTU: " + c.maxPayload());
                assertThrows(IllegalArgumentException.class, () -> c.send(new byte[mtu]),
                        "a datagram of application data larger than the MTU allows is refused, never split");
            }
        });
    }

    /** The control of the test above: a server flight in datagrams larger than the proxy's MTU never arrives. */
    @Test
    void flightsAboveTheProxyMtuNeverArrive() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            Duration min = Duration.ofMillis(20);
            Duration max = Duration.ofMillis(160);
            try (DtlsServer server = echoServer().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                    .clientAuth(AuthMode.NONE).mtu(1232).handshakeTimeout(min, max).start();
                    UdpProcess proxy = udpProxy(server.port(), "mtu=400");
                    DtlsClient client = DtlsClient.builder().trustPemFile(pki.rootPem()).mtu(400)
                            .handshakeTimeout(min, max).build()) {
                assertThrows(SocketTimeoutException.class, () -> client.connect(TestPki.SERVER_NAME, proxy.port()));
                // udp_proxy prints each datagram it sees, and ": forwarded" after those it lets through.
                assertTrue(serverDatagrams(proxy.output(), false).stream().anyMatch(n -> n > 400), proxy.output());
                assertTrue(serverDatagrams(proxy.output(), true).stream().allMatch(n -> n <= 400), proxy.output());
            }
        });
    }

    @Test
    void clientGivesUpWhenEveryFlightIsDropped() {
        assertTimeoutPreemptively(HANG, () -> {
            try (BlackHole hole = new BlackHole();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY)
                            .handshakeTimeout(Duration.ofMillis(20), Duration.ofMillis(160)).build()) {
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                        () -> client.connect("127.0.0.1", hole.port()));
                TlsException cause = assertInstanceOf(TlsException.class, e.getCause());
                assertEquals(DatagramBio.MBEDTLS_ERR_SSL_TIMEOUT, cause.code());
                // 20 + 40 + 80 + 160 ms: the first ClientHello and its retransmissions.
                assertTrue(hole.received() >= 2, "the ClientHello was retransmitted: " + hole.received());
            }
        });
    }

    @Test
    void serverGivesUpWhenItsFlightsAreDropped() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(ID, KEY)
                    .handshakeTimeout(Duration.ofMillis(20), Duration.ofMillis(160)).start();
                    OneWayProxy proxy = new OneWayProxy(server.port(), 1);
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY)
                            .handshakeTimeout(Duration.ofMillis(20), Duration.ofMillis(160)).build()) {
                assertThrows(SocketTimeoutException.class, () -> client.connect("127.0.0.1", proxy.port()));
                CidRoutingTest.await(() -> server.stats().handshakeFailures() == 1, "the server gave up");
                assertEquals(0, server.sessions().size());
                assertEquals(0, server.stats().handshaking());
                assertTrue(proxy.droppedFromServer() >= 2, "the server retransmitted its flight");
            }
        });
    }

    /** The sizes of the server's datagrams udp_proxy saw (forwarded: only those it let through). */
    private static List<Integer> serverDatagrams(String proxyOutput, boolean forwarded) {
        List<Integer> sizes = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("S -> C \\w+ \\((\\d+) bytes\\)(: forwarded)?")
                .matcher(proxyOutput);
        while (m.find()) {
            if (!forwarded || m.group(2) != null) {
                sizes.add(Integer.parseInt(m.group(1)));
            }
        }
        return sizes;
    }

    static DtlsClient.Builder clientBuilder(boolean cid) {
        DtlsClient.Builder b = DtlsClient.builder().handshakeTimeout(MIN, MAX);
        return cid ? b.cid(4) : b;
    }

    private UdpProcess udpProxy(int serverPort, String... options) {
        return MbedTlsPrograms.udpProxy(dir, serverPort, seed(), options);
    }

    private UdpProcess sslServer2(String... options) {
        return MbedTlsPrograms.dtlsServer2(dir, options);
    }

    private UdpProcess sslClient2(int port, String... options) {
        return MbedTlsPrograms.dtlsClient2(dir, port, options);
    }

    /** A UDP port that takes every datagram and answers none: every flight is lost. */
    static final class BlackHole implements AutoCloseable {
        private final DatagramChannel channel;
        private final AtomicInteger received = new AtomicInteger();
        private final Thread thread;

        BlackHole() throws IOException {
            channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(() -> {
                ByteBuffer b = ByteBuffer.allocate(65536);
                try {
                    for (;;) {
                        b.clear();
                        channel.receive(b);
                        received.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // done
                }
            }, "black-hole");
            thread.setDaemon(true);
            thread.start();
        }

        int port() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        int received() {
            return received.get();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Relays the client's datagrams to the server, and only the first {@code answers} of the
     * server's back (the HelloVerifyRequest): a client that stops mid-handshake, as the server sees it.
     */
    static final class OneWayProxy implements AutoCloseable {
        private final DatagramChannel front;
        private final DatagramChannel back;
        private final InetSocketAddress server;
        private final AtomicInteger dropped = new AtomicInteger();
        private volatile SocketAddress client;

        OneWayProxy(int serverPort, int answers) throws IOException {
            InetAddress lo = InetAddress.getLoopbackAddress();
            server = new InetSocketAddress(lo, serverPort);
            front = DatagramChannel.open().bind(new InetSocketAddress(lo, 0));
            back = DatagramChannel.open().bind(new InetSocketAddress(lo, 0));
            Thread up = new Thread(() -> relay(front, true, Integer.MAX_VALUE), "one-way-up");
            Thread down = new Thread(() -> relay(back, false, answers), "one-way-down");
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        private void relay(DatagramChannel from, boolean up, int pass) {
            ByteBuffer b = ByteBuffer.allocate(65536);
            int passed = 0;
            try {
                for (;;) {
                    b.clear();
                    SocketAddress source = from.receive(b);
                    b.flip();
                    if (up) {
                        client = source;
                        back.send(b, server);
                    } else if (passed++ < pass && client != null) {
                        front.send(b, client);
                    } else {
                        dropped.incrementAndGet();
                    }
                }
            } catch (AsynchronousCloseException closed) {
                // done
            } catch (IOException e) {
                // done
            }
        }

        int port() throws IOException {
            return ((InetSocketAddress) front.getLocalAddress()).getPort();
        }

        int droppedFromServer() {
            return dropped.get();
        }

        @Override
        public void close() throws IOException {
            front.close();
            back.close();
        }
    }
}
