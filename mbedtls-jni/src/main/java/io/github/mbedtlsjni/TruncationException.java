package io.github.mbedtlsjni;

import java.io.EOFException;

/**
 * The server closed the connection without close_notify: the data read so far may be
 * truncated (an attacker can cut a TLS connection short, but cannot forge close_notify).
 *
 * <p>Thrown by a {@link TlsConnection}'s input stream where a clean end would return -1; every
 * later read throws it again. An {@link EOFException}, so code that treats any EOF as the end
 * keeps working, while code that cares can tell a truncation from a clean close. Holds no native
 * memory; the connection is still to be closed.
 */
public class TruncationException extends EOFException {
    private static final long serialVersionUID = 1L;

    /** @param message what was truncated */
    TruncationException(String message) {
        super(message);
    }
}
