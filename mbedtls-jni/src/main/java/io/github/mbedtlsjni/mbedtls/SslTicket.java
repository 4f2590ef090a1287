package io.github.mbedtlsjni.mbedtls;

import java.util.Objects;

/**
 * The keys a TLS server seals its session tickets with, {@code mbedtls_ssl_ticket_context}: a
 * returning client hands its ticket back and resumes (TLS 1.2, RFC 5077, and TLS 1.3) while the
 * server keeps no state per session.
 *
 * <p>{@code new SslTicket()} is {@code mbedtls_ssl_ticket_init}; {@link #setup} is
 * {@code mbedtls_ssl_ticket_setup} (AES-256-GCM keys drawn from a DRBG, rotated every lifetime);
 * {@link #close()} is {@code mbedtls_ssl_ticket_free}, which wipes the keys.
 * {@link SslConfig#setSessionTickets} hands it to a server config
 * ({@code mbedtls_ssl_conf_session_tickets_cb} with {@code mbedtls_ssl_ticket_write}/{@code _parse}),
 * which keeps it allocated; it keeps its DRBG allocated in turn (a rotation draws a new key). Mbed
 * TLS locks the context itself ({@code MBEDTLS_THREADING_C}): one ticket context may serve every
 * context of a server in any thread.
 */
public final class SslTicket extends NativeResource {
    private static final int RNG = 0;
    private static final Type TYPE = new Type("SslTicket") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    private boolean setUp; // guarded by this

    /** {@code mbedtls_ssl_ticket_init}. */
    public SslTicket() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_ssl_ticket_setup(&ticket, mbedtls_ctr_drbg_random, &drbg,
     * MBEDTLS_CIPHER_AES_256_GCM, lifetimeSeconds)}: draws the first key. A ticket is accepted for
     * {@code lifetimeSeconds} after it was issued, and the key is replaced every
     * {@code lifetimeSeconds} (the previous one still opens older tickets).
     *
     * @throws IllegalStateException if already set up, or the DRBG is not seeded
     * @throws MbedTlsException if Mbed TLS fails
     */
    public synchronized void setup(CtrDrbg drbg, int lifetimeSeconds) {
        Objects.requireNonNull(drbg, "drbg");
        if (lifetimeSeconds <= 0) {
            throw new IllegalArgumentException("ticket lifetime " + lifetimeSeconds + " s is not positive");
        }
        if (setUp) {
            throw new IllegalStateException("SslTicket is already set up");
        }
        drbg.requireSeeded();
        long self = handle.acquire();
        try {
            long rng = drbg.handle.acquire();
            handle.setDependency(RNG, drbg.handle); // owns the reference just taken
            nSetup(self, rng, lifetimeSeconds);
            setUp = true;
        } finally {
            handle.release();
        }
    }

    synchronized boolean isSetUp() {
        return setUp;
    }

    private static native long nInit();

    private static native void nFree(long ticket);

    private static native void nSetup(long ticket, long drbg, int lifetimeSeconds);
}
