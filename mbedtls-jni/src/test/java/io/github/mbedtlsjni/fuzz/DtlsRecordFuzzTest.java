package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import io.github.mbedtlsjni.testing.DatagramPair;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes the record layer of an established DTLS connection as its server reads datagrams: the
 * fuzzer's bytes, cut into datagrams (each a length byte, then that many bytes), read by the
 * server side of a connection established in memory ({@link DatagramBio#read}; PSK, CID where
 * available): record headers, CIDs, epochs, the replay window, decryption of forged records.
 * Only a result code may come out (DTLS drops what does not authenticate, RFC 6347 4.1.2.7: an
 * {@link MbedTlsException} is a finding), and a genuine record from the client must still decrypt
 * afterwards: nothing unauthenticated may change the connection. See {@link FuzzTests}.
 */
class DtlsRecordFuzzTest {
    private static final String ID = "fuzz";
    private static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final boolean CID = SslConfig.maxCidLength() >= 0;

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    /** An established client/server pair in memory (PSK, CID where available). */
    private static final class Pair implements AutoCloseable {
        final Entropy entropy = new Entropy();
        final CtrDrbg drbg = new CtrDrbg();
        final SslConfig clientConfig;
        final SslConfig serverConfig;
        final SslContext clientSsl = new SslContext();
        final SslContext serverSsl = new SslContext();
        final DatagramBio c;
        final DatagramBio s;
        final ByteBuffer toServer = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
        final ByteBuffer toClient = ByteBuffer.allocate(DatagramBio.minOutputBuffer());

        Pair() {
            drbg.seed(entropy, "dtls fuzz");
            clientConfig = DatagramPair.config(SslConfig.Endpoint.CLIENT, drbg, KEY, ID, null, true);
            serverConfig = DatagramPair.config(SslConfig.Endpoint.SERVER, drbg, KEY, ID, null, true);
            clientSsl.setup(clientConfig);
            clientSsl.skipHostnameVerification();
            serverSsl.setup(serverConfig);
            c = clientSsl.setDatagramBio();
            s = serverSsl.setDatagramBio();
            if (CID) {
                c.setCid(new byte[] {1, 2, 3, 4});
                s.setCid(new byte[] {5, 6, 7, 8});
            }
            DatagramPair.handshake(c, s, toServer, toClient);
        }

        @Override
        public void close() {
            clientSsl.close();
            serverSsl.close();
            clientConfig.close();
            serverConfig.close();
            drbg.close();
            entropy.close();
        }
    }

    private static Pair pair;

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void establishedRecords(byte[] data) {
        if (pair == null) {
            pair = new Pair();
        }
        ByteBuffer plain = ByteBuffer.allocate(DatagramBio.maxPlaintext());
        ByteBuffer out = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
        for (int at = 0; at < data.length; ) {
            int len = Math.min(data[at] & 0xFF, data.length - at - 1);
            plain.clear();
            out.clear();
            try {
                pair.s.read(ByteBuffer.wrap(data, at + 1, len), plain, out);
            } catch (MbedTlsException fatal) {
                // DTLS drops what does not authenticate (RFC 6347 4.1.2.7): an unauthenticated
                // datagram that ends the connection is a finding.
                Pair broken = pair;
                pair = null;
                broken.close();
                throw new AssertionError("an unauthenticated datagram failed the connection", fatal);
            }
            at += 1 + len;
        }
        // A genuine record still decrypts: the fuzzer's records changed nothing.
        ByteBuffer genuine = ByteBuffer.wrap("genuine".getBytes(StandardCharsets.US_ASCII));
        pair.toServer.clear();
        if (pair.c.write(genuine, pair.toServer) != 7) {
            throw new AssertionError("the client could not write");
        }
        pair.toServer.flip();
        int len = DatagramBio.nextFrame(pair.toServer);
        pair.toServer.limit(2 + len).position(2);
        plain.clear();
        out.clear();
        int n = pair.s.read(pair.toServer, plain, out);
        pair.toServer.clear();
        if (n != 7) {
            throw new AssertionError("a genuine record no longer decrypts after fuzzed ones: " + n);
        }
    }
}
