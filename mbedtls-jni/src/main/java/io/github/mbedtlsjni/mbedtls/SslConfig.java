package io.github.mbedtlsjni.mbedtls;

import java.util.Objects;
import java.util.Set;

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
    private static final int COOKIE = 10;
    private static final int CACHE = 11;
    private static final int TICKET = 12;
    // Pairs beyond the first, four slots per step: a server's further own certs at 16, 17; 20, 21;
    // ...; addSniIdentity's at 18, 19; 22, 23; ... (the dependency array grows with the pairs).
    private static final int MORE_OWN_CERTS = 16;
    private static final int SNI_PAIRS = 18;
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
    private int ownCerts; // guarded by this: the pairs given to mbedtls_ssl_conf_own_cert
    private int sniPairs; // guarded by this: the pairs given to addSniIdentity
    private AuthMode authMode = AuthMode.REQUIRED; // guarded by this
    private Endpoint endpoint; // guarded by this
    private Transport transport; // guarded by this
    private int cidLength = -1; // guarded by this: mbedtls_ssl_conf_cid's length, -1 if not called
    private boolean cookiesChosen; // guarded by this: setDtlsCookies or disableDtlsCookies was called

    /** {@code mbedtls_ssl_config_init}. */
    public SslConfig() {
        super(TYPE);
    }

    /** Which side of the connection a config is for (the endpoint of {@code mbedtls_ssl_config_defaults}). */
    public enum Endpoint {
        /** {@code MBEDTLS_SSL_IS_CLIENT}. */
        CLIENT,
        /** {@code MBEDTLS_SSL_IS_SERVER}. */
        SERVER
    }

    /** What a config's records travel over (the transport of {@code mbedtls_ssl_config_defaults}). */
    public enum Transport {
        /** {@code MBEDTLS_SSL_TRANSPORT_STREAM}: TLS over a byte stream (TCP). */
        STREAM,
        /** {@code MBEDTLS_SSL_TRANSPORT_DATAGRAM}: DTLS over datagrams (UDP). */
        DATAGRAM
    }

    /**
     * {@code mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
     * MBEDTLS_SSL_PRESET_DEFAULT)}, then, explicitly, {@code VERIFY_REQUIRED} and TLS 1.2 as the
     * minimum version (Mbed TLS 2.28's own defaults still allow TLS 1.0).
     *
     * @throws IllegalStateException if already called, or the config is closed
     */
    public void defaults() {
        defaults(Endpoint.CLIENT, Transport.STREAM);
    }

    /**
     * {@code mbedtls_ssl_config_defaults(&conf, endpoint, transport, MBEDTLS_SSL_PRESET_DEFAULT)},
     * then, explicitly, {@code VERIFY_REQUIRED} and (D)TLS 1.2 as the minimum version. On a
     * {@link Endpoint#SERVER} that means client certificates are required (Mbed TLS's own server
     * default is none): a server that serves anyone says so with {@link #setAuthMode}
     * ({@link AuthMode#NONE}). For
     * {@link Transport#DATAGRAM} that is DTLS 1.2, the only DTLS version Mbed TLS speaks; a DTLS
     * server config also refuses every ClientHello until {@link #setDtlsCookies} names the
     * cookie secret (or turns HelloVerifyRequest off by name).
     *
     * @throws IllegalStateException if already called, the config is closed, or this Mbed TLS
     *     lacks the server side or DTLS
     */
    public synchronized void defaults(Endpoint endpoint, Transport transport) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(transport, "transport");
        checkMutable();
        if (defaultsLoaded) {
            throw new IllegalStateException("SslConfig.defaults() was already called");
        }
        long self = handle.acquire();
        try {
            nDefaults(self, endpoint.ordinal(), transport.ordinal());
            defaultsLoaded = true;
            authMode = AuthMode.REQUIRED;
            this.endpoint = endpoint;
            this.transport = transport;
        } finally {
            handle.release();
        }
    }

    /** The endpoint given to {@link #defaults}, or null before. */
    public synchronized Endpoint endpoint() {
        return endpoint;
    }

    /** The transport given to {@link #defaults}, or null before. */
    public synchronized Transport transport() {
        return transport;
    }

    /** {@code mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg)}; keeps the DRBG allocated. */
    public synchronized void setRng(CtrDrbg drbg) {
        Objects.requireNonNull(drbg, "drbg");
        checkConfigurable();
        drbg.requireSeeded();
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
     * {@code mbedtls_ssl_conf_own_cert(&conf, &chain, &key)}: a certificate chain (leaf first) and
     * its private key. A client has one, sent when the server asks for a certificate (mutual
     * TLS). A server may have several, one call per pair (an ECDSA and an RSA certificate, say):
     * for each handshake Mbed TLS takes the first pair the client's cipher suites and signature
     * algorithms can use. Both stay allocated, and become unchangeable, for the life of this config.
     *
     * @throws IllegalStateException if a client config already has a certificate, or the key is empty
     * @throws MbedTlsException if Mbed TLS refuses them
     */
    public synchronized void setOwnCert(X509Crt chain, PkContext key) {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(key, "key");
        checkConfigurable();
        if (ownCerts > 0 && endpoint != Endpoint.SERVER) {
            throw new IllegalStateException("SslConfig already has a client certificate");
        }
        long self = handle.acquire();
        try {
            int slot = ownCerts == 0 ? OWN_CERT : MORE_OWN_CERTS + 4 * (ownCerts - 1);
            long[] pair = keepPair(chain, key, slot, slot == OWN_CERT ? OWN_KEY : slot + 1);
            nSetOwnCert(self, pair[0], pair[1]);
            ownCerts++;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_sni} with the binding's callback: a server gives the handshakes of
     * clients asking for {@code serverName} (Server Name Indication; ASCII case ignored, no
     * wildcards) this certificate chain and key instead of its {@link #setOwnCert} pairs
     * ({@code mbedtls_ssl_set_hs_own_cert}). Other names, and clients sending none, get the
     * {@code setOwnCert} pairs. Both stay allocated, and become unchangeable, for the life of
     * this config.
     *
     * @throws IllegalStateException if the config is not a server's or is in use, or the key is empty
     */
    public synchronized void addSniIdentity(String serverName, X509Crt chain, PkContext key) {
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(key, "key");
        if (serverName.isEmpty()) {
            throw new IllegalArgumentException("server name is empty");
        }
        checkServer("addSniIdentity");
        long self = handle.acquire();
        try {
            long[] pair = keepPair(chain, key, SNI_PAIRS + 4 * sniPairs, SNI_PAIRS + 4 * sniPairs + 1);
            sniPairs++; // the slots are taken even if Mbed TLS refuses
            nAddSniIdentity(self, serverName, pair[0], pair[1]);
        } finally {
            handle.release();
        }
    }

    /** Freezes and keeps (in the dependency slots given) a certificate chain and its key; their pointers. */
    private long[] keepPair(X509Crt chain, PkContext key, int chainSlot, int keySlot) {
        if (!key.hasKey()) {
            throw new IllegalStateException("PkContext holds no key: call key.parseKey(...) first");
        }
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
        handle.setDependency(chainSlot, chain.handle);
        handle.setDependency(keySlot, key.handle);
        return new long[] {crt, pk};
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
     * of preference, e.g. {@code "h2", "http/1.1"}. A server selects the first of its list the
     * client offers. The negotiated one is {@link SslContext#alpnProtocol()}.
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

    /**
     * The per-certificate verify callback of every handshake of this config: Mbed TLS's
     * {@code f_vrfy}, called as in {@link X509Crt#verify(X509Crt, X509Crl, String, VerifyProfile,
     * X509Crt.Purpose, X509VerifyCallback)}, once for each certificate of the peer's chain from
     * the top (the trust anchor) down to the leaf at depth 0, with the flags Mbed TLS found for it
     * (the leaf's after the name check, including {@link SslContext#setVerifyName} and
     * {@link SslContext#skipHostnameVerification}). What it returns replaces them: clearing
     * {@code BADCERT_NOT_TRUSTED} accepts an untrusted certificate, adding a flag (e.g.
     * {@link X509VerifyCallback#BADCERT_OTHER}) refuses it; with {@link AuthMode#REQUIRED} the
     * handshake fails with those flags, and {@link SslContext#verifyResult()} reports them.
     * Null removes it.
     *
     * <p>Every context installs the binding's own callback with {@code mbedtls_ssl_set_verify}
     * (which takes precedence over {@code mbedtls_ssl_conf_verify}) and that one calls this
     * callback: it is therefore the config's callback for every context set up with it, and it
     * runs before the binding's internal leaf check (the JSSE provider's trust manager and
     * {@code TlsClient}'s checks), which then sees the flags as this callback left them. A config
     * given to {@code TlsClient} may carry one; {@code TlsClient} behaves as with any config whose
     * verification says the same.
     *
     * <p>If it throws, the verification stops (Mbed TLS sees {@code MBEDTLS_ERR_X509_FATAL_ERROR}
     * from its callback) and the handshake fails with an {@link MbedTlsException} with that code
     * and the callback's exception as its cause.
     *
     * <p>It runs on the thread inside the handshake, with that context's lock held, possibly on
     * several threads at once (one per context): it must be thread-safe and must not use the
     * context. It is kept (a JNI global reference) until the config's native object is freed,
     * which a context set up with it defers until that context is closed: a handshake in progress
     * when {@link #close()} is called may still call it.
     *
     * @throws IllegalStateException if the config is closed, has no defaults, or is in use by an
     *     {@link SslContext} (set it before {@code setup})
     */
    public synchronized void setVerifyCallback(X509VerifyCallback callback) {
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetVerifyCallback(self, callback);
        } finally {
            handle.release();
        }
    }

    // --- DTLS ------------------------------------------------------------------------------------

    /**
     * {@code mbedtls_ssl_conf_handshake_timeout}: the DTLS retransmission timer starts at
     * {@code minMillis} and doubles at each retransmission of a flight; when it would exceed
     * {@code maxMillis}, the handshake fails with {@code MBEDTLS_ERR_SSL_TIMEOUT}. Mbed TLS's
     * defaults: 1 s and 60 s.
     *
     * @throws IllegalArgumentException unless {@code 0 < minMillis <= maxMillis}
     * @throws IllegalStateException unless the config is for {@link Transport#DATAGRAM}
     */
    public synchronized void setHandshakeTimeout(int minMillis, int maxMillis) {
        if (minMillis <= 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("handshake timeout " + minMillis + ".." + maxMillis
                    + " ms: need 0 < min <= max");
        }
        checkDatagram("setHandshakeTimeout");
        long self = handle.acquire();
        try {
            nSetHandshakeTimeout(self, minMillis, maxMillis);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_dtls_anti_replay}: whether a record seen before (by its sequence
     * number, RFC 6347 4.1.2.6) is dropped. On by default; turning it off is for peers that knowingly
     * accept replayed application data.
     */
    public synchronized void setDtlsAntiReplay(boolean enable) {
        checkDatagram("setDtlsAntiReplay");
        long self = handle.acquire();
        try {
            nSetAntiReplay(self, enable);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_cid}: the length of the Connection IDs (RFC 9146) this side hands
     * its peers, which they then put into every record they send, so that records keep reaching
     * the connection after the peer's address changed (NAT rebinding). 0 asks peers for CIDs
     * while handing them none (a client that only wants the server's records to carry the
     * server's CID... sending an empty one). A record whose CID is not this connection's is
     * dropped ({@code ignoreOtherCids} true, as RFC 9146 asks) or fails the connection with
     * {@code MBEDTLS_ERR_SSL_UNEXPECTED_CID}. Each connection then chooses its own CID with
     * {@link DatagramBio#setCid}.
     *
     * @throws IllegalArgumentException if {@code length} is not 0..{@link #maxCidLength()}
     * @throws IllegalStateException if this Mbed TLS has no RFC 9146 CID (2.28's is an
     *     incompatible draft: the message names the version), or the config is not for DTLS
     */
    public synchronized void setCid(int length, boolean ignoreOtherCids) {
        int max = maxCidLength();
        if (max < 0) {
            throw new IllegalStateException(cidUnavailable());
        }
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("CID length " + length + " is not 0.." + max);
        }
        checkDatagram("setCid");
        long self = handle.acquire();
        try {
            nSetCid(self, length, ignoreOtherCids);
            cidLength = length;
        } finally {
            handle.release();
        }
    }

    /** The CID length given to {@link #setCid}, or -1 if it was not called. */
    public synchronized int cidLength() {
        return cidLength;
    }

    /**
     * The longest CID this build takes ({@code MBEDTLS_SSL_CID_IN_LEN_MAX}), or -1 if it has no
     * RFC 9146 Connection ID (Mbed TLS 2.28, or 3.x built without it).
     */
    public static int maxCidLength() {
        io.github.mbedtlsjni.internal.NativeLibrary.ensureLoaded();
        return nMaxCidLength();
    }

    /** Why this build has no RFC 9146 CID (for messages; meaningful when {@link #maxCidLength()} is -1). */
    static String cidUnavailable() {
        String version = MbedTls.version();
        if (version.startsWith("2.")) {
            return "the DTLS Connection ID of RFC 9146 needs Mbed TLS 3.x; this library links Mbed TLS " + version
                    + ", whose CID is an incompatible pre-RFC draft";
        }
        return "the DTLS Connection ID of RFC 9146 is not compiled into this Mbed TLS " + version
                + " (MBEDTLS_SSL_DTLS_CONNECTION_ID off, or MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT not 0)";
    }

    /**
     * {@code mbedtls_ssl_conf_dtls_cookies(&conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
     * &cookie)}: a DTLS server answers a ClientHello without a valid cookie with a
     * HelloVerifyRequest, so that it does work and keeps state only for clients that receive at
     * the address they claim. The cookie secret stays allocated for the life of this config.
     *
     * @throws IllegalStateException if the cookie secret is not set up, or the config is not a
     *     DTLS server's
     */
    public synchronized void setDtlsCookies(SslCookie cookie) {
        Objects.requireNonNull(cookie, "cookie (to turn cookies off, call disableDtlsCookies())");
        checkDtlsServer("setDtlsCookies");
        if (!cookie.isSetUp()) {
            throw new IllegalStateException("SslCookie is not set up: call cookie.setup(drbg) first");
        }
        long self = handle.acquire();
        try {
            long c = cookie.handle.acquire();
            handle.setDependency(COOKIE, cookie.handle); // owns the reference just taken
            nSetDtlsCookies(self, c);
            cookiesChosen = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_dtls_cookies(&conf, NULL, NULL, NULL)}: no HelloVerifyRequest. Insecure
     * on an open network: any spoofed ClientHello makes the server do a handshake's work and
     * send a flight of certificates to the spoofed address (an amplification attack).
     */
    public synchronized void disableDtlsCookies() {
        checkDtlsServer("disableDtlsCookies");
        long self = handle.acquire();
        try {
            nSetDtlsCookies(self, 0);
            handle.setDependency(COOKIE, null);
            cookiesChosen = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_psk}: the pre-shared key and the identity this side names it by (a
     * client sends the identity; a server with one key accepts only that identity). Mbed TLS
     * copies both; the caller may wipe its arrays afterwards. PSK cipher suites are then offered
     * besides the others; {@link #setCiphersuites} can restrict the list to them (CoAP's
     * {@code TLS-PSK-WITH-AES-128-CCM-8}).
     *
     * @throws IllegalArgumentException if the key or the identity is empty
     * @throws MbedTlsException if Mbed TLS refuses them (too long, or a PSK was already set)
     */
    public synchronized void setPsk(byte[] key, byte[] identity) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(identity, "identity");
        if (key.length == 0) {
            throw new IllegalArgumentException("the pre-shared key is empty");
        }
        if (identity.length == 0) {
            throw new IllegalArgumentException("the PSK identity is empty");
        }
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetPsk(self, key, identity);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_psk_cb}: a server's pre-shared keys, looked up by the identity each
     * client sends (see {@link PskLookup} for how and when it is called). An identity the lookup
     * refuses fails the handshake with {@code MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY} (TLS 1.2; in
     * TLS 1.3 the PSK does not match and the handshake fails unless a certificate can be used).
     * The config keeps the lookup for its life; a later call replaces it.
     *
     * @throws IllegalStateException if the config is not a server's, is in use, or this Mbed TLS
     *     has no PSK key exchange
     */
    public synchronized void setPskLookup(PskLookup lookup) {
        Objects.requireNonNull(lookup, "lookup");
        checkConfigurable();
        if (endpoint != Endpoint.SERVER) {
            throw new IllegalStateException("SslConfig.setPskLookup() is for servers: call "
                    + "defaults(Endpoint.SERVER, transport) first (a client names its key with setPsk)");
        }
        long self = handle.acquire();
        try {
            nSetPskLookup(self, lookup);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_tls13_key_exchange_modes}: which TLS 1.3 key exchanges this side
     * allows (Mbed TLS's default: all three). A TLS 1.3 handshake succeeds only in a mode both
     * sides allow: {@code EnumSet.of(PSK_EPHEMERAL)} keeps forward secrecy with PSKs;
     * {@link Tls13KeyExchangeMode#PSK} alone gives it up.
     *
     * @throws IllegalArgumentException if {@code modes} is empty (cap the version at TLS 1.2 instead)
     * @throws IllegalStateException if the config is in use, or this Mbed TLS has no TLS 1.3 (2.28)
     */
    public synchronized void setTls13KeyExchangeModes(Set<Tls13KeyExchangeMode> modes) {
        Objects.requireNonNull(modes, "modes");
        int bits = 0;
        for (Tls13KeyExchangeMode mode : modes) {
            bits |= Objects.requireNonNull(mode, "mode").bit();
        }
        if (bits == 0) {
            throw new IllegalArgumentException("no TLS 1.3 key exchange mode: to refuse TLS 1.3, "
                    + "setMaxTlsVersion(TlsVersion.TLS1_2)");
        }
        checkConfigurable();
        long self = handle.acquire();
        try {
            nSetTls13KeyExchangeModes(self, bits);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_session_cache(&conf, &cache, mbedtls_ssl_cache_get,
     * mbedtls_ssl_cache_set)}: a server keeps its TLS 1.2 sessions in {@code cache}, and a client
     * that offers a cached session id resumes it. The config keeps the cache allocated for its
     * life; one cache may serve several configs.
     *
     * @throws IllegalStateException if the config is not a server's, or is in use
     */
    public synchronized void setSessionCache(SslCache cache) {
        Objects.requireNonNull(cache, "cache");
        checkServer("setSessionCache");
        long self = handle.acquire();
        try {
            long c = cache.handle.acquire();
            handle.setDependency(CACHE, cache.handle); // owns the reference just taken
            nSetSessionCache(self, c);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_session_tickets_cb(&conf, mbedtls_ssl_ticket_write,
     * mbedtls_ssl_ticket_parse, &ticket)}: a server issues session tickets sealed with
     * {@code ticket}'s keys and resumes the sessions of tickets handed back (TLS 1.2 and TLS 1.3).
     * The config keeps the ticket context allocated for its life.
     *
     * @throws IllegalStateException if the config is not a server's, is in use, or the ticket
     *     context is not set up
     */
    public synchronized void setSessionTickets(SslTicket ticket) {
        Objects.requireNonNull(ticket, "ticket");
        checkServer("setSessionTickets");
        if (!ticket.isSetUp()) {
            throw new IllegalStateException("SslTicket is not set up: call ticket.setup(drbg, lifetimeSeconds) first");
        }
        long self = handle.acquire();
        try {
            long t = ticket.handle.acquire();
            handle.setDependency(TICKET, ticket.handle); // owns the reference just taken
            nSetSessionTickets(self, t);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_conf_new_session_tickets}: how many tickets a TLS 1.3 server sends after
     * each handshake (Mbed TLS's default: 1); 0 sends none.
     *
     * @throws IllegalStateException if the config is not a server's, is in use, or this Mbed TLS
     *     has no TLS 1.3 tickets (2.28)
     */
    public synchronized void setTls13TicketCount(int count) {
        if (count < 0 || count > 0xFFFF) {
            throw new IllegalArgumentException("ticket count " + count + " is not 0..65535");
        }
        checkServer("setTls13TicketCount");
        long self = handle.acquire();
        try {
            nSetTls13TicketCount(self, count);
        } finally {
            handle.release();
        }
    }

    private void checkServer(String step) {
        checkConfigurable();
        if (endpoint != Endpoint.SERVER) {
            throw new IllegalStateException("SslConfig." + step + "() is for servers: call "
                    + "defaults(Endpoint.SERVER, transport) first");
        }
    }

    /** Whether a DTLS server config has had its cookies chosen (the rule of DTLS servers). */
    synchronized boolean dtlsCookiesChosen() {
        return cookiesChosen;
    }

    private void checkDatagram(String step) {
        checkConfigurable();
        if (transport != Transport.DATAGRAM) {
            throw new IllegalStateException("SslConfig." + step + "() is for DTLS: call "
                    + "defaults(endpoint, Transport.DATAGRAM) first");
        }
    }

    private void checkDtlsServer(String step) {
        checkDatagram(step);
        if (endpoint != Endpoint.SERVER) {
            throw new IllegalStateException("SslConfig." + step + "() is for DTLS servers: call "
                    + "defaults(Endpoint.SERVER, Transport.DATAGRAM) first");
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
        if (endpoint == Endpoint.SERVER && transport == Transport.DATAGRAM && !cookiesChosen) {
            throw new IllegalStateException("a DTLS server config without cookies: call config.setDtlsCookies(cookie) "
                    + "before sslContext.setup(config) (or config.disableDtlsCookies() to do without, insecurely)");
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
    private static native void nDefaults(long conf, int endpoint, int transport);
    private static native void nSetRng(long conf, long drbg);
    private static native void nSetAuthMode(long conf, int mode);
    private static native void nSetVersion(long conf, int version, boolean minimum);
    private static native void nSetCaChain(long conf, long ca, long crl);
    private static native void nSetOwnCert(long conf, long crt, long pk);
    private static native void nSetCiphersuites(long conf, String[] names);
    private static native void nSetAlpn(long conf, String[] protocols);
    private static native void nSetTls13Tickets(long conf, boolean enable);
    private static native void nSetDebug(long conf, int level, DebugCallback callback);
    private static native void nSetVerifyCallback(long conf, X509VerifyCallback callback);
    private static native void nSetHandshakeTimeout(long conf, int minMs, int maxMs);
    private static native void nSetAntiReplay(long conf, boolean enable);
    private static native void nSetCid(long conf, int length, boolean ignoreOther);
    private static native int nMaxCidLength();
    private static native void nSetDtlsCookies(long conf, long cookie);
    private static native void nSetPsk(long conf, byte[] key, byte[] identity);
    private static native void nSetPskLookup(long conf, PskLookup lookup);
    private static native void nSetSessionCache(long conf, long cache);
    private static native void nSetSessionTickets(long conf, long ticket);
    private static native void nAddSniIdentity(long conf, String serverName, long crt, long pk);
    private static native void nSetTls13TicketCount(long conf, int count);
    private static native void nSetTls13KeyExchangeModes(long conf, int modes);
    private static native void nSetVerifyProfile(long conf, int kind, int hashes, int pkTypes,
            int curves, int minRsaBits);
}
