package io.github.mbedtlsjni;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link DtlsServer} has done so far ({@link DtlsServer#stats()}): a snapshot of its
 * counters, taken without stopping it. Pure Java; owns nothing native.
 */
public final class DtlsServerStats {
    private final long[] v;
    private final int sessions;
    private final int handshaking;
    private final int stored;

    DtlsServerStats(Counters c, int sessions, int handshaking, int stored) {
        v = new long[] {c.datagramsIn.sum(), c.datagramsOut.sum(), c.dropped.sum(), c.helloVerifies.sum(),
            c.accepted.sum(), c.refused.sum(), c.handshakes.sum(), c.handshakeFailures.sum(),
            c.sessionFailures.sum(), c.unknownCid.sum(), c.addressChanges.sum(), c.saved.sum(), c.loaded.sum(),
            c.storeFailures.sum(), c.handlerFailures.sum(), c.executorRejections.sum(), c.loopFailures.sum()};
        this.sessions = sessions;
        this.handshaking = handshaking;
        this.stored = stored;
    }

    /** Datagrams received. */
    public long datagramsIn() {
        return v[0];
    }

    /** Datagrams sent. */
    public long datagramsOut() {
        return v[1];
    }

    /** Datagrams dropped: no ClientHello from an unknown peer, a full inbox, garbage. */
    public long dropped() {
        return v[2];
    }

    /** HelloVerifyRequests sent (ClientHellos without a valid cookie: no state kept). */
    public long helloVerifies() {
        return v[3];
    }

    /** ClientHellos with a valid cookie that got a session. */
    public long accepted() {
        return v[4];
    }

    /** ClientHellos with a valid cookie refused by the caps on handshakes or sessions. */
    public long refused() {
        return v[5];
    }

    /** Handshakes completed. */
    public long handshakes() {
        return v[6];
    }

    /** Handshakes that failed or timed out. */
    public long handshakeFailures() {
        return v[7];
    }

    /** Established sessions that failed (a fatal alert). */
    public long sessionFailures() {
        return v[8];
    }

    /** Records with a CID the server does not know (in memory or stored). */
    public long unknownCid() {
        return v[9];
    }

    /** Peers whose address changed (routed by CID). */
    public long addressChanges() {
        return v[10];
    }

    /** Idle sessions saved into the store. */
    public long saved() {
        return v[11];
    }

    /** Saved sessions loaded again. */
    public long loaded() {
        return v[12];
    }

    /** What the store threw, or saved states Mbed TLS refused to load. */
    public long storeFailures() {
        return v[13];
    }

    /** What the handler threw. */
    public long handlerFailures() {
        return v[14];
    }

    /** Tasks the executor refused (their sessions were dropped). */
    public long executorRejections() {
        return v[15];
    }

    /** Unexpected failures of the receiving thread (it goes on). */
    public long loopFailures() {
        return v[16];
    }

    /** Sessions in memory (handshaking or established). */
    public int sessions() {
        return sessions;
    }

    /** Sessions whose handshake is in progress. */
    public int handshaking() {
        return handshaking;
    }

    /** Sessions saved in the store. */
    public int stored() {
        return stored;
    }

    @Override
    public String toString() {
        return "sessions=" + sessions + " handshaking=" + handshaking + " stored=" + stored + " in=" + v[0]
                + " out=" + v[1] + " dropped=" + v[2] + " helloVerifies=" + v[3] + " accepted=" + v[4]
                + " refused=" + v[5] + " handshakes=" + v[6] + " handshakeFailures=" + v[7] + " unknownCid=" + v[9]
                + " addressChanges=" + v[10] + " saved=" + v[11] + " loaded=" + v[12];
    }

    /** The counters behind {@link DtlsServerStats}. */
    static final class Counters {
        final LongAdder datagramsIn = new LongAdder();
        final LongAdder datagramsOut = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final LongAdder helloVerifies = new LongAdder();
        final LongAdder accepted = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder handshakes = new LongAdder();
        final LongAdder handshakeFailures = new LongAdder();
        final LongAdder sessionFailures = new LongAdder();
        final LongAdder unknownCid = new LongAdder();
        final LongAdder addressChanges = new LongAdder();
        final LongAdder saved = new LongAdder();
        final LongAdder loaded = new LongAdder();
        final LongAdder storeFailures = new LongAdder();
        final LongAdder handlerFailures = new LongAdder();
        final LongAdder executorRejections = new LongAdder();
        final LongAdder loopFailures = new LongAdder();
    }
}
