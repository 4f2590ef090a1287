package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.testing.DatagramPair;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The per-datagram hot path allocates nothing on the Java heap in steady state (an established
 * connection), measured with the JVM's per-thread allocation counter as {@code AllocationTest}
 * does: the thin {@link DatagramBio} (write, read, timer) between two contexts in memory, and a
 * {@link DtlsConnection} against a {@link DtlsServer} with CoAP-sized datagrams, on the client's
 * thread and on the server's thread (which, with the default direct executor, also runs the
 * session and its handler).
 */
class DtlsAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;

    private static long allocated(long threadId) {
        return THREADS.getThreadAllocatedBytes(threadId);
    }

    private static SslConfig config(SslConfig.Endpoint endpoint, CtrDrbg drbg) {
        return DatagramPair.config(endpoint, drbg, KEY, ID, "TLS-PSK-WITH-AES-128-CCM-8", true);
    }

    @Test
    void datagramBioWriteReadAndTimerAllocateNothing() {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg()) {
            drbg.seed(entropy, "dtls allocation");
            try (SslConfig cc = config(SslConfig.Endpoint.CLIENT, drbg); SslConfig sc = config(SslConfig.Endpoint.SERVER, drbg);
                    SslContext client = new SslContext(); SslContext server = new SslContext()) {
                client.setup(cc);
                client.skipHostnameVerification();
                server.setup(sc);
                DatagramBio c = client.setDatagramBio();
                DatagramBio s = server.setDatagramBio();
                if (MbedTlsVersions.hasCid()) {
                    c.setCid(new byte[] {1, 2, 3, 4});
                    s.setCid(new byte[] {5, 6, 7, 8});
                }
                ByteBuffer toServer = ByteBuffer.allocateDirect(DatagramBio.minOutputBuffer());
                ByteBuffer toClient = ByteBuffer.allocateDirect(DatagramBio.minOutputBuffer());
                DatagramPair.handshake(c, s, toServer, toClient);
                ByteBuffer data = ByteBuffer.allocateDirect(64);
                ByteBuffer plain = ByteBuffer.allocateDirect(DatagramBio.maxPlaintext());
                int rounds = 3000;
                exchange(c, s, toServer, toClient, data, plain, rounds); // warm up
                long before = allocated(Thread.currentThread().getId());
                exchange(c, s, toServer, toClient, data, plain, rounds);
                long bytes = allocated(Thread.currentThread().getId()) - before;
                int calls = rounds * 6;
                System.out.println("DtlsAllocationTest: " + bytes + " bytes over " + calls + " DatagramBio calls");
                assertTrue(bytes < calls, bytes + " bytes allocated over " + calls + " DatagramBio calls");
            }
        }
    }

    private static void exchange(DatagramBio c, DatagramBio s, ByteBuffer toServer, ByteBuffer toClient, ByteBuffer data,
            ByteBuffer plain, int rounds) {
        for (int i = 0; i < rounds; i++) {
            data.clear();
            data.put(0, (byte) i);
            assertEquals(64, c.write(data, toServer));
            readOne(s, toServer, plain, toClient, i);
            data.clear();
            assertEquals(64, s.write(data, toClient));
            readOne(c, toClient, plain, toServer, i);
            if (c.timeoutMillis() > 0 || s.timeoutMillis() > 0) {
                throw new AssertionError("no timer runs on an established connection");
            }
        }
    }

    /** Reads the one framed datagram in {@code framed} without a duplicate buffer: its window in place. */
    private static void readOne(DatagramBio side, ByteBuffer framed, ByteBuffer plain, ByteBuffer out, int i) {
        int end = framed.position();
        framed.flip();
        int len = DatagramBio.nextFrame(framed);
        framed.limit(2 + len).position(2);
        plain.clear();
        int n = side.read(framed, plain, out);
        if (n != 64 || plain.get(0) != (byte) i && plain.get(0) != 0) {
            throw new AssertionError("read " + n);
        }
        framed.clear();
        if (end != 2 + len) {
            throw new AssertionError("one datagram per record");
        }
    }

    @Test
    void connectionAndServerRoundTripsAllocateNothing() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            DtlsServer.Builder b = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .psk(ID, KEY).handler((session, data) -> session.send(data));
            DtlsClient.Builder cb = DtlsClient.builder().psk(ID, KEY);
            if (MbedTlsVersions.hasCid()) {
                b.cid(4);
                cb.cid(4);
            }
            try (DtlsServer server = b.start(); DtlsClient client = cb.build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                Thread loop = serverThread(server.port());
                assertNotNull(loop, "the server's thread");
                ByteBuffer out = ByteBuffer.allocateDirect(64); // a CoAP-sized datagram
                ByteBuffer in = ByteBuffer.allocateDirect(2048);
                Duration timeout = Duration.ofSeconds(30);
                int rounds = 3000;
                roundTrips(c, out, in, timeout, rounds); // warm up
                long clientBefore = allocated(Thread.currentThread().getId());
                long serverBefore = allocated(loop.getId());
                roundTrips(c, out, in, timeout, rounds);
                long clientBytes = allocated(Thread.currentThread().getId()) - clientBefore;
                long serverBytes = allocated(loop.getId()) - serverBefore;
                System.out.println("DtlsAllocationTest: client " + clientBytes + " bytes, server " + serverBytes
                        + " bytes over " + rounds + " round trips");
                assertTrue(clientBytes < rounds, "client: " + clientBytes + " bytes over " + rounds + " round trips");
                assertTrue(serverBytes < rounds, "server: " + serverBytes + " bytes over " + rounds + " round trips");
            }
        });
    }

    private static void roundTrips(DtlsConnection c, ByteBuffer out, ByteBuffer in, Duration timeout, int rounds)
            throws Exception {
        for (int i = 0; i < rounds; i++) {
            out.clear();
            out.put(0, (byte) i);
            c.send(out);
            in.clear();
            if (c.receive(in, timeout) != 64 || in.get(0) != (byte) i) {
                throw new AssertionError("echo mismatch at " + i);
            }
        }
    }

    private static Thread serverThread(int port) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("dtls-server-" + port)) {
                return t;
            }
        }
        return null;
    }
}
