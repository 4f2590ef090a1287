package io.github.mbedtlsjni.jsse;

import java.util.EnumSet;
import java.util.Set;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * The state of an {@link MbedTlsEngine}, one value that {@link MbedTlsEngine} changes only
 * through its {@code transitionTo}. Everything JSSE asks about the engine follows from it: the
 * handshake status, whether each direction is done (so the {@code CLOSED} status of a result),
 * whether the handshake still has to be driven and whether it completed.
 *
 * <p>Records the engine makes while it cannot hand them out at once (a handshake flight, a
 * close_notify, a fatal alert) wait in its staging buffer; the states that have some there, or
 * that have something for Mbed TLS still to make, are the {@code NEED_WRAP} ones. The table of
 * allowed transitions is at the end; {@code transitionTo} refuses any other, so a wrong step is an
 * error in tests rather than a silent mix of states.
 *
 * <p>Role-neutral: a server engine goes through the same states (it speaks second, so it starts
 * in {@link #HANDSHAKE_UNWRAP} rather than {@link #HANDSHAKE_WRAP}).
 */
enum EngineState {
    /** Created, nothing set up: {@code beginHandshake}, {@code wrap} or {@code unwrap} starts. */
    NEW(HandshakeStatus.NOT_HANDSHAKING, false, false),
    /** Handshaking, Mbed TLS has records to make: the next {@code wrap} runs the handshake. */
    HANDSHAKE_WRAP(HandshakeStatus.NEED_WRAP, false, false),
    /** Handshaking, a flight is staged; once it is handed out Mbed TLS waits for the peer. */
    HANDSHAKE_FLUSH(HandshakeStatus.NEED_WRAP, false, false),
    /** Handshaking, Mbed TLS waits for the peer's records. */
    HANDSHAKE_UNWRAP(HandshakeStatus.NEED_UNWRAP, false, false),
    /** The handshake is done but its last flight is staged: the wrap that hands it out reports FINISHED. */
    FINISHING(HandshakeStatus.NEED_WRAP, false, false),
    /** Application data both ways. */
    OPEN(HandshakeStatus.NOT_HANDSHAKING, false, false),
    /** Open, and Mbed TLS holds output for the next wrap (an alert a read made, such as no_renegotiation). */
    OUTPUT_PENDING(HandshakeStatus.NEED_WRAP, false, false),
    /** {@code closeOutbound} after the handshake: close_notify is to be made; the peer may still send. */
    CLOSE_REQUESTED(HandshakeStatus.NEED_WRAP, false, false),
    /** Our close_notify is made and partly staged; the peer may still send. */
    SENDING_CLOSE(HandshakeStatus.NEED_WRAP, false, false),
    /** Our close_notify is out; the peer may still send until its own. */
    OUTBOUND_DONE(HandshakeStatus.NOT_HANDSHAKING, false, true),
    /** Inbound done (the peer's close_notify, or {@code closeInbound}): our close_notify is to be made. */
    PEER_CLOSED(HandshakeStatus.NEED_WRAP, true, false),
    /** Inbound done: what is staged or pending (our close_notify, a fatal alert) goes out, then {@link #CLOSED}. */
    CLOSING(HandshakeStatus.NEED_WRAP, true, false),
    /** Both directions done; the Mbed TLS context is freed. */
    CLOSED(HandshakeStatus.NOT_HANDSHAKING, true, true);

    /** The handshake status in this state ({@code FINISHED} is reported by the call that ends the handshake). */
    final HandshakeStatus handshakeStatus;
    /** Whether unwrap is done: {@code isInboundDone()}, and unwrap's {@code CLOSED}. */
    final boolean inboundDone;
    /** Whether wrap is done: {@code isOutboundDone()}, and wrap's {@code CLOSED}. */
    final boolean outboundDone;
    private Set<EngineState> next;

    EngineState(HandshakeStatus handshakeStatus, boolean inboundDone, boolean outboundDone) {
        this.handshakeStatus = handshakeStatus;
        this.inboundDone = inboundDone;
        this.outboundDone = outboundDone;
    }

    /** The handshake is still to be driven (to {@link #OPEN}): a socket runs it before data. */
    boolean handshaking() {
        return this == NEW || this == HANDSHAKE_WRAP || this == HANDSHAKE_FLUSH || this == HANDSHAKE_UNWRAP
                || this == FINISHING;
    }

    /** Mbed TLS's handshake is running: records go through the handshake, not the data path. */
    boolean inHandshake() {
        return this == HANDSHAKE_WRAP || this == HANDSHAKE_FLUSH || this == HANDSHAKE_UNWRAP;
    }

    /**
     * The handshake completed and the connection has not failed since: a state only a finished
     * handshake leads to, short of {@link #CLOSING} and {@link #CLOSED}, which a failure leads to
     * as well.
     */
    boolean established() {
        return this == FINISHING || this == OPEN || this == OUTPUT_PENDING || this == CLOSE_REQUESTED
                || this == SENDING_CLOSE || this == OUTBOUND_DONE || this == PEER_CLOSED;
    }

    /** Whether {@code transitionTo(to)} from this state is one the engine makes. */
    boolean mayBecome(EngineState to) {
        return next.contains(to);
    }

    static {
        NEW.next = EnumSet.of(HANDSHAKE_WRAP, HANDSHAKE_UNWRAP, CLOSING, CLOSED);
        for (EngineState hs : EnumSet.of(HANDSHAKE_WRAP, HANDSHAKE_FLUSH, HANDSHAKE_UNWRAP)) {
            hs.next = EnumSet.of(HANDSHAKE_WRAP, HANDSHAKE_FLUSH, HANDSHAKE_UNWRAP, FINISHING, OPEN, CLOSING);
            hs.next.remove(hs);
        }
        FINISHING.next = EnumSet.of(OPEN, CLOSE_REQUESTED, PEER_CLOSED, CLOSING);
        OPEN.next = EnumSet.of(OUTPUT_PENDING, CLOSE_REQUESTED, PEER_CLOSED, CLOSING);
        OUTPUT_PENDING.next = EnumSet.of(OPEN, CLOSE_REQUESTED, PEER_CLOSED, CLOSING);
        CLOSE_REQUESTED.next = EnumSet.of(SENDING_CLOSE, PEER_CLOSED, CLOSING);
        SENDING_CLOSE.next = EnumSet.of(OUTBOUND_DONE, CLOSING);
        OUTBOUND_DONE.next = EnumSet.of(CLOSING, CLOSED);
        PEER_CLOSED.next = EnumSet.of(CLOSING);
        CLOSING.next = EnumSet.of(CLOSED);
        CLOSED.next = EnumSet.noneOf(EngineState.class);
    }
}
