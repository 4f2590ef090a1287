package io.github.mbedtlsjni.mbedtls;

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
    private static final int OWN_CERT = 8;
    private static final int OWN_KEY = 9;
    private static final Type TYPE = new Type("SslConfig") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    private boolean defaultsLoaded; // guarded by this
    private boolean frozen; // guarded by this
    private boolean hasRng; // guarded by this
    private boolean hasOwnCert; // guarded by this
    private AuthMode authMode = AuthMode.REQUIRED; // guarded by this

    /** {@code mbedtls_ssl_config_init}. */
    public SslConfig() {
        super(TYPE);
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
            nDefaults(self);
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
            nSetRng(self, rng);
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
            nSetAuthMode(self, mode.ordinal());
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
            nSetVersion(self, version.ordinal(), true);
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
            nSetVersion(self, version.ordinal(), false);
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
            nSetCaChain(self, ca, c);
        } finally {
            handle.release();
        }
    }

    /** {@link #setCaChain(X509Crt, X509Crl)} without CRLs. */
    public void setCaChain(X509Crt caChain) {
        setCaChain(caChain, null);
    }

    /**
     * {@code mbedtls_ssl_conf_cert_profile}: the algorithms and key sizes the peer's chain may
     * use (default: {@link VerifyProfile#DEFAULT}, Mbed TLS's {@code mbedtls_x509_crt_profile_default}).
     * The native profile is a copy kept inside this config, so it lives exactly as long.
     */
    public synchronized void setVerifyProfile(VerifyProfile profile) {
        Objects.requireNonNull(profile, "profile");
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetVerifyProfile(self, profile.kind(), VerifyProfile.mask(profile.allowedHashes()),
                    VerifyProfile.mask(profile.allowedPkTypes()), VerifyProfile.mask(profile.allowedCurves()),
                    profile.minRsaBits());
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_own_cert(&conf, &chain, &key)}: the client certificate chain (leaf
     * first) and its private key, sent when the server asks for a certificate (mutual TLS). Both
     * stay allocated, and become unchangeable, for the life of this config.
     *
     * @throws IllegalStateException if a client certificate is already set, or the key is empty
     * @throws MbedTlsException if Mbed TLS refuses them
     */
    public synchronized void setOwnCert(X509Crt chain, PkContext key) {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(key, "key");
        checkConfigurable();
        if (hasOwnCert) {
            throw new IllegalStateException("SslConfig already has a client certificate");
        }
        if (!key.hasKey()) {
            throw new IllegalStateException("PkContext holds no key: call key.parseKey(...) first");
        }
        long self = handle.acquire();
        try {
            long crt = chain.handle.acquire();
            long pk;
            try {
                pk = key.handle.acquire();
            } catch (RuntimeException e) {
                chain.handle.release();
                throw e;
            }
            chain.freeze();
            key.freeze();
            // The references just taken now belong to this config (released when it is freed).
            handle.setDependency(OWN_CERT, chain.handle);
            handle.setDependency(OWN_KEY, key.handle);
            nSetOwnCert(self, crt, pk);
            hasOwnCert = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_ciphersuites}: the cipher suites to offer, in order of preference,
     * by Mbed TLS name ({@code TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256}, {@code TLS1-3-AES-128-GCM-SHA256};
     * each looked up with {@code mbedtls_ssl_get_ciphersuite_id}). One list for TLS 1.2 and
     * TLS 1.3: name suites of each version the config allows. The list lives as long as the config.
     *
     * @throws IllegalArgumentException naming a suite this Mbed TLS does not know, or if empty
     */
    public synchronized void setCiphersuites(String... names) {
        Objects.requireNonNull(names, "names");
        if (names.length == 0) {
            throw new IllegalArgumentException("no cipher suite given");
        }
        for (String name : names) {
            Objects.requireNonNull(name, "a cipher suite name is null");
        }
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetCiphersuites(self, names.clone());
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_alpn_protocols}: the application protocols to offer (ALPN), in order
     * of preference, e.g. {@code "h2", "http/1.1"}. The negotiated one is
     * {@link SslContext#alpnProtocol()}.
     *
     * @throws IllegalArgumentException if the list is empty or a name is empty
     * @throws MbedTlsException if Mbed TLS refuses the list (a name longer than 255 bytes)
     */
    public synchronized void setAlpnProtocols(String... protocols) {
        Objects.requireNonNull(protocols, "protocols");
        if (protocols.length == 0) {
            throw new IllegalArgumentException("no ALPN protocol given");
        }
        for (String p : protocols) {
            Objects.requireNonNull(p, "an ALPN protocol name is null");
            if (p.isEmpty() || p.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("ALPN protocol name '" + p + "' is empty or contains NUL");
            }
        }
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetAlpn(self, protocols.clone());
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets} (Mbed TLS 3.6.1+): whether
     * TLS 1.3 NewSessionTicket messages are kept, so that {@link SslContext#getSession} returns a
     * resumable TLS 1.3 session (off by Mbed TLS's default; {@link SslContext#read} handles the
     * tickets internally). No effect where TLS 1.3 or session tickets are not compiled in.
     */
    public synchronized void setTls13SessionTickets(boolean enable) {
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetTls13Tickets(self, enable);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_dbg}: sends Mbed TLS's debug messages of level 1 to {@code level}
     * to {@code callback} (0 turns debug output off, the default). Levels: 1 errors, 2 state
     * changes, 3 informational, 4 verbose (record contents). Mbed TLS's threshold
     * ({@code mbedtls_debug_set_threshold}) is one per process: the binding sets it to the highest
     * level of all live configs and drops, per config, what is above that config's level.
     *
     * @throws IllegalArgumentException if the level is not 0..5
     * @throws IllegalStateException if Mbed TLS is built without {@code MBEDTLS_DEBUG_C}
     */
    public synchronized void setDebug(int level, DebugCallback callback) {
        if (level < 0 || level > 5) {
            throw new IllegalArgumentException("debug level " + level + " is not 0 (off) to 5");
        }
        if (level > 0) {
            Objects.requireNonNull(callback, "callback");
        }
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetDebug(self, level, level > 0 ? callback : null);
        } finally {
            handle.release();
        }
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

    private static native void nDefaults(long conf);

    private static native void nSetRng(long conf, long drbg);

    private static native void nSetAuthMode(long conf, int mode);

    private static native void nSetVersion(long conf, int version, boolean minimum);

    private static native void nSetCaChain(long conf, long ca, long crl);

    private static native void nSetOwnCert(long conf, long crt, long pk);

    private static native void nSetCiphersuites(long conf, String[] names);

    private static native void nSetAlpn(long conf, String[] protocols);

    private static native void nSetTls13Tickets(long conf, boolean enable);

    private static native void nSetDebug(long conf, int level, DebugCallback callback);

    private static native void nSetVerifyProfile(long conf, int kind, int hashes, int pkTypes,
            int curves, int minRsaBits);
}
