package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MemoryBio;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;

/** TLS records in an engine's buffers: their framing, moving them whole, and the results reported. */
final class Records {
    /** The record header: type, version, length. */
    static final int HEADER = 5;
    /** Room an alert record surely fits in (a gathered write leaves it free in the destination). */
    private static final int ALERT_ROOM = 256;

    private Records() {}

    /**
     * The length of the whole record at src's position (header included), or -1 if src does not
     * hold all of it yet. A header no TLS peer would send is handed on as it is, for Mbed TLS to
     * refuse.
     */
    static int length(ByteBuffer src) {
        int pos = src.position();
        if (src.remaining() < HEADER) {
            return -1;
        }
        int length = ((src.get(pos + 3) & 0xFF) << 8) | (src.get(pos + 4) & 0xFF);
        int total = HEADER + length;
        if (total > MemoryBio.maxRecordIn()) {
            return src.remaining(); // too long for any peer: Mbed TLS reports it
        }
        return src.remaining() < total ? -1 : total;
    }

    /**
     * Moves the records of {@code staged} (write mode) that fit into {@code dst}, whole records
     * only, as a wrap hands out records.
     *
     * @return true when nothing is left in {@code staged} (or it is null)
     */
    static boolean drain(ByteBuffer staged, ByteBuffer dst) {
        if (staged == null || staged.position() == 0) {
            return true;
        }
        staged.flip();
        int fit = 0;
        while (fit + HEADER <= staged.limit()) {
            int record = HEADER + (((staged.get(fit + 3) & 0xFF) << 8) | (staged.get(fit + 4) & 0xFF));
            if (fit + record > staged.limit() || fit + record > dst.remaining()) {
                break;
            }
            fit += record;
        }
        int limit = staged.limit();
        staged.limit(fit);
        dst.put(staged);
        staged.limit(limit);
        staged.compact();
        return staged.position() == 0;
    }

    /**
     * One record from several buffers (or a read-only one): copied into {@code gather} (direct)
     * first, then {@code mbedtls_ssl_write}; the sources advance by what Mbed TLS took.
     *
     * @return the bytes taken, 0 if {@code dst} had no room
     */
    static int writeGathered(MemoryBio bio, ByteBuffer gather, ByteBuffer[] srcs, int from, int end, ByteBuffer dst) {
        gather.clear();
        int room = Math.min(gather.capacity(), Math.max(0, dst.remaining() - ALERT_ROOM));
        for (int i = from; i < end && room > 0; i++) {
            ByteBuffer src = srcs[i];
            int n = Math.min(src.remaining(), room);
            int limit = src.limit();
            int pos = src.position();
            src.limit(pos + n);
            gather.put(src);
            src.limit(limit);
            src.position(pos); // advanced below by what Mbed TLS takes
            room -= n;
        }
        gather.flip();
        int taken = gather.remaining() == 0 ? 0 : bio.write(gather, dst);
        if (taken <= 0) {
            return 0;
        }
        int left = taken;
        for (int i = from; i < end && left > 0; i++) {
            int n = Math.min(srcs[i].remaining(), left);
            srcs[i].position(srcs[i].position() + n);
            left -= n;
        }
        return taken;
    }

    static long remaining(ByteBuffer[] buffers, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += buffers[i].remaining();
        }
        return n;
    }

    /**
     * The last result of one direction per status. Results are immutable, and in bulk transfer
     * one call's equals an earlier one's of the same status (same byte counts), so it is handed
     * out again rather than a new one made. Per status, because a reader on a socket alternates:
     * BUFFER_UNDERFLOW until a whole record is there, then OK. Guarded by its direction's lock.
     */
    static final class Results {
        private static final int STATUSES = Status.values().length;
        private final SSLEngineResult[] last = new SSLEngineResult[STATUSES];

        SSLEngineResult result(Status status, HandshakeStatus hs, int consumed, int produced) {
            SSLEngineResult r = last[status.ordinal()];
            if (r != null && r.getHandshakeStatus() == hs && r.bytesConsumed() == consumed
                    && r.bytesProduced() == produced) {
                return r;
            }
            r = new SSLEngineResult(status, hs, consumed, produced);
            last[status.ordinal()] = r;
            return r;
        }
    }
}
