package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsServerStats;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes a DTLS server's datagram input: the fuzzer's bytes, cut into datagrams (each a length
 * byte, then that many bytes), sent over UDP to a {@link DtlsServer} (PSK, CID where available)
 * from a few source ports; each run waits until the server has read them all. Routing (the CID in
 * the record header), the cookie check on the spare context and Mbed TLS's ClientHello parsing see
 * them. The server must keep no session for them (a valid cookie cannot be guessed), its thread
 * must never fail, and an established client's echo must keep working (checked every 64 runs).
 * {@link DtlsRecordFuzzTest} fuzzes the records of an established connection.
 *
 * <p>A crash, another exception, a hang or a broken connection is a finding. See {@link FuzzTests}.
 */
class DtlsServerFuzzTest {
    private static final String ID = "fuzz";
    private static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final boolean CID = SslConfig.maxCidLength() >= 0;

    private static DtlsServer server;
    private static DtlsClient client;
    private static DtlsConnection control;
    private static DatagramChannel[] senders;
    private static long runs;

    private static synchronized void startServer() throws IOException {
        if (server != null) {
            return;
        }
        DtlsServer.Builder b = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .psk(ID, KEY).handler((session, data) -> session.send(data));
        DtlsClient.Builder cb = DtlsClient.builder().psk(ID, KEY);
        if (CID) {
            b.cid(4);
            cb.cid(4);
        }
        server = b.start();
        client = cb.build();
        control = client.connect("127.0.0.1", server.port());
        senders = new DatagramChannel[3];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            control.close();
            client.close();
            server.close();
            for (DatagramChannel s : senders) {
                s.close();
            }
        }
    }

    /**
     * Datagrams sent before waiting for the server to have read them: loopback UDP drops what
     * overflows the server socket's receive buffer (about 200 KiB; a small datagram takes a few
     * hundred bytes of it), so a burst of hundreds sent faster than a loaded server reads would
     * be lost. 32 of at most 256 bytes always fit.
     */
    private static final int IN_FLIGHT = 32;

    /** Waits until the server has read {@code expected} datagrams in all (10 s at most). */
    private static void awaitRead(long expected, int sent) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.stats().datagramsIn() < expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the server did not read " + sent + " datagrams: " + server.stats());
            }
            Thread.onSpinWait();
        }
    }

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void serverDatagrams(byte[] data) throws Exception {
        startServer();
        long before = server.stats().datagramsIn();
        long accepted = server.stats().accepted();
        int sent = 0;
        for (int at = 0, i = 0; at < data.length; i++) {
            int len = Math.min(data[at] & 0xFF, data.length - at - 1);
            ByteBuffer datagram = ByteBuffer.wrap(data, at + 1, len);
            senders[i % senders.length].send(datagram, server.localAddress());
            sent++;
            at += 1 + len;
            if (sent % IN_FLIGHT == 0) {
                awaitRead(before + sent, sent);
            }
        }
        awaitRead(before + sent, sent);
        DtlsServerStats stats = server.stats();
        if (stats.accepted() != accepted || stats.loopFailures() != 0) {
            throw new AssertionError("fuzzed datagrams made state or failed the server's thread: " + stats);
        }
        if (++runs % 64 == 0) {
            byte[] m = ("control " + runs).getBytes(StandardCharsets.US_ASCII);
            control.send(m);
            if (!Arrays.equals(m, control.receive(Duration.ofSeconds(10)))) {
                throw new AssertionError("the established session stopped answering");
            }
        }
    }
}
