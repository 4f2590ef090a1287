package io.github.mbedtlsjni.dtls;

import static io.github.mbedtlsjni.dtls.CidRoutingTest.await;
import static io.github.mbedtlsjni.dtls.CidRoutingTest.liveContexts;
import static io.github.mbedtlsjni.dtls.DtlsServerTest.assertEcho;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsEngine;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsServerStats;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Hostile datagrams against a {@link DtlsServer} that serves an established session meanwhile:
 * garbage, records for unknown CIDs, replayed records (from the same address and from another),
 * a flood of ClientHellos from many source addresses that never answer the HelloVerifyRequest
 * (as spoofed ones cannot), and clients that stop mid-handshake beyond the cap on handshakes.
 * After each, the established session still gets its answers, the server kept no state for
 * what it dropped, and its native memory stayed bounded ({@code mbedtls_ssl_context} count).
 * Seeded: the seed is printed, {@code -Dmbedtlsjni.seed=N} replays it.
 */
class HostileDatagramsTest {
    private static final Duration HANG = Duration.ofSeconds(120);
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;

    private static Random random() {
        long seed = Long.getLong("mbedtlsjni.seed", new SecureRandom().nextLong());
        System.out.println("HostileDatagramsTest: seed=" + seed + " (replay: -Dmbedtlsjni.seed=" + seed + ")");
        return new Random(seed);
    }

    private static DtlsServer.Builder server(AtomicInteger handled) {
        DtlsServer.Builder b = DtlsServer.builder()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .psk(ID, KEY)
                .handler((session, data) -> {
                    handled.incrementAndGet();
                    session.send(data);
                });
        return MbedTlsVersions.hasCid() ? b.cid(4) : b;
    }

