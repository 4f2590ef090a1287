package io.github.mbedtlsjni.mbedtls;

import java.util.Objects;

/**
 * A TLS session to resume, {@code mbedtls_ssl_session}: the TLS 1.2 session ID or ticket, or
 * the TLS 1.3 ticket, with the secrets that go with it.
 *
 * <p>{@code new SslSession()} is {@code mbedtls_ssl_session_init}; {@link SslContext#getSession}
 * ({@code mbedtls_ssl_get_session}) fills it from a connection; {@link SslContext#setSession}
 * ({@code mbedtls_ssl_set_session}) offers it to the server in the next handshake (Mbed TLS copies
 * it, so one session may be offered by several connections); {@link #close()} is
 * {@code mbedtls_ssl_session_free}, which wipes the secrets. A filled session no longer changes,
 * so it may be shared between threads.
 *
 * <p>{@link #save()} and {@link #load(byte[])} ({@code mbedtls_ssl_session_save}/{@code _load})
 * serialize it, e.g. to resume after a restart. The bytes hold the session's secrets unprotected:
 * keep them confidential, and load only bytes this process saved (Mbed TLS trusts them).
 */
public final class SslSession extends NativeResource {
    private static final Type TYPE = new Type("SslSession") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    private boolean filled; // guarded by this

    /** {@code mbedtls_ssl_session_init}: an empty session. */
    public SslSession() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_ssl_session_load}: a new session from bytes {@link #save()} wrote.
     *
     * @throws MbedTlsException if the bytes are not a session of this Mbed TLS version and
     *     configuration ({@code MBEDTLS_ERR_SSL_VERSION_MISMATCH}, {@code ..._BAD_INPUT_DATA})
     */
    public static SslSession load(byte[] data) {
        Objects.requireNonNull(data, "data");
        SslSession session = new SslSession();
        try {
            long self = session.handle.acquire();
            try {
                nLoad(self, data);
            } finally {
                session.handle.release();
            }
            session.markFilled();
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * {@code mbedtls_ssl_session_save}: the session as bytes for {@link #load(byte[])} (secret:
     * see above). A TLS 1.2 session keeps only the server's leaf certificate.
     *
     * @throws IllegalStateException if the session is empty or closed
     */
    public synchronized byte[] save() {
        requireFilled();
        long self = handle.acquire();
        try {
            return nSave(self);
        } finally {
            handle.release();
        }
    }

    /** An independent copy ({@link #save()} then {@link #load(byte[])}); the caller closes it. */
    public SslSession copy() {
        byte[] data = save();
        try {
            return load(data);
        } finally {
            java.util.Arrays.fill(data, (byte) 0);
        }
    }

    /** True once filled by {@link SslContext#getSession} or {@link #load(byte[])}. */
    public synchronized boolean isFilled() {
        return filled;
    }

    synchronized void markFilled() {
        filled = true;
    }

    synchronized void requireFilled() {
        if (!filled) {
            throw new IllegalStateException("SslSession is empty: fill it with sslContext.getSession(session) first");
        }
    }

    synchronized void requireEmpty() {
        if (filled) {
            throw new IllegalStateException("SslSession is already filled: mbedtls_ssl_get_session needs an empty session");
        }
    }

    private static native long nInit();

    private static native void nFree(long session);

    private static native byte[] nSave(long session);

    private static native void nLoad(long session, byte[] data);
}
