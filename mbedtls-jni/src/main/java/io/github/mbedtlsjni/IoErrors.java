package io.github.mbedtlsjni;

import io.github.mbedtlsjni.internal.Codes;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * The one mapping of the application API from the thin classes' failures to the
 * {@link IOException}s a program using sockets expects, for every class of this package that
 * connects, accepts, reads or writes ({@link TlsClient}, {@link TlsConnection}, and the server
 * side alike):
 *
 * <ul>
 *   <li>{@code MBEDTLS_ERR_SSL_TIMEOUT} (a timeout of the binding's socket waits) &rarr;
 *       {@link SocketTimeoutException};
 *   <li>{@code MBEDTLS_ERR_NET_UNKNOWN_HOST} &rarr; {@link UnknownHostException};
 *   <li>{@code MBEDTLS_ERR_NET_CONNECT_FAILED} &rarr; {@link ConnectException};
 *   <li>a connection this side has closed &rarr; {@link SocketException} ({@link #closed});
 *   <li>everything else Mbed TLS reports &rarr; {@link TlsException}, with Mbed TLS's code;
 *   <li>and for what a builder loads ({@link #unusableInput}): the JDK's file exceptions, or
 *       {@link TlsException} for what Mbed TLS refused in it.
 * </ul>
 *
 * <p>The thin exception is always the cause; codes come from the C side ({@link Codes}).
 */
final class IoErrors {
    private IoErrors() {}

    /**
     * The exception for {@code e}, a failure of {@code action} (e.g. {@code "read from host:443"}
     * or {@code "TLS handshake with host:443"}): "... timed out" (with {@code timeoutMillis} when
     * positive), or "... failed: " and Mbed TLS's message.
     */
    static IOException of(MbedTlsException e, String action, int timeoutMillis) {
        IOException mapped;
        int code = e.code();
        if (code == Codes.SSL_TIMEOUT) {
            mapped = new SocketTimeoutException(action + " timed out"
                    + (timeoutMillis > 0 ? " after " + timeoutMillis + " ms" : ""));
        } else if (code == Codes.NET_UNKNOWN_HOST) {
            mapped = new UnknownHostException(e.getMessage());
        } else if (code == Codes.NET_CONNECT_FAILED) {
            mapped = new ConnectException(e.getMessage());
        } else {
            return new TlsException(action + " failed: " + e.getMessage(), e);
        }
        mapped.initCause(e);
        return mapped;
    }

    /**
     * The exception for what a builder was given and could not use, when {@link TlsClient}
     * loads it: a file the thin class found missing or unreadable ({@link UncheckedIOException})
     * is the JDK's {@link IOException} it carries; what Mbed TLS refused is a {@link TlsException}
     * "cannot use {@code what}: " and Mbed TLS's message.
     */
    static IOException unusableInput(String what, RuntimeException e) {
        if (e instanceof UncheckedIOException) {
            return ((UncheckedIOException) e).getCause();
        }
        MbedTlsException refused = (MbedTlsException) e;
        return new TlsException("cannot use " + what + ": " + refused.getMessage(), refused);
    }

    /** The exception for a call on a connection this side has closed ({@code what}: "TlsConnection to host:443"). */
    static SocketException closed(String what, Throwable cause) {
        SocketException e = new SocketException(what + " is closed");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * The exception for an {@link IllegalStateException} of the thin layer on an open connection:
     * one that can no longer be used that way (a write after a write timed out, say).
     */
    static SocketException unusable(String what, IllegalStateException cause) {
        SocketException e = new SocketException(what + ": " + cause.getMessage());
        e.initCause(cause);
        return e;
    }
}
