package io.github.mbedtlsjni.mbedtls;

import java.util.Objects;

/**
 * The secret a DTLS server makes and checks HelloVerifyRequest cookies with,
 * {@code mbedtls_ssl_cookie_ctx} (RFC 6347 section 4.2.1).
 *
 * <p>{@code new SslCookie()} is {@code mbedtls_ssl_cookie_init}; {@link #setup} is
 * {@code mbedtls_ssl_cookie_setup} (an HMAC key drawn from a DRBG); {@link #close()} is
 * {@code mbedtls_ssl_cookie_free}. {@link SslConfig#setDtlsCookies} hands it to a server config
 * ({@code mbedtls_ssl_conf_dtls_cookies} with {@code mbedtls_ssl_cookie_write}/{@code _check}),
 * which keeps it allocated. A cookie binds the client's transport id (its address, given to
 * {@link DatagramBio#setClientTransportId}) and a time: a client that cannot receive at the
 * address it claims never gets past the HelloVerifyRequest, so a server keeps no state for it.
 * Mbed TLS locks the context itself ({@code MBEDTLS_THREADING_C}): one cookie secret may serve
 * every context of a server in any thread.
 */
public final class SslCookie extends NativeResource {
    private static final Type TYPE = new Type("SslCookie") {
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

    /** {@code mbedtls_ssl_cookie_init}. */
    public SslCookie() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_ssl_cookie_setup(&cookie, mbedtls_ctr_drbg_random, &drbg)}: draws the secret
     * key. The DRBG is used only during this call.
     *
     * @throws IllegalStateException if already set up, or the DRBG is not seeded
     * @throws MbedTlsException if Mbed TLS fails
     */
    public synchronized void setup(CtrDrbg drbg) {
        Objects.requireNonNull(drbg, "drbg");
        if (setUp) {
            throw new IllegalStateException("SslCookie is already set up");
        }
        drbg.requireSeeded();
        long self = handle.acquire();
        try {
            long rng = drbg.handle.acquire();
            try {
                nSetup(self, rng);
            } finally {
                drbg.handle.release();
            }
            setUp = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_cookie_set_timeout}: how long a cookie stays valid (Mbed TLS's default:
     * 60 s; 0: for ever, which lets a cookie seen once be replayed from anywhere it was valid).
     */
    public synchronized void setTimeout(long seconds) {
        if (seconds < 0 || seconds > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("cookie timeout " + seconds + " s is not 0..2^32-1");
        }
        long self = handle.acquire();
        try {
            nSetTimeout(self, seconds);
        } finally {
            handle.release();
        }
    }

    synchronized boolean isSetUp() {
        return setUp;
    }

    private static native long nInit();

    private static native void nFree(long cookie);

    private static native void nSetup(long cookie, long drbg);

    private static native void nSetTimeout(long cookie, long seconds);
}
