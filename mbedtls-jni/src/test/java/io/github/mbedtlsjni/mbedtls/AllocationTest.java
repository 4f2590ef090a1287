package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steady-state read and write allocate nothing on the Java heap: the bytes this thread allocates
 * over thousands of echo round trips (measured by the JVM's per-thread allocation counter) stay
 * below one byte per call.
 */
class AllocationTest {
    @TempDir
    static Path dir;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void byteArrayAndDirectBufferReadsAndWritesAllocateNothing() {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            byte[] out = new byte[64];
            byte[] in = new byte[64];
            ByteBuffer directOut = ByteBuffer.allocateDirect(64);
            ByteBuffer directIn = ByteBuffer.allocateDirect(64);

            int rounds = 3000;
            roundTrips(c.ssl, out, in, directOut, directIn, rounds); // warm up (JIT, lazy init)
            long before = allocated();
            roundTrips(c.ssl, out, in, directOut, directIn, rounds);
            long bytes = allocated() - before;
            int calls = rounds * 4; // a write and at least one read, for byte[] and for direct buffers
            System.out.println("AllocationTest: " + bytes + " bytes allocated on the Java heap over " + calls
                    + " steady-state read/write calls");
            assertTrue(bytes < calls, bytes + " bytes allocated over " + calls + " read/write calls");
        }
    }

    private static void roundTrips(SslContext ssl, byte[] out, byte[] in, ByteBuffer directOut, ByteBuffer directIn,
            int rounds) {
        for (int i = 0; i < rounds; i++) {
            out[0] = (byte) i;
            assertEquals(64, ssl.write(out, 0, 64));
            for (int got = 0; got < 64; ) {
                got += ssl.read(in, got, 64 - got);
            }
            if (in[0] != (byte) i) {
                throw new AssertionError("echo mismatch");
            }
            directOut.clear();
            directOut.put(0, (byte) i);
            assertEquals(64, ssl.write(directOut));
            directIn.clear();
            while (directIn.hasRemaining()) {
                ssl.read(directIn);
            }
            if (directIn.get(0) != (byte) i) {
                throw new AssertionError("echo mismatch");
            }
        }
    }
}
