package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslConfig.Endpoint;
import io.github.mbedtlsjni.mbedtls.SslConfig.Transport;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * What {@code SSLContext.init(km, tm, random)} set up, shared by every engine and socket of the
 * context: one CTR_DRBG, the trust anchors and CRLs Mbed TLS verifies with, the application's own
 * trust manager (consulted after Mbed TLS accepted, if there is one), the key manager, the
 * client sessions and the server's session cache and tickets. Each connection gets its own
 * {@link SslConfig} (role, protocols, cipher suites, ALPN, certificates and client authentication
 * are per connection in JSSE, per config in Mbed TLS) pointing at these; connections with equal
 * settings share one.
 *
 * <p>Locks: {@code configs}, then this object's monitor (making the server sessions, once);
 * {@code identities} alone.
 *
 * <p>Trust, as docs/provider.md says: a trust manager of this provider's
 * {@link MbedTlsTrustManagerFactory} gives its anchors and CRLs; one made by the JDK's
 * TrustManagerFactory gives its anchors ({@code getAcceptedIssuers()}) and is otherwise not
 * consulted (its PKIX checks would overrule Mbed TLS); any other {@link X509TrustManager}, the
 * application's own, gives its anchors and is then asked about every chain Mbed TLS accepted, so
 * it can only add refusals. No trust manager: the JDK's default trust store.
 */
final class ContextState {
    private final String contextProtocol;
    private final CtrDrbg drbg;
    private final X509Crt trust;
    private final X509Crl crls;
    private final int trustAnchorCount;
    private final X509TrustManager applicationTrustManager;
    private final X509KeyManager keyManager;
    private final ClientSessions sessions = new ClientSessions();
    private volatile ServerSessions serverSessions; // made by the first server connection or getServerSessionContext
    private final Map<String, Identity> identities = new HashMap<>(); // guarded by itself
    private final Map<ConfigKey, SslConfig> configs = new LinkedHashMap<>(16, 0.75f, true); // guarded by itself
    private final String[] defaultSuites;
    private final Parameters defaultParameters;
    private volatile Object[] lastServerNames; // {host, its names}: a pair read and replaced whole
    private final String[] defaultProtocolArray;
    private final Pool<ByteBuffer> stagingBuffers =
            new Pool<>(() -> ByteBuffer.allocateDirect(MemoryBio.maxRecordOut() * 2), POOLED);
    private final Pool<SocketBuffers> socketBuffers = new Pool<>(SocketBuffers::new, POOLED);

    /** Configs kept for reuse: more distinct settings than this in turn make new ones. */
    private static final int CONFIGS = 16;
    /** Buffers kept per pool once their connections are closed. */
    private static final int POOLED = 4;
    /** The DRBG's personalization when the application gives no SecureRandom. */
    private static final byte[] PERSONALIZATION = "mbedtls-jni JSSE provider".getBytes(StandardCharsets.US_ASCII);

    /** The three buffers of a socket: records read, plaintext unwrapped, records to send. */
    static final class SocketBuffers {
        final ByteBuffer netIn = ByteBuffer.allocate(packetSize());
        final ByteBuffer appIn = ByteBuffer.allocate(MemoryBio.maxPlaintext());
        final ByteBuffer netOut = ByteBuffer.allocate(packetSize());

        /** Empty, for a new connection: netIn and appIn in read mode, netOut in write mode. */
        SocketBuffers reset() {
            netIn.clear().flip();
            appIn.clear().flip();
            netOut.clear();
            return this;
        }
    }

    /** The largest record either way. */
    static int packetSize() {
        return Math.max(MemoryBio.maxRecordIn(), MemoryBio.maxRecordOut());
    }

    /** A client certificate chain and key, parsed once per alias. */
    static final class Identity {
        final X509Crt chain;
        final PkContext key;
        final List<X509Certificate> certificates;

        Identity(X509Crt chain, PkContext key, List<X509Certificate> certificates) {
            this.chain = chain;
            this.key = key;
            this.certificates = certificates;
        }
    }

