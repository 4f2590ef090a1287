package io.github.mbedtlsjni;

/**
 * Where a {@link DtlsServer} keeps the connections it has saved ({@code mbedtls_ssl_context_save})
 * to free their native memory while they are idle, keyed by the Connection ID the server gave
 * each: when a record with that CID arrives, the server takes the saved connection back and loads
 * it ({@code mbedtls_ssl_context_load}). A saved connection holds its keys: a store that writes
 * it anywhere must protect it as it protects private keys.
 *
 * <p>A server calls its store from its own thread and its executor's threads: implementations
 * must be thread-safe. What a store throws drops that one connection (it must start over with a
 * new handshake); the server goes on. {@link #inMemory()} is the default.
 */
public interface SessionStore {
    /**
     * Keeps {@code state} under {@code cid}, replacing what was there. The arrays belong to the
     * store from now on.
     */
    void put(byte[] cid, byte[] state) throws Exception;

    /**
     * Removes and returns the state kept under {@code cid}, or null if there is none: a saved
     * connection must be loaded at most once (its record sequence numbers would repeat). The
     * array {@code cid} belongs to the caller and may be reused after the call.
     */
    byte[] take(byte[] cid) throws Exception;

    /** Whether a state is kept under {@code cid} (the server avoids handing out a CID twice). */
    boolean contains(byte[] cid) throws Exception;

    /** The number of states kept. */
    int size();

    /**
     * A store in this JVM's heap for at most 100,000 saved connections (a few hundred bytes
     * each), the oldest dropped beyond: {@link #inMemory(int)}. Lost when the JVM stops.
     */
    static SessionStore inMemory() {
        return inMemory(100_000);
    }

    /**
     * A store in this JVM's heap for at most {@code capacity} saved connections: beyond, the one
     * saved longest ago is dropped (its peer must do a new handshake), so that peers that never
     * come back cannot make it grow without bound.
     */
    static SessionStore inMemory(int capacity) {
        return new InMemorySessionStore(capacity);
    }
}
