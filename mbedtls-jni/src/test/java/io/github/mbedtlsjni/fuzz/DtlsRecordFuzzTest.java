package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.testing.DatagramPair;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    private static DatagramPair.Established pair;
    private static final ByteBuffer toServer = ByteBuffer.allocate(DatagramBio.minOutputBuffer());

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void establishedRecords(byte[] data) {
        if (pair == null) {
            pair = new DatagramPair.Established(KEY, ID, true);
        }
        ByteBuffer plain = ByteBuffer.allocate(DatagramBio.maxPlaintext());
        ByteBuffer out = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
        for (int at = 0; at < data.length; ) {
            int len = Math.min(data[at] & 0xFF, data.length - at - 1);
            plain.clear();
            out.clear();
            try {
                pair.server.read(ByteBuffer.wrap(data, at + 1, len), plain, out);
            } catch (MbedTlsException fatal) {
                // DTLS drops what does not authenticate (RFC 6347 4.1.2.7): an unauthenticated
                // datagram that ends the connection is a finding.
                DatagramPair.Established broken = pair;
                pair = null;
                broken.close();
                throw new AssertionError("an unauthenticated datagram failed the connection", fatal);
            }
            at += 1 + len;
        }
        // A genuine record still decrypts: the fuzzer's records changed nothing.
        ByteBuffer genuine = ByteBuffer.wrap("genuine".getBytes(StandardCharsets.US_ASCII));
        toServer.clear();
        if (pair.client.write(genuine, toServer) != 7) {
            throw new AssertionError("the client could not write");
        }
        toServer.flip();
        int len = DatagramBio.nextFrame(toServer);
        toServer.limit(2 + len).position(2);
        plain.clear();
        out.clear();
        int n = pair.server.read(toServer, plain, out);
        toServer.clear();
        if (n != 7) {
            throw new AssertionError("a genuine record no longer decrypts after fuzzed ones: " + n);
        }
    }
}
