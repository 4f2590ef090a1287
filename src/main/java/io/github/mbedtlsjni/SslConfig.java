package io.github.mbedtlsjni;

import java.util.Objects;

/**
 * The shared TLS settings, {@code mbedtls_ssl_config}.
 *
 * <p>{@code new SslConfig()} is {@code mbedtls_ssl_config_init}; {@link #defaults()} is
 * {@code mbedtls_ssl_config_defaults} for a TLS client; the setters are the {@code mbedtls_ssl_conf_*}
 * steps of the guide; {@link #close()} is {@code mbedtls_ssl_config_free}.
 *
 * <p>Secure by default: after {@link #defaults()} the peer's certificate is verified
 * ({@link AuthMode#REQUIRED}) and TLS 1.2 is the minimum version. The config keeps its RNG, CA
 * chain and CRLs allocated for as long as it lives. Once an {@link SslContext} is set up with it,
 * it is shared and read by handshakes, so it can no longer be changed ({@link IllegalStateException}).
 * One config may serve any number of contexts in any number of threads.
 */
public final class SslConfig extends NativeResource {
    private static final int RNG = 0;
    private static final int CA_CHAIN = 1;
    private static final int CRL = 2;

    private boolean defaultsLoaded; // guarded by this
    private boolean frozen; // guarded by this
    private boolean hasRng; // guarded by this
    private AuthMode authMode = AuthMode.REQUIRED; // guarded by this

    /** {@code mbedtls_ssl_config_init}. */
    public SslConfig() {
        super("SslConfig", SslConfig::nInit, SslConfig::nFree);
    }

    /**
     * {@code mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
     * MBEDTLS_SSL_PRESET_DEFAULT)}, then, explicitly, {@code VERIFY_REQUIRED} and TLS 1.2 as the
     * minimum version (Mbed TLS 2.28's own defaults still allow TLS 1.0).
     *
     * @throws IllegalStateException if already called, or the config is closed
     */
    public synchronized void defaults() {
        checkMutable();
        if (defaultsLoaded) {
            throw new IllegalStateException("SslConfig.defaults() was already called");
        }
        long self = handle.acquire();
        try {
            nDefaults(self, this);
            defaultsLoaded = true;
            authMode = AuthMode.REQUIRED;
        } finally {
            handle.release();
        }
    }

    /** {@code mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg)}; keeps the DRBG allocated. */
    public synchronized void setRng(CtrDrbg drbg) {
        Objects.requireNonNull(drbg, "drbg");
        checkConfigurable();
        if (!drbg.isSeeded()) {
            throw new IllegalStateException("CtrDrbg is not seeded: call drbg.seed(entropy, personalization) first");
        }
        long self = handle.acquire();
        try {
            long rng = drbg.handle.acquire();
            handle.setDependency(RNG, drbg.handle); // owns the reference just taken
            nSetRng(self, this, rng, drbg);
            hasRng = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_authmode}. Anything weaker than {@link AuthMode#REQUIRED} must be
     * asked for here, by name.
     */
    public synchronized void setAuthMode(AuthMode mode) {
        Objects.requireNonNull(mode, "mode");
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetAuthMode(self, this, mode.ordinal());
            authMode = mode;
        } finally {
            handle.release();
        }
    }

    /** The authentication mode set by {@link #defaults()} or {@link #setAuthMode}. */
    public synchronized AuthMode authMode() {
        return authMode;
    }

    /** {@code mbedtls_ssl_conf_min_tls_version} (3.x) / {@code mbedtls_ssl_conf_min_version} (2.28). */
    public synchronized void setMinTlsVersion(TlsVersion version) {
        Objects.requireNonNull(version, "version");
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetVersion(self, this, version.ordinal(), true);
        } finally {
            handle.release();
        }
    }

    /** {@code mbedtls_ssl_conf_max_tls_version} (3.x) / {@code mbedtls_ssl_conf_max_version} (2.28). */
    public synchronized void setMaxTlsVersion(TlsVersion version) {
        Objects.requireNonNull(version, "version");
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetVersion(self, this, version.ordinal(), false);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_ca_chain(&conf, &cacert, crl)}: the certificates to trust and,
     * optionally, the CRLs to check against. Both stay allocated, and become unchangeable, for
     * the life of this config.
     *
     * @param caChain the trusted CA certificates
     * @param crl the CRLs, or null for none
     */
    public synchronized void setCaChain(X509Crt caChain, X509Crl crl) {
        Objects.requireNonNull(caChain, "caChain");
        checkConfigurable();
        long self = handle.acquire();
        try {
            long ca = caChain.handle.acquire();
            long c = 0;
            if (crl != null) {
                try {
                    c = crl.handle.acquire();
                } catch (RuntimeException e) {
                    caChain.handle.release();
                    throw e;
                }
                crl.freeze();
            }
            caChain.freeze();
            // The references just taken now belong to this config (released when it is freed).
            handle.setDependency(CA_CHAIN, caChain.handle);
            handle.setDependency(CRL, crl == null ? null : crl.handle);
            nSetCaChain(self, this, ca, caChain, c, crl);
        } finally {
            handle.release();
        }
    }

    /** {@link #setCaChain(X509Crt, X509Crl)} without CRLs. */
    public void setCaChain(X509Crt caChain) {
        setCaChain(caChain, null);
    }

    /** Called by {@link SslContext#setup}: checks the order of steps, then freezes this config. */
    synchronized void freezeForSetup() {
        if (!defaultsLoaded) {
            throw new IllegalStateException("SslConfig has no defaults: call config.defaults() before "
                    + "sslContext.setup(config) (mbedtls_ssl_setup must follow mbedtls_ssl_config_defaults)");
        }
        if (!hasRng) {
            throw new IllegalStateException("SslConfig has no RNG: call config.setRng(drbg) before sslContext.setup(config)");
        }
        frozen = true;
    }

    private void checkMutable() {
        if (frozen) {
            throw new IllegalStateException("SslConfig is in use by an SslContext and can no longer be changed");
        }
    }

    private void checkConfigurable() {
        checkMutable();
        if (!defaultsLoaded) {
            throw new IllegalStateException("SslConfig has no defaults: call config.defaults() first");
        }
    }

    private static native long nInit();

    private static native void nFree(long conf);

    private static native void nDefaults(long conf, SslConfig owner);

    private static native void nSetRng(long conf, SslConfig owner, long drbg, CtrDrbg drbgOwner);

    private static native void nSetAuthMode(long conf, SslConfig owner, int mode);

    private static native void nSetVersion(long conf, SslConfig owner, int version, boolean minimum);

    private static native void nSetCaChain(long conf, SslConfig owner, long ca, X509Crt caOwner, long crl, X509Crl crlOwner);
}