    ContextState(String contextProtocol, KeyManager[] km, TrustManager[] tm, SecureRandom random)
            throws KeyManagementException {
        this.contextProtocol = contextProtocol;
        try (Entropy entropy = new Entropy()) {
            drbg = new CtrDrbg();
            byte[] personalization = PERSONALIZATION;
            if (random != null) {
                personalization = new byte[32];
                random.nextBytes(personalization);
            }
            drbg.seed(entropy, personalization);
        }
        X509TrustManager chosen = first(tm, X509TrustManager.class);
        if (chosen == null) {
            chosen = jdkDefaultTrustManager();
        }
        trust = new X509Crt();
        List<X509CRL> crlList = new ArrayList<>();
        int anchors = 0;
        if (chosen instanceof MbedTlsTrustManager) {
            MbedTlsTrustManager ours = (MbedTlsTrustManager) chosen;
            anchors = addAnchors(trust, List.of(ours.getAcceptedIssuers()));
            crlList.addAll(ours.crls());
            applicationTrustManager = null;
        } else {
            anchors = addAnchors(trust, List.of(chosen.getAcceptedIssuers()));
            applicationTrustManager = isJdks(chosen) ? null : chosen;
        }
        trustAnchorCount = anchors;
        crls = crlList.isEmpty() ? null : toX509Crl(crlList);
        X509KeyManager chosenKm = first(km, X509KeyManager.class);
        if (chosenKm == null && "Default".equals(contextProtocol)) {
            chosenKm = defaultKeyManager();
        }
        keyManager = chosenKm;
        defaultSuites = CipherSuites.supported().toArray(new String[0]);
        defaultProtocolArray = defaultProtocols().toArray(new String[0]);
        defaultParameters = Parameters.defaults(defaultSuites, defaultProtocolArray);
    }

    private static <T> T first(Object[] managers, Class<T> type) {
        if (managers != null) {
            for (Object m : managers) {
                if (type.isInstance(m)) {
                    return type.cast(m);
                }
            }
        }
        return null;
    }

    /** A trust manager the JDK made (SunJSSE's): its anchors count, its PKIX decisions do not. */
    private static boolean isJdks(X509TrustManager tm) {
        return tm.getClass().getName().startsWith("sun.security.ssl.");
    }

