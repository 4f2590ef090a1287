package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.testing.DatagramPair;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A datagram whose records are followed by a few bytes that cannot hold a record header (1 to 12):
 * DTLS drops what does not authenticate, so such a datagram must not end an established
 * connection, whatever came before the tail — a record Mbed TLS skips (another epoch's, a replay)
 * or a genuine one. Mbed TLS alone fails the read with MBEDTLS_ERR_SSL_INTERNAL_ERROR when the
 * record before the tail is one it skips; the datagram bio gives it only whole records.
 */
class RecordTailTest {
    private static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** One application record from the client, as the datagram that carries it. */
    private static byte[] record(DatagramPair.Established p, String text) {
        ByteBuffer framed = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
        assertEquals(text.length(), p.client.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), framed));
        framed.flip();
        byte[] datagram = new byte[DatagramBio.nextFrame(framed)];
        framed.position(2);
        framed.get(datagram);
        return datagram;
    }

    /** What the server reads from {@code datagram}: its plaintext, or the code. */
    private static String serverReads(DatagramPair.Established p, byte[] datagram) {
        ByteBuffer plain = ByteBuffer.allocate(DatagramBio.maxPlaintext());
        int n = p.server.read(ByteBuffer.wrap(datagram), plain, ByteBuffer.allocate(DatagramBio.minOutputBuffer()));
        return n > 0 ? new String(plain.array(), 0, n, StandardCharsets.US_ASCII) : "code " + n;
    }

    private static byte[] withTail(byte[] records, int tail) {
        byte[] d = Arrays.copyOf(records, records.length + tail);
        Arrays.fill(d, records.length, d.length, (byte) 0x17);
        return d;
    }

    @ParameterizedTest(name = "tail of {0} bytes")
    @ValueSource(ints = {1, 5, 12})
    void aSkippedRecordThenAShortTailIsDropped(int tail) {
        for (boolean cid : new boolean[] {false, true}) {
            try (DatagramPair.Established p = new DatagramPair.Established(KEY, "tail", cid)) {
                // The client's record with its epoch set back to 0: a record of another epoch, which Mbed TLS skips.
                byte[] otherEpoch = record(p, "old");
                otherEpoch[3] = 0;
                otherEpoch[4] = 0;
                assertEquals("code " + DatagramBio.WANT_READ, serverReads(p, withTail(otherEpoch, tail)), "cid " + cid);
                assertEquals("after", serverReads(p, record(p, "after")), "cid " + cid);
            }
        }
    }

    @ParameterizedTest(name = "tail of {0} bytes")
    @ValueSource(ints = {1, 12})
    void aReplayThenAShortTailIsDropped(int tail) {
        for (boolean cid : new boolean[] {false, true}) {
            try (DatagramPair.Established p = new DatagramPair.Established(KEY, "tail", cid)) {
                byte[] genuine = record(p, "once");
                assertEquals("once", serverReads(p, genuine));
                assertEquals("code " + DatagramBio.WANT_READ, serverReads(p, withTail(genuine, tail)), "cid " + cid);
                assertEquals("after", serverReads(p, record(p, "after")), "cid " + cid);
            }
        }
    }

    @ParameterizedTest(name = "tail of {0} bytes")
    @ValueSource(ints = {1, 12})
    void aGenuineRecordWithAShortTailIsReadAndTheTailDropped(int tail) {
        for (boolean cid : new boolean[] {false, true}) {
            try (DatagramPair.Established p = new DatagramPair.Established(KEY, "tail", cid)) {
                assertEquals("with tail", serverReads(p, withTail(record(p, "with tail"), tail)), "cid " + cid);
                assertEquals("code " + DatagramBio.WANT_READ, serverReads(p, new byte[0]), "cid " + cid);
                assertEquals("after", serverReads(p, record(p, "after")), "cid " + cid);
            }
        }
    }
}
