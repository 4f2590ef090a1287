package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import java.net.SocketException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The provider's one mapping of failures to JSSE's exception types. The thin layer reports
 * Mbed TLS's failures as {@link io.github.mbedtlsjni.mbedtls.MbedTlsException} (its code and
 * {@code mbedtls_strerror} text); JSSE callers expect:
 * <ul>
 *   <li>{@link SSLHandshakeException} for anything that ends a handshake (a refused certificate,
 *       a protocol failure, a setup the handshake cannot start with, the peer leaving);
 *   <li>{@link SSLException} for a failure after it (a record that does not authenticate, a
 *       fatal alert), and for using an engine that is closed;
 *   <li>{@link SocketException} for a socket that is closed.
 * </ul>
 * The library's exception stays the cause, so Mbed TLS's code is never lost.
 */
final class SslExceptions {
    private SslExceptions() {}

    /** A handshake that cannot go on: {@code message} says why, {@code cause} is Mbed TLS's or the setup's. */
    static SSLHandshakeException handshake(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * A refused certificate: the message names Mbed TLS's flags and verify info, or, when Mbed
     * TLS accepted the chain and the application's trust manager refused it, that refusal (the
     * trust manager's exception suppressed); the cause is Mbed TLS's
     * {@link CertificateVerificationException}.
     */
    static SSLHandshakeException refused(CertificateVerificationException e, String applicationRefusal,
            Exception applicationCause, String peer) {
        VerifyResult r = e.verifyResult();
        String flags = String.join(" | ", r.flagNames());
        String message = applicationRefusal != null
                ? "the " + peer + "'s certificate was refused: Mbed TLS accepted the chain, but " + applicationRefusal
                        + " (" + flags + ")"
                : refusedByMbedTls(r, peer);
        SSLHandshakeException ex = handshake(message, e);
        if (applicationRefusal != null && applicationCause != null) {
            ex.addSuppressed(applicationCause);
        }
        return ex;
    }

    /** Why Mbed TLS refused the {@code peer}'s ("server", "client") chain: its flags and verify info. */
    static String refusedByMbedTls(VerifyResult r, String peer) {
        return "the " + peer + "'s certificate was refused by Mbed TLS: " + String.join(" | ", r.flagNames()) + " ("
                + r.info().strip().replace('\n', ';') + ")";
    }

    /**
     * A failure of a step after the handshake ({@code "unwrap"}, {@code "wrap"},
     * {@code "close_notify"}): Mbed TLS's failure, or the engine closed meanwhile (the thin layer's
     * {@link IllegalStateException} for a freed context).
     */
    static SSLException record(String step, RuntimeException e, boolean engineClosed) {
        if (engineClosed && e instanceof IllegalStateException) {
            return closedEngine(e);
        }
        return new SSLException("TLS " + step + " failed: " + e.getMessage(), e);
    }

    /** The engine was closed while a call ran on it. */
    static SSLException closedEngine(Throwable cause) {
        return new SSLException("the engine is closed", cause);
    }

    /** {@code beginHandshake} on an engine whose handshake is over or that is closed. */
    static SSLException noNewHandshake(boolean closed) {
        return new SSLException(closed ? "the engine is closed: a closed engine cannot start a handshake"
                : "renegotiation is not supported: Mbed TLS refuses it (the handshake of a connection is done once; "
                        + "use a new engine)");
    }

    /** {@code closeInbound} before the peer's close_notify. */
    static SSLException truncated() {
        return new SSLException("closeInbound() before the peer's close_notify: the data may have been truncated");
    }

    /** The peer ("server", "client") closed the connection while the handshake waited for its records. */
    static SSLHandshakeException peerLeftHandshake(String peer) {
        return handshake("the " + peer + " closed the connection during the handshake", null);
    }

    /** The handshake loop of a socket ended without a handshake (the engine was closed meanwhile). */
    static SSLHandshakeException handshakeIncomplete(EngineState state) {
        return handshake("the handshake did not complete (the engine is " + state + ")", null);
    }

    /** A record longer than any the socket's buffer can hold: a peer that is not speaking TLS. */
    static SSLException recordTooLong() {
        return new SSLException("a record longer than the packet buffer: the peer is not speaking TLS");
    }

    /** A socket used before {@code connect}. */
    static SocketException notConnected() {
        return new SocketException("the socket is not connected: call connect(address, timeout) first");
    }

    /** {@code connect} on a socket layered over a connected one. */
    static SocketException alreadyConnected() {
        return new SocketException("a layered socket is connected already");
    }

    /** A write after this side's close_notify, or the peer's. */
    static SocketException closedForWriting() {
        return new SocketException("the connection is closed for writing");
    }

    /** Something the provider's own logic should never reach: a bug, said as one. */
    static SSLException internal(String what) {
        return new SSLException("internal: " + what);
    }

    /** The socket is closed; {@code cause} is what a blocked call saw, or null. */
    static SocketException socketClosed(Throwable cause) {
        SocketException e = new SocketException("Socket is closed");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