    private static X509TrustManager jdkDefaultTrustManager() throws KeyManagementException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            X509TrustManager tm = first(tmf.getTrustManagers(), X509TrustManager.class);
            if (tm == null) {
                throw new KeyManagementException("the JDK's default TrustManagerFactory has no X509TrustManager");
            }
            return tm;
        } catch (GeneralSecurityException e) {
            throw new KeyManagementException("cannot read the JDK's default trust store: " + e.getMessage(), e);
        }
    }

    /** The key manager of {@code javax.net.ssl.keyStore}, as the JDK's Default context has; null if unset. */
    private static X509KeyManager defaultKeyManager() throws KeyManagementException {
        String path = System.getProperty("javax.net.ssl.keyStore");
        if (path == null || path.isEmpty() || "NONE".equals(path)) {
            return null;
        }
        String type = System.getProperty("javax.net.ssl.keyStoreType", KeyStore.getDefaultType());
        String password = System.getProperty("javax.net.ssl.keyStorePassword", "");
        try (InputStream in = new FileInputStream(path)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password.toCharArray());
            return first(kmf.getKeyManagers(), X509KeyManager.class);
        } catch (IOException | GeneralSecurityException e) {
            throw new KeyManagementException("cannot read javax.net.ssl.keyStore " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses each anchor's DER with Mbed TLS; one it cannot parse is skipped (it could not anchor anything). */
    private static int addAnchors(X509Crt trust, Collection<X509Certificate> anchors) {
        int added = 0;
        for (X509Certificate c : anchors) {
            try {
                trust.parseDer(c.getEncoded());
                added++;
            } catch (MbedTlsException | GeneralSecurityException e) {
                // not usable by Mbed TLS: not an anchor for it
            }
        }
        return added;
    }

    private static X509Crl toX509Crl(List<X509CRL> list) throws KeyManagementException {
        X509Crl crl = new X509Crl();
        for (X509CRL c : list) {
            try {
                crl.parse(c.getEncoded());
            } catch (CRLException | MbedTlsException e) {
                throw new KeyManagementException("Mbed TLS cannot use the CRL of " + c.getIssuerX500Principal() + ": "
                        + e.getMessage(), e);
            }
        }
        return crl;
    }

    String contextProtocol() {
        return contextProtocol;
    }

    ClientSessions sessions() {
        return sessions;
    }

    /** The server's session cache and tickets, made on first use (their ticket key is drawn then). */
    ServerSessions serverSessions() {
        ServerSessions s = serverSessions;
        if (s == null) {
            synchronized (this) {
                s = serverSessions;
                if (s == null) {
                    s = new ServerSessions(drbg);
                    serverSessions = s;
                }
            }
        }
        return s;
    }

    X509TrustManager applicationTrustManager() {
        return applicationTrustManager;
    }

    X509KeyManager keyManager() {
        return keyManager;
    }

    int trustAnchorCount() {
        return trustAnchorCount;
    }

    /** The protocols enabled by default: the context's protocol and below (TLS, Default: all supported). */
    List<String> defaultProtocols() {
        if (Protocols.TLS12.equals(contextProtocol)) {
            return List.of(Protocols.TLS12);
        }
        return Protocols.supported();
    }

    /**
     * {@link Parameters#serverNames} for a peer host, as the last connection without names of
     * its own had them (the JDK's checks of an SNI name are not cheap, and connections mostly go
     * to one host).
     */
    List<SNIServerName> serverNames(Parameters params, String host) {
        if (params.serverNamesSet() != null) {
            return params.serverNamesSet();
        }
        Object[] last = lastServerNames;
        if (last != null && last[0].equals(host)) {
            @SuppressWarnings("unchecked")
            List<SNIServerName> names = (List<SNIServerName>) last[1];
            return names;
        }
        List<SNIServerName> names = params.serverNames(host);
        if (host != null) {
            lastServerNames = new Object[] {host, names};
        }
        return names;
    }

    /** The parameters every engine of the context starts with (shared: the value is immutable). */
    Parameters defaultParameters() {
        return defaultParameters;
    }

    /** A staging buffer for an engine: room for two records. */
    ByteBuffer takeStaging() {
        return stagingBuffers.take().clear();
    }

    /** Gives back a staging buffer no engine uses any more. */
    void giveStaging(ByteBuffer staging) {
        stagingBuffers.give(staging);
    }

    /** The buffers of a socket, empty. */
    SocketBuffers takeSocketBuffers() {
        return socketBuffers.take().reset();
    }

    /** Gives back the buffers of a socket no thread uses any more. */
    void giveSocketBuffers(SocketBuffers buffers) {
        socketBuffers.give(buffers);
    }

    /**
     * The certificate chain and key for an alias, parsed by Mbed TLS once (the key as PKCS#8,
     * whose copy is wiped once parsed); null if the key manager has no chain or no key for it (a
     * client sends no certificate then, as with SunJSSE: a key manager may name an alias whose
     * files do not exist).
     */
    Identity identity(String alias) throws GeneralSecurityException {
        synchronized (identities) {
            Identity id = identities.get(alias);
            if (id != null) {
                return id;
            }
            X509Certificate[] chain = keyManager.getCertificateChain(alias);
            PrivateKey key = keyManager.getPrivateKey(alias);
            if (chain == null || chain.length == 0 || key == null) {
                return null;
            }
            byte[] pkcs8 = key.getEncoded();
            if (pkcs8 == null || !"PKCS#8".equals(key.getFormat())) {
                throw new GeneralSecurityException("the private key of alias " + alias + " cannot be exported as PKCS#8 "
                        + "(Mbed TLS needs the key itself; a key kept in a token or HSM is not supported)");
            }
            X509Crt crt = new X509Crt();
            PkContext pk = new PkContext();
            try {
                for (X509Certificate c : chain) {
                    crt.parseDer(c.getEncoded());
                }
                pk.parseKey(pkcs8, null, drbg);
            } catch (MbedTlsException e) {
                crt.close();
                pk.close();
                throw new GeneralSecurityException("Mbed TLS cannot use the certificate and key of alias " + alias
                        + ": " + e.getMessage(), e);
            } finally {
                Arrays.fill(pkcs8, (byte) 0); // getEncoded() made this copy for us
            }
            id = new Identity(crt, pk, List.of(chain));
            identities.put(alias, id);
            return id;
        }
    }

    /** The settings a config is made for: equal settings share one config. */
    private static final class ConfigKey {
        final String newest;
        final String oldest;
        final String[] suites;
        final String[] alpn;
        final List<Identity> identities; // the same parsed pairs (compared by reference), in order
        final AuthMode serverAuthMode; // null for a client
        final int hash;

        ConfigKey(List<String> protocols, Parameters params, String[] alpn, List<Identity> identities,
                AuthMode serverAuthMode) {
            this.newest = protocols.get(0);
            this.oldest = protocols.get(protocols.size() - 1);
            this.suites = params.suites();
            this.alpn = alpn;
            this.identities = identities;
            this.serverAuthMode = serverAuthMode;
            int h = ((newest.hashCode() * 31 + oldest.hashCode()) * 31 + params.suitesHash()) * 31
                    + Arrays.hashCode(alpn) + (serverAuthMode == null ? 0 : serverAuthMode.hashCode());
            for (Identity id : identities) {
                h = h * 31 + System.identityHashCode(id);
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ConfigKey)) {
                return false;
            }
            ConfigKey k = (ConfigKey) o;
            return hash == k.hash && newest.equals(k.newest) && oldest.equals(k.oldest)
                    && serverAuthMode == k.serverAuthMode && sameIdentities(identities, k.identities)
                    && (suites == k.suites || Arrays.equals(suites, k.suites)) && Arrays.equals(alpn, k.alpn);
        }

        private static boolean sameIdentities(List<Identity> a, List<Identity> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) != b.get(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * {@code mbedtls_ssl_setup} of {@code ssl} with the config for these settings: the one
     * earlier connections with the same settings used, or a new one (kept for the next ones;
     * the least recently used beyond {@link #CONFIGS} is let go, the contexts still using it
     * keeping their reference).
     */
    void setup(SslContext ssl, List<String> protocols, Parameters params, Identity identity) {
        setup(ssl, new ConfigKey(protocols, params, params.applicationProtocols(),
                identity == null ? List.of() : List.of(identity), null));
    }

    /**
     * {@code mbedtls_ssl_setup} of a server's {@code ssl}, as {@link #setup(SslContext, List,
     * Parameters, Identity)} does: with its certificate/key pairs (Mbed TLS picks per client), the
     * client authentication mode against this context's anchors and CRLs, the ALPN protocols it
     * may select, and this context's session cache and tickets.
     */
    void setupServer(SslContext ssl, List<String> protocols, Parameters params, String[] alpn,
            List<Identity> identities, AuthMode authMode) {
        setup(ssl, new ConfigKey(protocols, params, alpn, identities, authMode));
    }

    private void setup(SslContext ssl, ConfigKey key) {
        synchronized (configs) {
            SslConfig config = configs.get(key);
            if (config == null) {
                config = newConfig(key);
                configs.put(key, config);
                if (configs.size() > CONFIGS) {
                    Iterator<SslConfig> eldest = configs.values().iterator();
                    eldest.next().close();
                    eldest.remove();
                }
            }
            ssl.setup(config); // under the lock: the config cannot be let go meanwhile
        }
    }

    /**
     * A config for these settings: the guide's steps ({@code mbedtls_ssl_config_defaults},
     * {@code _conf_rng}, {@code _conf_authmode} (REQUIRED for a client), versions,
     * {@code _conf_ca_chain}, {@code _conf_own_cert} per pair, {@code _conf_ciphersuites},
     * {@code _conf_alpn_protocols}; a server's session cache and tickets).
     */
    private SslConfig newConfig(ConfigKey key) {
        SslConfig config = new SslConfig();
        boolean server = key.serverAuthMode != null;
        try {
            config.defaults(server ? Endpoint.SERVER : Endpoint.CLIENT, Transport.STREAM);
            config.setRng(drbg);
            config.setAuthMode(server ? key.serverAuthMode : AuthMode.REQUIRED);
            config.setMaxTlsVersion(Protocols.version(key.newest));
            config.setMinTlsVersion(Protocols.version(key.oldest));
            config.setCaChain(trust, crls);
            for (Identity identity : key.identities) {
                config.setOwnCert(identity.chain, identity.key);
            }
            String[] mbed = CipherSuites.toMbed(key.suites);
            if (mbed.length == 0) {
                throw new IllegalArgumentException("none of the enabled cipher suites is one this Mbed TLS has");
            }
            config.setCiphersuites(mbed);
            if (key.alpn.length > 0) {
                config.setAlpnProtocols(key.alpn);
            }
            if (server) {
                serverSessions().configure(config);
            } else {
                config.setTls13SessionTickets(true);
            }
            return config;
        } catch (RuntimeException e) {
            config.close();
            throw e;
        }
    }
}
