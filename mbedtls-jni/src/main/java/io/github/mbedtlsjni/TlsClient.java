package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DebugCallback;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client configured once and used for any number of connections: one {@link SslConfig},
 * one {@link CtrDrbg} and one trust store, shared by every connection in any thread.
 *
 * <pre>{@code
 * TlsClient client = TlsClient.builder().trustJdkDefaults().build();
 * try (TlsConnection c = client.connect("example.org", 443)) {
 *     c.getOutputStream().write("GET / HTTP/1.0\r\nHost: example.org\r\n\r\n".getBytes());
 *     c.getInputStream().transferTo(System.out);
 * }
 * }</pre>
 *
 * <p>Nothing here bypasses the thin classes: {@link Builder#build()} runs the guide's
 * configuration steps ({@code mbedtls_entropy_init}, {@code mbedtls_ctr_drbg_seed},
 * {@code mbedtls_ssl_config_defaults}, {@code mbedtls_ssl_conf_rng},
 * {@code mbedtls_ssl_conf_authmode}, {@code mbedtls_ssl_conf_min/max_tls_version},
 * {@code mbedtls_x509_crt_parse*}, {@code mbedtls_x509_crl_parse*},
 * {@code mbedtls_ssl_conf_ca_chain}, {@code mbedtls_pk_parse_key},
 * {@code mbedtls_ssl_conf_own_cert}, {@code mbedtls_ssl_conf_ciphersuites},
 * {@code mbedtls_ssl_conf_alpn_protocols}, {@code mbedtls_ssl_conf_dbg}) through
 * {@link Entropy}, {@link CtrDrbg}, {@link SslConfig}, {@link X509Crt}, {@link X509Crl} and
 * {@link PkContext}, and {@link #connect} the per-connection ones through {@link NetContext} and
 * {@link SslContext} (see {@link TlsConnection}).
 *
 * <p><b>Secure by default:</b> the server's certificate is verified against the trust anchors
 * given to the builder (there are none until one is given: {@link Builder#build()} refuses to
 * build a verifying client without any), and its name against the host connected to; TLS 1.2 is
 * the minimum.
 *
 * <p><b>Errors.</b> What the user gave and the network are {@link IOException}s, checked:
 * {@link Builder#build()} reports files that are missing, unreadable or a directory as the JDK's
 * {@link java.nio.file.NoSuchFileException}, {@link java.nio.file.AccessDeniedException} and
 * {@link java.nio.file.FileSystemException}, and what Mbed TLS refuses in them (or in bytes) as a
 * {@link TlsException} that names the file and the builder call and carries Mbed TLS's code;
 * {@link #connect} reports the network's and the handshake's failures. Misuse (null, a bad port,
 * a closed client) is unchecked. The thin classes underneath throw the unchecked
 * {@link MbedTlsException} for Mbed TLS's failures.
 *
 * <p><b>Lifetimes.</b> Immutable once built. The native structures belong to the config, which
 * lives as long as this client or any connection still using it. {@link #close()} is optional
 * (a {@link java.lang.ref.Cleaner} frees an unreachable client): it refuses new connections and
 * frees the config once the last open connection is closed.
 */
public final class TlsClient implements AutoCloseable {
    private final SslConfig config;
    private final AuthMode authMode;
    private final int connectTimeoutMillis;
    private final int handshakeTimeoutMillis;
    private final int readTimeoutMillis;
    private final int writeTimeoutMillis;
    private final int trustAnchorCount;
    private final int skippedTrustAnchors;
    private final List<String> alpnProtocols;
    private final boolean hasIdentity;

    private TlsClient(Builder b, SslConfig config) {
        TlsSettings settings = b.settings;
        this.config = config;
        this.authMode = settings.authMode;
        this.connectTimeoutMillis = b.connectTimeoutMillis;
        this.handshakeTimeoutMillis = settings.handshakeTimeoutMillis;
        this.readTimeoutMillis = settings.readTimeoutMillis;
        this.writeTimeoutMillis = settings.writeTimeoutMillis;
        this.trustAnchorCount = settings.trustAnchorCount;
        this.skippedTrustAnchors = settings.skippedTrustAnchors;
        this.alpnProtocols = settings.alpn == null ? List.of() : List.of(settings.alpn);
        this.hasIdentity = b.identity != null;
    }

    /** A builder with the secure defaults: verification required, TLS 1.2 and 1.3, no timeouts. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects to {@code host:port}, verifying that the server's certificate is valid for
     * {@code host} (which also goes into SNI). Same as {@code connection(host, port).connect()}.
     *
     * @throws java.net.SocketTimeoutException if the connect or the handshake timeout elapsed
     * @throws java.net.UnknownHostException if the host cannot be resolved
     * @throws java.net.ConnectException if no address of the host accepted the connection
     * @throws TlsException if the handshake failed; {@link TlsException#verifyResult()} says why a
     *     certificate was refused
     * @throws IllegalStateException if this client is closed
     */
    public TlsConnection connect(String host, int port) throws IOException {
        return connection(host, port).connect();
    }

    /**
     * Per-connection options (server name, SNI, session to resume) for a connection to {@code host:port}.
     *
     * @throws IllegalStateException if this client is closed
     */
    public ConnectionBuilder connection(String host, int port) {
        requireOpen();
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
        return new ConnectionBuilder(this, host, port);
    }

    /** How the server's certificate is checked. */
    public AuthMode authMode() {
        return authMode;
    }

    /** The number of trusted CA certificates Mbed TLS parsed. */
    public int trustAnchorCount() {
        return trustAnchorCount;
    }

    /**
     * The number of trust anchors that could not be used: certificates of a {@link KeyStore}
     * (or the JDK's) that Mbed TLS cannot parse, unparsable PEM blocks, and unreadable files of
     * a {@linkplain Builder#trustPath directory}.
     */
    public int skippedTrustAnchors() {
        return skippedTrustAnchors;
    }

    /** The ALPN protocols offered, in order (empty if none). */
    public List<String> alpnProtocols() {
        return alpnProtocols;
    }

    /** True if the client presents a certificate when the server asks for one. */
    public boolean hasIdentity() {
        return hasIdentity;
    }

    /** The connect timeout in ms (0: none). */
    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    /** The handshake timeout in ms (0: none). */
    public int handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /** The read timeout in ms each connection starts with (0: none). */
    public int readTimeoutMillis() {
        return readTimeoutMillis;
    }

    /** The write timeout in ms each connection starts with (0: none). */
    public int writeTimeoutMillis() {
        return writeTimeoutMillis;
    }

    SslConfig config() {
        return config;
    }

    private void requireOpen() {
        if (isClosed()) {
            throw new IllegalStateException("TlsClient is closed: build a new one to connect");
        }
    }

    /**
     * Refuses further connections; the configuration is freed once no open connection uses it.
     * Open connections are not affected. Idempotent.
     */
    @Override
    public void close() {
        config.close();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return config.isClosed();
    }

    @Override
    public String toString() {
        return "TlsClient[" + authMode + ", " + trustAnchorCount + " trust anchors"
                + (hasIdentity ? ", client certificate" : "") + (alpnProtocols.isEmpty() ? "" : ", ALPN " + alpnProtocols)
                + (isClosed() ? ", closed" : "") + "]";
    }

    /**
     * The options of one connection: which name to verify and send as SNI, and which session to
     * resume. {@link #connect()} opens it.
     */
    public static final class ConnectionBuilder {
        private final TlsClient client;
        private final String host;
        private final int port;
        private String serverName;
        private String sni;
        private boolean noSni;
        private SslSession session;

        private ConnectionBuilder(TlsClient client, String host, int port) {
            this.client = client;
            this.host = host;
            this.port = port;
        }

        /**
         * The name the server's certificate must hold, and the SNI unless {@link #sni} says
         * otherwise; default: the host connected to. ({@code mbedtls_ssl_set_hostname}.)
         */
        public ConnectionBuilder serverName(String name) {
            this.serverName = checkName(name, "server name");
            return this;
        }

        /**
         * Sends {@code name} as SNI while the certificate is still checked against the
         * {@linkplain #serverName server name}: {@code mbedtls_ssl_set_hostname(name)} plus the
         * binding's verify callback ({@link SslContext#setVerifyName}).
         */
        public ConnectionBuilder sni(String name) {
            this.sni = checkName(name, "SNI");
            this.noSni = false;
            return this;
        }

        /** Sends no SNI at all; the certificate is still checked against the server name. */
        public ConnectionBuilder noSni() {
            this.sni = null;
            this.noSni = true;
            return this;
        }

        /**
         * Offers {@code session} (from {@link TlsConnection#session()}) for resumption
         * ({@code mbedtls_ssl_set_session}); {@link TlsConnection#isResumed()} tells whether the
         * server accepted it. The session is copied: it stays the caller's.
         */
        public ConnectionBuilder resume(SslSession session) {
            this.session = session;
            return this;
        }

        /** Connects, with the exceptions described at {@link TlsClient#connect(String, int)}. */
        public TlsConnection connect() throws IOException {
            client.requireOpen();
            String verifyName = serverName != null ? serverName : host;
            String sniName = noSni ? null : sni != null ? sni : verifyName;
            try {
                return TlsConnection.open(client, host, port, verifyName, sniName, session);
            } catch (IllegalStateException e) {
                if (client.isClosed()) { // closed by another thread meanwhile: the config refused
                    throw new IllegalStateException("TlsClient is closed: build a new one to connect", e);
                }
                throw e;
            }
        }

        private static String checkName(String name, String what) {
            Objects.requireNonNull(name, what);
            if (name.isEmpty() || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(what + " '" + name + "' is empty or contains NUL");
            }
            return name;
        }
    }

    /**
     * Collects the options of a {@link TlsClient}; {@link #build()} turns them into Mbed TLS
     * structures. Trust anchors and CRLs accumulate over calls; other options take the last
     * value. Not thread-safe.
     */
    public static final class Builder {
        private final TlsSettings settings = new TlsSettings(AuthMode.REQUIRED, "mbedtls-jni TlsClient");
        private final List<ClientMaterial.TrustSource> trust = settings.trust;
        private final List<ClientMaterial.CrlSource> crls = settings.crls;
        private ClientMaterial.IdentitySource identity;
        private byte[] pskIdentity;
        private byte[] pskKey;
        private boolean tls13Tickets = true;
        private int connectTimeoutMillis;

        private Builder() {}

        /**
         * Trusts the CA certificates of a PEM (or DER) file ({@code mbedtls_x509_crt_parse_file}).
         * For a directory of such files see {@link #trustPath}; for a JKS or PKCS#12 trust store,
         * {@link #trust(KeyStore)}. The file is read by {@link #build()}.
         */
        public Builder trustPemFile(Path file) {
            trust.add(ClientMaterial.caFiles(Objects.requireNonNull(file, "file"), false));
            return this;
        }

        /**
         * Trusts every certificate file of a directory such as {@code /etc/ssl/certs}, without
         * concatenating anything ({@code mbedtls_x509_crt_parse_path}). Files Mbed TLS cannot parse
         * are skipped (counted in {@link TlsClient#skippedTrustAnchors()}).
         */
        public Builder trustPath(Path directory) {
            trust.add(ClientMaterial.caFiles(Objects.requireNonNull(directory, "directory"), true));
            return this;
        }

        /** Trusts the certificates of {@code data}: PEM (any number) or one DER ({@code mbedtls_x509_crt_parse}). */
        public Builder trust(byte[] data) {
            trust.add(ClientMaterial.caBytes(Objects.requireNonNull(data, "data")));
            return this;
        }

        /** Trusts these certificates (their DER encodings, {@code mbedtls_x509_crt_parse_der}). */
        public Builder trust(X509Certificate... certificates) {
            trust.add(ClientMaterial.certificates(certificates));
            return this;
        }

        /**
         * Trusts the trusted-certificate entries of a {@link KeyStore} (a JKS or PKCS#12 trust
         * store): each one's DER goes to {@code mbedtls_x509_crt_parse_der}. Certificates Mbed TLS
         * cannot parse are skipped and counted ({@link TlsClient#skippedTrustAnchors()}).
         *
         * @throws IllegalArgumentException if the key store cannot be read
         */
        public Builder trust(KeyStore keyStore) {
            trust.add(ClientMaterial.keyStore(Objects.requireNonNull(keyStore, "keyStore")));
            return this;
        }

        /**
         * Trusts what the JDK trusts: the accepted issuers of the default {@link TrustManagerFactory}
         * (the JDK's {@code cacerts}, or the {@code javax.net.ssl.trustStore} the JVM was started
         * with). Certificates Mbed TLS cannot parse are skipped and counted.
         */
        public Builder trustJdkDefaults() {
            trust.add(ClientMaterial.jdkDefaults());
            return this;
        }

        /**
         * Checks certificates against the CRLs of a PEM or DER file ({@code mbedtls_x509_crl_parse_file}),
         * read by {@link #build()}.
         */
        public Builder crlFile(Path file) {
            crls.add(ClientMaterial.crlFile(Objects.requireNonNull(file, "file")));
            return this;
        }

        /** Checks certificates against the CRLs in {@code data}, PEM or DER ({@code mbedtls_x509_crl_parse}). */
        public Builder crl(byte[] data) {
            crls.add(ClientMaterial.crlBytes(Objects.requireNonNull(data, "data")));
            return this;
        }

        /**
         * The client certificate for mutual TLS: a PEM file with the chain (leaf first) and a key
         * file (PEM or DER; encrypted if {@code password} is given). {@code mbedtls_x509_crt_parse_file},
         * {@code mbedtls_pk_parse_keyfile}, {@code mbedtls_ssl_conf_own_cert}. The files are read
         * by {@link #build()}; for a PKCS#12 file see {@link #identity(KeyStore, String, char[])}.
         */
        public Builder identity(Path chainFile, Path keyFile, char[] password) {
            Objects.requireNonNull(chainFile, "chainFile");
            Objects.requireNonNull(keyFile, "keyFile");
            identity = ClientMaterial.identityFiles(chainFile, keyFile, password, "client");
            return this;
        }

        /** {@link #identity(Path, Path, char[])} from bytes: the chain (PEM or one DER) and the key. */
        public Builder identity(byte[] chainData, byte[] keyData, char[] password) {
            identity = ClientMaterial.identityBytes(Objects.requireNonNull(chainData, "chainData"),
                    Objects.requireNonNull(keyData, "keyData"), password, "client");
            return this;
        }

        /**
         * The client certificate from a key entry of a {@link KeyStore}, e.g. a PKCS#12 file: the
         * entry's chain goes to Mbed TLS as DER, its private key as PKCS#8 DER
         * ({@link PrivateKey#getEncoded()}).
         *
         * @param alias the entry, or null for the key store's only key entry
         * @param password the entry's password
         * @throws IllegalArgumentException if there is no such key entry, or it cannot be read
         */
        public Builder identity(KeyStore keyStore, String alias, char[] password) {
            identity = ClientMaterial.identityKeyStore(Objects.requireNonNull(keyStore, "keyStore"), alias, password);
            return this;
        }

        /**
         * A pre-shared key and the identity the server knows it by ({@link SslConfig#setPsk}):
         * PSK suites are then offered besides the others (TLS 1.2's, e.g. CoAP's
         * {@code TLS-PSK-WITH-AES-128-CCM-8} with {@link #ciphersuites}, and TLS 1.3's external
         * PSK). A client with a key needs no trust anchors: a server that answers with a
         * certificate instead is still verified, and refused without them. The builder keeps
         * copies; Mbed TLS copies them into the config.
         *
         * @throws IllegalArgumentException if the identity or the key is empty
         */
        public Builder psk(String identity, byte[] key) {
            Objects.requireNonNull(identity, "identity");
            Objects.requireNonNull(key, "key");
            if (identity.isEmpty() || key.length == 0) {
                throw new IllegalArgumentException("the PSK identity and key must not be empty");
            }
            this.pskIdentity = identity.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            this.pskKey = key.clone();
            return this;
        }

        /**
         * How the server's certificate is checked ({@code mbedtls_ssl_conf_authmode}; default
         * {@link AuthMode#REQUIRED}). With {@link AuthMode#OPTIONAL} every handshake completes and
         * the caller must check {@link TlsConnection#verifyResult()}.
         */
        public Builder authMode(AuthMode mode) {
            settings.authMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The TLS versions allowed ({@code mbedtls_ssl_conf_min/max_tls_version}); default 1.2 to 1.3. */
        public Builder tlsVersions(TlsVersion min, TlsVersion max) {
            settings.tlsVersions(min, max);
            return this;
        }

        /** The cipher suites to offer, by Mbed TLS name, in order ({@link SslConfig#setCiphersuites}). */
        public Builder ciphersuites(String... names) {
            settings.ciphersuites = Objects.requireNonNull(names, "names").clone();
            return this;
        }

        /** The application protocols to offer by ALPN, in order ({@link SslConfig#setAlpnProtocols}). */
        public Builder alpn(String... protocols) {
            settings.alpn = Objects.requireNonNull(protocols, "protocols").clone();
            return this;
        }

        /**
         * Whether TLS 1.3 session tickets are kept for {@link TlsConnection#session()} (default
         * true; {@link SslConfig#setTls13SessionTickets}).
         */
        public Builder tls13SessionTickets(boolean enable) {
            this.tls13Tickets = enable;
            return this;
        }

        /** Limit for the TCP connect ({@link NetContext#connect(String, int, int)}); zero: none (the default). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeoutMillis = TlsSettings.millis(timeout, "connect timeout");
            return this;
        }

        /** Limit for the whole TLS handshake (a deadline for every receive in it); zero: none. */
        public Builder handshakeTimeout(Duration timeout) {
            settings.handshakeTimeoutMillis = TlsSettings.millis(timeout, "handshake timeout");
            return this;
        }

        /**
         * Limit for each read's wait for data ({@link NetContext#setReadTimeout}); zero: none. A read
         * that times out throws {@link java.net.SocketTimeoutException} and may be retried.
         */
        public Builder readTimeout(Duration timeout) {
            settings.readTimeoutMillis = TlsSettings.millis(timeout, "read timeout");
            return this;
        }

        /**
         * Limit for each write's wait for the server to take data ({@link NetContext#setWriteTimeout});
         * zero: none. A write that times out throws {@link java.net.SocketTimeoutException}; the
         * connection cannot be written to afterwards (part of the data may have gone out).
         */
        public Builder writeTimeout(Duration timeout) {
            settings.writeTimeoutMillis = TlsSettings.millis(timeout, "write timeout");
            return this;
        }

        /**
         * Routes Mbed TLS's debug messages of level 1 to {@code level} (0: off, the default) to the
         * {@link System.Logger} {@code io.github.mbedtlsjni.mbedtls} at {@link System.Logger.Level#DEBUG}.
         */
        public Builder debug(int level) {
            System.Logger logger = System.getLogger("io.github.mbedtlsjni.mbedtls");
            return debug(level, TlsSettings.toLogger(logger, System.Logger.Level.DEBUG));
        }

        /** Routes Mbed TLS's debug messages of level 1 to {@code level} (0: off) to {@code callback} ({@link SslConfig#setDebug}). */
        public Builder debug(int level, DebugCallback callback) {
            settings.debug(level, callback);
            return this;
        }

        /** The personalization string of the DRBG seed ({@code mbedtls_ctr_drbg_seed}). */
        public Builder personalization(String value) {
            settings.personalization = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Runs the configuration steps, reading the files given, and returns the client.
         *
         * @throws java.nio.file.NoSuchFileException if a file or directory given does not exist
         * @throws java.nio.file.AccessDeniedException if one cannot be read
         * @throws java.nio.file.FileSystemException if a directory was given for a file or the
         *     other way round, saying so and what to use instead
         * @throws TlsException if Mbed TLS refuses what a file or byte array holds: certificates
         *     or CRLs it cannot parse (a Java key store says it is one), a key it cannot parse (for
         *     an encrypted key with a password: "wrong password, or a damaged key"); with Mbed
         *     TLS's code ({@link TlsException#code()}) and, as cause, the {@link MbedTlsException}
         * @throws IllegalStateException if the server would be verified ({@link AuthMode#REQUIRED})
         *     without any trust anchor and there is no {@link #psk}
         * @throws IllegalArgumentException for an unknown cipher suite, a TLS version this build lacks...
         */
        public TlsClient build() throws IOException {
            if (trust.isEmpty() && settings.authMode == AuthMode.REQUIRED && pskKey == null) {
                throw new IllegalStateException("no trust anchors: call trustPemFile(...), trustPath(...), trust(...) "
                        + "or trustJdkDefaults() (or authMode(AuthMode.OPTIONAL) to inspect without verifying)");
            }
            SslConfig config = settings.build(SslConfig.Endpoint.CLIENT, (c, drbg, owners) -> {
                if (identity != null) {
                    TlsSettings.ownCert(c, identity, null, drbg, owners);
                }
                if (pskKey != null) {
                    c.setPsk(pskKey, pskIdentity);
                }
                c.setTls13SessionTickets(tls13Tickets);
            });
            return new TlsClient(this, config);
        }
    }
}
