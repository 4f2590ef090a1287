package io.github.mbedtlsjni;

import java.nio.ByteBuffer;

/**
 * What a {@link DtlsServer} does with its sessions: called on the server's executor, for one
 * session at a time (never two calls for the same session at once), in the order the datagrams
 * arrived.
 */
@FunctionalInterface
public interface DtlsHandler {
    /**
     * One datagram of application data from {@code session}'s peer. {@code data}'s remaining
     * bytes are the datagram; the buffer belongs to the server and is valid only during the call.
     * The handler may answer at once with {@link DtlsSession#send}. What it throws is counted
     * ({@link DtlsServerStats#handlerFailures()}) and otherwise ignored.
     */
    void onDatagram(DtlsSession session, ByteBuffer data) throws Exception;

    /** The handshake with a new peer is done (or a saved session was loaded again). */
    default void onEstablished(DtlsSession session) throws Exception {}

    /** The session ended: the peer closed it, it failed, it was closed, or the server stopped. */
    default void onClosed(DtlsSession session) throws Exception {}
}
