package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JdkEnginePeer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native code trusts no buffer window it is given: a window outside the buffer (negative
 * offset, longer than the buffer), an output window on a read-only buffer, and a buffer that
 * another thread changes while the call runs give an exception, never a read or write outside
 * the buffer. The buffers here lie inside a larger allocation whose guard bytes before and after
 * show any write outside, without a sanitizer; scripts/sanitize also catches reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BufferBoundsTest {
    private static final int GUARD = 4096;
    private static final byte GUARD_BYTE = 0x5A;
    private static final int RACED_CALLS = 100_000;

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    // --- Buffers changed by another thread during the call -------------------------------------

    @Test
    void memoryBioWritesIntoAnOutputBufferAnotherThreadMoves() throws Exception {
        try (MemoryClient c = MemoryClient.connect(pki)) {
            Guarded out = new Guarded(256);
            ByteBuffer src = ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII));
            int written = 0;
            int refused = 0;
            try (Racer racer = new Racer(out.buffer, 256 - 8)) {
                for (int i = 0; i < RACED_CALLS; i++) {
                    src.clear();
                    try {
                        out.buffer.clear();
                        if (c.bio.write(src, out.buffer) > 0) {
                            written++;
                        }
                    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                        refused++; // the window was inconsistent when it was read: refused
                    }
                    out.check();
                }
            }
            assertTrue(written > 0, "some writes went through: " + written + " written, " + refused + " refused");
        }
    }

    @Test
    void memoryBioReadsIntoADestinationAnotherThreadMoves() throws Exception {
        try (MemoryClient c = MemoryClient.connect(pki)) {
            ByteBuffer in = c.records(RACED_CALLS / 2, 64);
            Guarded dst = new Guarded(256);
            int read = 0;
            int refused = 0;
            try (Racer racer = new Racer(dst.buffer, 256 - 4)) {
                while (in.hasRemaining()) {
                    try {
                        dst.buffer.clear();
                        if (c.bio.read(in, dst.buffer) > 0) {
                            read++;
                        }
                    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                        refused++;
                    }
                    dst.check();
                }
            }
            assertTrue(read > 0, "some reads went through: " + read + " read, " + refused + " refused");
        }
    }

    @Test
    void memoryBioHandshakeReadsFromAnInputBufferAnotherThreadMoves() throws Exception {
        // A fresh context per call: its first handshake step writes the ClientHello and then reads
        // the (meaningless) input, which Mbed TLS refuses; only the bounds matter here. A read
        // cannot be seen in guard bytes: the buffer is an allocation of its own, for ASan.
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        for (int i = 0; i < in.capacity(); i++) {
            in.put(i, (byte) 0x16);
        }
        ByteBuffer out = ByteBuffer.allocateDirect(MemoryBio.maxRecordOut());
        try (GuideClient c = GuideClient.prepare(pki.rootPem()); Racer racer = new Racer(in, 64 - 2)) {
            for (int i = 0; i < 500; i++) {
                try (SslContext ssl = new SslContext()) {
                    ssl.setup(c.config);
                    ssl.setHostname(TestPki.SERVER_NAME);
                    MemoryBio bio = ssl.setMemoryBio();
                    out.clear();
                    try {
                        in.clear();
                        bio.handshake(in, out);
                    } catch (IndexOutOfBoundsException | IllegalArgumentException | MbedTlsException e) {
                        // refused window, or Mbed TLS refusing the bytes as a record
                    }
                }
            }
        }
    }

    @Test
    void socketReadsIntoADestinationAnotherThreadMoves() throws Exception {
        byte[] chunk = new byte[100];
        Arrays.fill(chunk, (byte) 'x');
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            Guarded dst = new Guarded(256);
            int refused = 0;
            try (Racer racer = new Racer(dst.buffer, 256 - 4)) {
                for (int i = 0; i < 2000; i++) {
                    c.ssl.writeFully(chunk);
                    int got = 0;
                    while (got < chunk.length) {
                        try {
                            dst.buffer.clear();
                            int n = c.ssl.read(dst.buffer);
                            assertTrue(n > 0, "the echo ended early");
                            got += n;
                        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                            refused++;
                            if (refusedWithoutReading(e)) {
                                continue;
                            }
                            got = chunk.length; // read, then the position could not be set: the echo is out of step
                            break;
                        }
                    }
                    dst.check();
                }
            }
        }
    }

    /** An exception thrown before the native read (the window), not after it (setting the position). */
    private static boolean refusedWithoutReading(RuntimeException e) {
        return e instanceof IndexOutOfBoundsException;
    }

    // --- Windows the Java side would never pass, given to the native calls directly -------------

    @Test
    void memoryBioNativesRefuseWindowsOutsideTheirBuffer() throws Exception {
        List<String> accepted = new ArrayList<>();
        try (MemoryClient c = MemoryClient.connect(pki)) {
            long self = c.ssl.handle.acquire();
            try {
                MemoryNatives n = new MemoryNatives(self);
                byte[] data = new byte[100];
                Guarded g = new Guarded(16);
                refused(accepted, "write: output window longer than the buffer",
                        () -> n.write(data, 0, data.length, g.buffer, 0, 4096));
                intact(accepted, "write: output window longer than the buffer", g);
                Guarded g2 = new Guarded(16);
                refused(accepted, "write: negative output offset",
                        () -> n.write(data, 0, data.length, g2.buffer, -GUARD, 4096));
                intact(accepted, "write: negative output offset", g2);
                ByteBuffer readOnly = ByteBuffer.allocateDirect(4096).asReadOnlyBuffer();
                refused(accepted, "write: read-only output buffer",
                        () -> n.write(data, 0, data.length, readOnly, 0, 4096));
                if (readOnly.get(0) != 0) {
                    accepted.add("write: a record went into the read-only buffer");
                }
                // Source windows beyond the array, or no buffer at all: nothing may be encrypted
                // (no stack bytes to the peer).
                ByteBuffer out = ByteBuffer.allocateDirect(MemoryBio.maxRecordOut());
                refused(accepted, "write: source window beyond the array",
                        () -> n.write(data, 50, 100, out, 0, out.capacity()));
                refused(accepted, "write: negative source offset", () -> n.write(data, -1, 10, out, 0, out.capacity()));
                refused(accepted, "write: a String as source", () -> n.write("text", 0, 4, out, 0, out.capacity()));
                refused(accepted, "write: a heap ByteBuffer as source",
                        () -> n.write(ByteBuffer.allocate(10), 0, 4, out, 0, out.capacity()));
                if (out.mismatch(ByteBuffer.allocateDirect(out.capacity())) != -1) {
                    accepted.add("write: a record was made from a refused source window");
                }
                ByteBuffer heapRecords = c.records(1, 100);
                ByteBuffer in = ByteBuffer.allocateDirect(heapRecords.remaining()).put(heapRecords).flip();
                Guarded g3 = new Guarded(16);
                refused(accepted, "read: destination window longer than the buffer",
                        () -> n.read(in, 0, in.remaining(), g3.buffer, 0, 4096));
                intact(accepted, "read: destination window longer than the buffer", g3);
                Guarded g4 = new Guarded(16);
                refused(accepted, "read: negative destination offset",
                        () -> n.read(in, 0, in.remaining(), g4.buffer, -GUARD, 4096));
                intact(accepted, "read: negative destination offset", g4);
                refused(accepted, "read: input window longer than the buffer",
                        () -> n.read(in, 0, in.capacity() + 4096, out, 0, out.capacity()));
                refused(accepted, "read: negative input offset", () -> n.read(in, -16, in.capacity(), out, 0, out.capacity()));
                if (accepted.isEmpty()) {
                    // The record is still there, untouched, for a read with a proper window.
                    assertEquals(100, c.bio.read(in, ByteBuffer.allocate(100)));
                }
            } finally {
                c.ssl.handle.release();
            }
        }
        assertEquals(List.of(), accepted, "windows outside their buffer the native code accepted");
    }

    @Test
    void socketNativesRefuseWindowsOutsideTheirBuffer() throws Exception {
        List<String> accepted = new ArrayList<>();
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            long self = c.ssl.handle.acquire();
            try {
                SocketNatives n = new SocketNatives(self);
                byte[] data = "abc".getBytes(StandardCharsets.US_ASCII);
                refused(accepted, "write: source window beyond the array", () -> n.write(data, 2, 100));
                refused(accepted, "write: negative source offset", () -> n.write(data, -8, 3));
                // Destination windows longer than the buffer, before it, or read-only, each with
                // data waiting that a read would take.
                byte[] hundred = new byte[100];
                Arrays.fill(hundred, (byte) 'a');
                c.ssl.writeFully(hundred);
                Guarded g = new Guarded(16);
                refused(accepted, "read: destination window longer than the buffer", () -> n.read(g.buffer, 0, 4096));
                intact(accepted, "read: destination window longer than the buffer", g);
                if (accepted.isEmpty()) { // else the read took the data the next ones wait for
                    Guarded g2 = new Guarded(16);
                    refused(accepted, "read: negative destination offset", () -> n.read(g2.buffer, -GUARD, 4096));
                    intact(accepted, "read: negative destination offset", g2);
                }
                ByteBuffer readOnly = ByteBuffer.allocateDirect(64).asReadOnlyBuffer();
                if (accepted.isEmpty()) {
                    refused(accepted, "read: read-only destination", () -> n.read(readOnly, 0, 64));
                    if (readOnly.get(0) != 0) {
                        accepted.add("read: data went into the read-only buffer");
                    }
                }
                if (accepted.isEmpty()) {
                    refused(accepted, "read: destination window beyond the array", () -> n.read(new byte[16], 8, 16));
                    refused(accepted, "read: a heap ByteBuffer as destination", () -> n.read(ByteBuffer.allocate(16), 0, 16));
                }
                // The echo is exactly what the legitimate writes sent, all of it still there.
                c.ssl.writeFully("ok".getBytes(StandardCharsets.US_ASCII));
                if (accepted.isEmpty()) {
                    assertEquals("a".repeat(100) + "ok", c.receive(102));
                } else {
                    String echo = c.receive(2);
                    if (!echo.equals("ok")) {
                        accepted.add("write: the peer received bytes no legitimate write sent");
                    }
                }
            } finally {
                c.ssl.handle.release();
            }
        }
        assertEquals(List.of(), accepted, "windows outside their buffer the native code accepted");
    }

    /** The memory bio's native calls, each as the Java side makes it but with any window. */
    private static final class MemoryNatives {
        private final long self;
        private final Method write;
        private final Method read;

        MemoryNatives(long self) throws NoSuchMethodException {
            this.self = self;
            write = MemoryBio.class.getDeclaredMethod("nWrite", long.class, Object.class, int.class, int.class,
                    Object.class, int.class, int.class);
            read = MemoryBio.class.getDeclaredMethod("nRead", long.class, Object.class, int.class, int.class,
                    Object.class, int.class, int.class);
            write.setAccessible(true);
            read.setAccessible(true);
        }

        Object write(Object src, int srcOff, int srcLen, Object out, int outOff, int outLen) throws Exception {
            return write.invoke(null, self, src, srcOff, srcLen, out, outOff, outLen);
        }

        Object read(Object in, int inOff, int inLen, Object dst, int dstOff, int dstLen) throws Exception {
            return read.invoke(null, self, in, inOff, inLen, dst, dstOff, dstLen);
        }
    }

    /** The socket bio's native read and write, each as the Java side makes it but with any window. */
    private static final class SocketNatives {
        private final long self;
        private final Method write;
        private final Method read;

        SocketNatives(long self) throws NoSuchMethodException {
            this.self = self;
            write = SslContext.class.getDeclaredMethod("nWrite", long.class, Object.class, int.class, int.class,
                    boolean.class);
            read = SslContext.class.getDeclaredMethod("nRead", long.class, Object.class, int.class, int.class);
            write.setAccessible(true);
            read.setAccessible(true);
        }

        Object write(Object src, int off, int len) throws Exception {
            return write.invoke(null, self, src, off, len, false);
        }

        Object read(Object dst, int off, int len) throws Exception {
            return read.invoke(null, self, dst, off, len);
        }
    }

    private interface NativeCall {
        Object run() throws Exception;
    }

    /**
     * Runs a native call that must throw IllegalArgumentException, IndexOutOfBoundsException or
     * ReadOnlyBufferException (before touching memory or Mbed TLS); adds {@code what} to
     * {@code accepted} if it returned instead, or threw something else.
     */
    private static void refused(List<String> accepted, String what, NativeCall call) {
        Throwable t;
        try {
            call.run();
            accepted.add(what + ": accepted");
            return;
        } catch (InvocationTargetException e) {
            t = e.getCause();
        } catch (Exception e) {
            t = e;
        }
        if (!(t instanceof IllegalArgumentException || t instanceof IndexOutOfBoundsException
                || t instanceof java.nio.ReadOnlyBufferException)) {
            accepted.add(what + ": " + t);
        }
    }

    /** Adds a guarded buffer's damage, if any, to {@code accepted}. */
    private static void intact(List<String> accepted, String what, Guarded g) {
        try {
            g.check();
        } catch (AssertionError e) {
            accepted.add(what + ": " + e.getMessage());
        }
    }

    // --- Fixtures --------------------------------------------------------------------------------

    /** A direct buffer of {@code capacity} bytes between {@link #GUARD} guard bytes on either side. */
    static final class Guarded {
        final ByteBuffer whole;
        final ByteBuffer buffer;

        Guarded(int capacity) {
            whole = ByteBuffer.allocateDirect(GUARD + capacity + GUARD);
            for (int i = 0; i < whole.capacity(); i++) {
                whole.put(i, GUARD_BYTE);
            }
            buffer = whole.slice(GUARD, capacity);
        }

        /** Fails if anything was written before or after the buffer. */
        void check() {
            int cap = buffer.capacity();
            for (int i = 0; i < GUARD; i++) {
                if (whole.get(i) != GUARD_BYTE || whole.get(GUARD + cap + i) != GUARD_BYTE) {
                    fail("written outside the buffer: guard byte " + (whole.get(i) != GUARD_BYTE
                            ? (i - GUARD) + " (before it)" : (cap + i) + " (after it)"));
                }
            }
        }
    }

    /**
     * A thread moving a buffer's position between {@code nearEnd} and 0, and its limit between
     * the capacity and half of it, as fast as it can while the test calls into the native code
     * with it.
     */
    static final class Racer implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Racer(ByteBuffer b, int nearEnd) {
            thread = new Thread(() -> {
                int cap = b.capacity();
                while (!stop.get()) {
                    try {
                        b.limit(cap);
                        b.position(nearEnd);
                        b.position(0);
                        b.limit(cap / 2);
                    } catch (RuntimeException e) {
                        // the test thread moved it meanwhile
                    }
                }
            }, "buffer racer");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A client over the memory bio, its handshake done with a {@link JdkEnginePeer}. */
    static final class MemoryClient implements AutoCloseable {
        final GuideClient guide;
        final SslContext ssl;
        final MemoryBio bio;
        final JdkEnginePeer peer;

        private MemoryClient(TestPki pki) {
            guide = GuideClient.prepare(pki.rootPem());
            ssl = guide.ssl;
            ssl.setHostname(TestPki.SERVER_NAME);
            bio = ssl.setMemoryBio();
            peer = JdkEnginePeer.server(pki);
        }

        static MemoryClient connect(TestPki pki) throws Exception {
            MemoryClient c = new MemoryClient(pki);
            ByteBuffer fromPeer = ByteBuffer.allocate(1 << 16);
            ByteBuffer toPeer = ByteBuffer.allocateDirect(MemoryBio.maxRecordOut() * 2);
            int rounds = 0;
            while (c.bio.handshake(fromPeer.flip(), toPeer) != 0) {
                fromPeer.compact();
                c.peer.pump(toPeer.flip(), fromPeer);
                toPeer.compact();
                assertTrue(++rounds < 20, "the handshake does not finish");
            }
            fromPeer.compact();
            c.peer.pump(toPeer.flip(), fromPeer); // the client's Finished; the server's tickets come back
            // Take in the tickets now, so that the records of the tests hold data only.
            ByteBuffer sink = ByteBuffer.allocate(16);
            fromPeer.flip();
            while (fromPeer.hasRemaining()) {
                c.bio.read(fromPeer, sink);
            }
            return c;
        }

        /** {@code n} records of application data from the server, {@code size} bytes each, in read mode. */
        ByteBuffer records(int n, int size) throws Exception {
            // Room for the records, and for the one the JDK's engine insists on having room for.
            ByteBuffer records = ByteBuffer.allocate(n * (size + 64) + MemoryBio.maxRecordIn());
            byte[] data = new byte[size];
            for (int i = 0; i < n; i++) {
                Arrays.fill(data, (byte) i);
                peer.send(data);
                peer.pump(ByteBuffer.allocate(0), records);
            }
            return records.flip();
        }

        @Override
        public void close() {
            guide.close();
        }
    }
}
