package io.github.mbedtlsjni.mbedtls;

/**
 * A TLS server's session cache, {@code mbedtls_ssl_cache_context}: TLS 1.2 sessions by session
 * id, so that a returning client resumes with an abbreviated handshake. (TLS 1.3 resumes by
 * ticket only.)
 *
 * <p>{@code new SslCache()} is {@code mbedtls_ssl_cache_init}; {@link #setMaxEntries} and
 * {@link #setTimeout} are {@code mbedtls_ssl_cache_set_max_entries} and {@code _set_timeout};
 * {@link #close()} is {@code mbedtls_ssl_cache_free}, which wipes the cached secrets.
 * {@link SslConfig#setSessionCache} hands it to a server config
 * ({@code mbedtls_ssl_conf_session_cache} with {@code mbedtls_ssl_cache_get}/{@code _set}), which
 * keeps it allocated. Mbed TLS locks the cache itself ({@code MBEDTLS_THREADING_C}): one cache
 * may serve every context of a server in any thread. Settings are read at each lookup and store,
 * so they may be changed at any time.
 */
public final class SslCache extends NativeResource {
    private static final Type TYPE = new Type("SslCache") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    /** {@code mbedtls_ssl_cache_init}: Mbed TLS's defaults, 50 sessions kept for a day. */
    public SslCache() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_ssl_cache_set_max_entries}: how many sessions are kept (the oldest goes
     * first); 0 means no limit.
     */
    public void setMaxEntries(int entries) {
        if (entries < 0) {
            throw new IllegalArgumentException("max entries " + entries + " is negative");
        }
        long self = handle.acquire();
        try {
            nSetMaxEntries(self, entries);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_cache_set_timeout}: how long a session may be resumed after it was
     * stored; 0 means for as long as it stays in the cache.
     */
    public void setTimeout(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("cache timeout " + seconds + " s is negative");
        }
        long self = handle.acquire();
        try {
            nSetTimeout(self, seconds);
        } finally {
            handle.release();
        }
    }

    private static native long nInit();

    private static native void nFree(long cache);

    private static native void nSetMaxEntries(long cache, int entries);

    private static native void nSetTimeout(long cache, int seconds);
}