    @Test
    void garbageAndUnknownCidsAreDroppedWithoutState() {
        assertTimeoutPreemptively(HANG, () -> {
            Random r = random();
            AtomicInteger handled = new AtomicInteger();
            try (DtlsServer server = server(handled).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port());
                    DatagramChannel attacker = DatagramChannel.open()) {
                assertEcho(c, "before");
                long contexts = liveContexts();
                long read = server.stats().datagramsIn();
                for (int round = 0; round < 40; round++) {
                    // In batches the socket's receive buffer holds: a datagram the kernel drops
                    // would be the network's loss, not the server's.
                    for (int i = 0; i < 50; i++) {
                        attacker.send(ByteBuffer.wrap(garbage(r)), server.localAddress());
                    }
                    long expected = read + 50;
                    await(() -> server.stats().datagramsIn() >= expected, "the server read the garbage");
                    read = expected;
                    if (round % 8 == 0) {
                        assertEcho(c, "between the garbage " + round);
                        read += 1;
                    }
                }
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.sessions(), stats.toString());
                assertEquals(1, stats.handshakes(), stats.toString());
                assertEquals(0, stats.accepted() - 1, "no session for garbage: " + stats);
                assertTrue(liveContexts() <= contexts + 1, "no native state kept (one spare context at most)");
            }
        });
    }

    @Test
    void recordsForUnknownCidsAreDropped() {
        MbedTlsVersions.assumeCid();
        assertTimeoutPreemptively(HANG, () -> {
            Random r = random();
            AtomicInteger handled = new AtomicInteger();
            try (DtlsServer server = server(handled).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).cid(0).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port());
                    DatagramChannel attacker = DatagramChannel.open()) {
                assertEcho(c, "before");
                for (int i = 0; i < 500; i++) {
                    byte[] record = new byte[13 + 4 + 40];
                    r.nextBytes(record);
                    record[0] = 25; // tls12_cid
                    record[1] = (byte) 0xFE;
                    record[2] = (byte) 0xFD;
                    attacker.send(ByteBuffer.wrap(record), server.localAddress());
                    if (i % 50 == 49) {
                        int dropped = i + 1;
                        await(() -> server.stats().unknownCid() + server.stats().dropped() >= dropped, "dropped");
                    }
                }
                await(() -> server.stats().unknownCid() + server.stats().dropped() >= 500, "the records were dropped");
                assertEcho(c, "after");
                assertEquals(1, server.stats().sessions());
                assertEquals(2, handled.get(), "only the real client's datagrams reached the handler");
            }
        });
    }

    @Test
    void replayedRecordsAreDroppedFromAnyAddress() {
        assertTimeoutPreemptively(HANG, () -> {
            AtomicInteger handled = new AtomicInteger();
            try (DtlsServer server = server(handled).start();
                    DtlsClient client = (MbedTlsVersions.hasCid() ? DtlsClient.builder().cid(0) : DtlsClient.builder())
                            .psk(ID, KEY).build();
                    RecordingClient rc = new RecordingClient(client, server.localAddress());
                    DatagramChannel elsewhere = DatagramChannel.open()
                            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                rc.sendAndAwaitEcho("original");
                assertEquals(1, handled.get());
                byte[] original = rc.lastSent();
                int port = server.sessions().get(0).peerAddress().getPort();
                for (int i = 0; i < 20; i++) {
                    rc.channel.send(ByteBuffer.wrap(original), server.localAddress());
                    elsewhere.send(ByteBuffer.wrap(original), server.localAddress());
                }
                rc.sendAndAwaitEcho("fresh"); // the replays were before this one: all handled by now
                assertEquals(2, handled.get(), "the replays reached no handler");
                assertEquals(0, server.stats().addressChanges(), "a replay from elsewhere moved nothing");
                assertEquals(port, server.sessions().get(0).peerAddress().getPort());
            }
        });
    }

    @Test
    void clientHelloFloodFromManyAddressesKeepsNoState() {
        assertTimeoutPreemptively(HANG, () -> {
            AtomicInteger handled = new AtomicInteger();
            try (DtlsServer server = server(handled).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                assertEcho(c, "before the flood");
                byte[] hello = clientHello(client);
                long contexts = liveContexts();
                long verifiesBefore = server.stats().helloVerifies();
                int floods = 0;
                List<DatagramChannel> spoofed = new ArrayList<>();
                try {
                    for (int a = 2; a < 12; a++) { // 127.0.0.2 .. 127.0.0.11, 50 ports each
                        InetAddress from = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) a});
                        for (int p = 0; p < 50; p++) {
                            DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(from, 0));
                            spoofed.add(ch);
                            ch.send(ByteBuffer.wrap(hello), server.localAddress());
                            floods++;
                        }
                        assertEcho(c, "during the flood " + a);
                    }
                    int total = floods;
                    await(() -> server.stats().helloVerifies() - verifiesBefore >= total, "every ClientHello was answered");
                } finally {
                    for (DatagramChannel ch : spoofed) {
                        ch.close();
                    }
                }
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.sessions(), "no state for cookieless ClientHellos: " + stats);
                assertEquals(1, stats.accepted(), stats.toString());
                assertTrue(liveContexts() <= contexts + 1, "native memory bounded: " + liveContexts() + " vs " + contexts);
                assertEcho(c, "after the flood");
            }
        });
    }

    @Test
    void clientsStoppingMidHandshakeAreCappedAndExpire() {
        assertTimeoutPreemptively(HANG, () -> {
            AtomicInteger handled = new AtomicInteger();
            try (DtlsServer server = server(handled).maxHandshakes(3)
                    .handshakeTimeout(Duration.ofMillis(20), Duration.ofMillis(320)).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                assertEcho(c, "before");
                List<DtlsEngine> stalled = new ArrayList<>();
                List<DatagramChannel> channels = new ArrayList<>();
                try {
                    for (int i = 0; i < 8; i++) { // each sends its cookie'd ClientHello, then nothing
                        DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                        ch.connect(server.localAddress());
                        channels.add(ch);
                        DtlsEngine engine = client.newEngine(null, datagram -> ch.write(datagram));
                        stalled.add(engine);
                        engine.beginHandshake();
                        ByteBuffer in = ByteBuffer.allocate(65536);
                        ch.read(in); // the HelloVerifyRequest
                        in.flip();
                        engine.receive(in, ByteBuffer.allocate(100)); // sends the ClientHello with the cookie
                    }
                    await(() -> server.stats().accepted() + server.stats().refused() >= 9, "all were seen");
                    assertTrue(server.stats().refused() >= 5, "the cap on handshakes: " + server.stats());
                    assertEcho(c, "while they stall");
                    await(() -> server.stats().handshakeFailures() >= 3 && server.stats().handshaking() == 0,
                            "the stalled handshakes timed out");
                } finally {
                    for (DtlsEngine e : stalled) {
                        e.close();
                    }
                    for (DatagramChannel ch : channels) {
                        ch.close();
                    }
                }
                assertEquals(1, server.stats().sessions(), server.stats().toString());
                assertEcho(c, "after");
            }
        });
    }

    /** A random datagram: sometimes shaped like a DTLS record header. */
    private static byte[] garbage(Random r) {
        byte[] b = new byte[1 + r.nextInt(r.nextBoolean() ? 64 : 1500)];
        r.nextBytes(b);
        if (r.nextBoolean() && b.length > 13) {
            b[0] = (byte) (20 + r.nextInt(6));
            b[1] = (byte) 0xFE;
            b[2] = (byte) 0xFD;
        }
        return b;
    }

    /** The first datagram of a client's handshake (a ClientHello without cookie). */
    static byte[] clientHello(DtlsClient client) throws IOException {
        List<byte[]> sent = new ArrayList<>();
        try (DtlsEngine engine = client.newEngine(null, datagram -> {
            byte[] copy = new byte[datagram.remaining()];
            datagram.get(copy);
            sent.add(copy);
        })) {
            engine.beginHandshake();
        }
        return sent.get(0);
    }

    /** A DtlsEngine over a connected channel of the test's own, recording what it sends. */
    static final class RecordingClient implements AutoCloseable {
        final DatagramChannel channel;
        final DtlsEngine engine;
        private byte[] last;

        RecordingClient(DtlsClient client, InetSocketAddress server) throws IOException {
            channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            channel.connect(server);
            engine = client.newEngine(null, datagram -> {
                last = new byte[datagram.remaining()];
                datagram.duplicate().get(last);
                channel.write(datagram);
            });
            engine.beginHandshake();
            ByteBuffer in = ByteBuffer.allocate(65536);
            while (!engine.isEstablished()) {
                in.clear();
                channel.read(in);
                in.flip();
                engine.receive(in, ByteBuffer.allocate(100));
            }
        }

        void sendAndAwaitEcho(String text) throws IOException {
            engine.send(ByteBuffer.wrap(text.getBytes()));
            ByteBuffer in = ByteBuffer.allocate(65536);
            ByteBuffer plain = ByteBuffer.allocate(65536);
            for (;;) {
                in.clear();
                channel.read(in);
                in.flip();
                plain.clear();
                if (engine.receive(in, plain) > 0) {
                    plain.flip();
                    assertEquals(text, new String(plain.array(), 0, plain.limit()));
                    return;
                }
            }
        }

        byte[] lastSent() {
            return last.clone();
        }

        @Override
        public void close() throws IOException {
            engine.close();
            channel.close();
        }
    }
}
