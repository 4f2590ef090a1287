package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.DebugCallback;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;

/**
 * A DTLS 1.2 client configured once and used for any number of connections: one
 * {@link SslConfig} for {@code MBEDTLS_SSL_TRANSPORT_DATAGRAM}, shared by every connection in any
 * thread. For CoAP and LwM2M devices and gateways: certificates or a pre-shared key (CoAP's
 * {@code TLS-PSK-WITH-AES-128-CCM-8}, {@code TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8}), and the
 * Connection ID of RFC 9146 so that a connection survives NAT rebinding.
 *
 * <pre>{@code
 * DtlsClient client = DtlsClient.builder().psk("device-17", key).cid(4).build();
 * try (DtlsConnection c = client.connect("coap.example", 5684)) {
 *     c.send(request);
 *     byte[] response = c.receive(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>{@link Builder#build()} runs the configuration steps ({@code mbedtls_ssl_config_defaults}
 * with {@code MBEDTLS_SSL_IS_CLIENT} and {@code MBEDTLS_SSL_TRANSPORT_DATAGRAM},
 * {@code mbedtls_ssl_conf_rng}, {@code _authmode}, {@code _ca_chain}, {@code _own_cert},
 * {@code _psk}, {@code _ciphersuites}, {@code _handshake_timeout}, {@code _cid}); each connection
 * runs the per-connection ones ({@code mbedtls_ssl_setup}, {@code mbedtls_ssl_set_hostname},
 * {@code mbedtls_ssl_set_bio} over datagrams, {@code mbedtls_ssl_set_timer_cb},
 * {@code mbedtls_ssl_set_mtu}, {@code mbedtls_ssl_set_cid}, {@code mbedtls_ssl_handshake}).
 *
 * <p><b>Secure by default:</b> the server's certificate is verified against the trust anchors
 * given, and its name against the host connected to; DTLS 1.2 (the only version). With a
 * pre-shared key only, the key authenticates the server and no trust anchor is needed.
 *
 * <p><b>Lifetimes.</b> Immutable once built. The config lives as long as this client or any
 * connection or engine still using it; {@link #close()} refuses new connections.
 */
public final class DtlsClient implements AutoCloseable {
    private final SslConfig config;
    private final int cidLength;
    private final int mtu;
    private final boolean hostnameCheck;
    private final SecureRandom random = new SecureRandom();

    private DtlsClient(SslConfig config, DtlsSettings settings) {
        this.config = config;
        this.cidLength = settings.cidLength;
        this.mtu = settings.mtu;
        this.hostnameCheck = settings.hasTrust() && settings.authMode != AuthMode.NONE;
    }

    /** A builder with the secure defaults: verification required, DTLS 1.2, MTU 1232, no CID. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects to {@code host:port} (UDP) and performs the handshake, verifying a certificate
     * against {@code host}. Same as {@code connection(host, port).connect()}.
     *
     * @throws java.net.SocketTimeoutException if the server did not answer within the handshake
     *     timeout (Mbed TLS's retransmissions included)
     * @throws TlsException if the handshake failed
     */
    public DtlsConnection connect(String host, int port) throws IOException {
        return connection(host, port).connect();
    }

    /** Per-connection options (server name, session to resume, saved connection to restore). */
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

    /**
     * A connection as an engine for an event loop (see {@link DtlsEngine}): nothing is sent until
     * {@link DtlsEngine#beginHandshake()}. The certificate is checked against {@code serverName}
     * (null: only with a pre-shared key or {@link AuthMode#NONE}).
     */
    public DtlsEngine newEngine(String serverName, DtlsEngine.Sender sender) {
        requireOpen();
        Objects.requireNonNull(sender, "sender");
        return newEngine(serverName, null, null, sender, serverName == null ? "the server" : serverName, false);
    }

    /** The CID length connections ask the server for, or -1 when CID is not used. */
    public int cidLength() {
        return cidLength;
    }

    /** The MTU each connection starts with. */
    public int mtu() {
        return mtu;
    }

    /** Refuses new connections; the config is freed once no connection uses it. Idempotent. */
    @Override
    public void close() {
        config.close();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return config.isClosed();
    }

    private void requireOpen() {
        if (config.isClosed()) {
            throw new IllegalStateException("DtlsClient is closed");
        }
    }

    /**
     * The per-connection steps: {@code mbedtls_ssl_setup}, {@code mbedtls_ssl_set_hostname},
     * the datagram bio and timer, {@code mbedtls_ssl_set_mtu}, {@code mbedtls_ssl_set_cid} with
     * a random CID, {@code mbedtls_ssl_set_session}, or {@code mbedtls_ssl_context_load} of a
     * saved connection instead of a handshake. {@code sharedOutput}: see {@link DtlsEngine}'s
     * constructor.
     */
    DtlsEngine newEngine(String serverName, SslSession resume, byte[] saved, DtlsEngine.Sender sender, String peer,
            boolean sharedOutput) {
        SslContext ssl = new SslContext();
        try {
            ssl.setup(config);
            if (serverName != null && (hostnameCheck || !isIpLiteral(serverName))) {
                ssl.setHostname(serverName);
            } else {
                ssl.skipHostnameVerification();
            }
            DatagramBio bio = ssl.setDatagramBio();
            bio.setMtu(mtu);
            if (saved != null) {
                bio.load(saved);
            } else {
                if (cidLength >= 0) {
                    byte[] cid = new byte[cidLength];
                    random.nextBytes(cid);
                    bio.setCid(cid);
                }
                if (resume != null) {
                    ssl.setSession(resume);
                }
            }
            DtlsEngine engine = new DtlsEngine(ssl, bio, sender, peer, sharedOutput);
            ssl = null;
            return engine;
        } finally {
            if (ssl != null) {
                ssl.close();
            }
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** Options of one connection. */
    public static final class ConnectionBuilder {
        private final DtlsClient client;
        private final String host;
        private final int port;
        private String serverName;
        private SslSession resume;
        private byte[] saved;
        private int localPort;

        ConnectionBuilder(DtlsClient client, String host, int port) {
            this.client = client;
            this.host = host;
            this.port = port;
            this.serverName = host;
        }

        /** The name the server's certificate must hold (and SNI), instead of the host. */
        public ConnectionBuilder serverName(String name) {
            this.serverName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Offers {@code session} (from {@link DtlsConnection#session()}) for an abbreviated handshake. */
        public ConnectionBuilder resume(SslSession session) {
            this.resume = Objects.requireNonNull(session, "session");
            return this;
        }

        /**
         * Brings back a connection saved with {@link DtlsConnection#save()} instead of a
         * handshake: the same keys, sequence numbers and CIDs, from a new socket. With a CID the
         * server recognises it from the new address; without one it cannot.
         */
        public ConnectionBuilder restore(byte[] savedConnection) {
            this.saved = Objects.requireNonNull(savedConnection, "savedConnection").clone();
            return this;
        }

        /** The local UDP port to send from (0, the default: any). */
        public ConnectionBuilder localPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("local port " + port + " is not in 0..65535");
            }
            this.localPort = port;
            return this;
        }

        /** Opens the socket and performs the handshake (or loads the saved connection). */
        public DtlsConnection connect() throws IOException {
            client.requireOpen();
            return DtlsConnection.open(client, host, port, localPort, serverName, resume, saved);
        }
    }

    /** Collects the settings; {@link #build()} runs the configuration steps. */
    public static final class Builder {
        private final DtlsSettings settings = new DtlsSettings();

        Builder() {}

        /** Trusts the CA certificates of a PEM (or DER) file. */
        public Builder trustPemFile(Path file) {
            settings.trustPemFile(file);
            return this;
        }

        /** Trusts the CA certificates in {@code data} (PEM or DER). */
        public Builder trust(byte[] data) {
            settings.trust(data);
            return this;
        }

        /** Trusts these CA certificates. */
        public Builder trust(X509Certificate... certificates) {
            settings.trust(certificates);
            return this;
        }

        /** The client's certificate chain (leaf first) and key, sent when the server asks for one. */
        public Builder identity(Path chainFile, Path keyFile, char[] password) {
            settings.identity(chainFile, keyFile, password);
            return this;
        }

        /** {@link #identity(Path, Path, char[])} from bytes (PEM or DER). */
        public Builder identity(byte[] chain, byte[] key, char[] password) {
            settings.identity(chain, key, password);
            return this;
        }

        /**
         * A pre-shared key and the identity the client names it by ({@code mbedtls_ssl_conf_psk}).
         * PSK suites are offered besides the certificate ones unless {@link #ciphersuites} limits
         * the list.
         */
        public Builder psk(String identity, byte[] key) {
            settings.psk(identity, key);
            return this;
        }

        /**
         * How the server's certificate is checked (default {@link AuthMode#REQUIRED}); anything
         * weaker must be asked for here by name.
         */
        public Builder authMode(AuthMode mode) {
            settings.authMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The cipher suites to offer, by Mbed TLS name ({@code TLS-PSK-WITH-AES-128-CCM-8}). */
        public Builder ciphersuites(String... names) {
            settings.ciphersuites(names);
            return this;
        }

        /**
         * Negotiates a Connection ID (RFC 9146): each connection asks the server to put a random
         * CID of {@code length} bytes (0: none of its own, but the server's CID is still used)
         * into every record it sends, so the connection survives a change of the client's
         * address. Needs Mbed TLS 3.x (2.28's CID is an incompatible draft: {@link #build()} then
         * throws {@link IllegalStateException} naming the version).
         */
        public Builder cid(int length) {
            settings.cid(length);
            return this;
        }

        /** The largest datagram to send ({@code mbedtls_ssl_set_mtu}; default 1232). */
        public Builder mtu(int bytes) {
            settings.mtu(bytes);
            return this;
        }

        /**
         * The handshake's retransmission timer ({@code mbedtls_ssl_conf_handshake_timeout}):
         * starts at {@code min}, doubles per retransmission, gives up past {@code max} (Mbed
         * TLS's defaults: 1 s and 60 s).
         */
        public Builder handshakeTimeout(Duration min, Duration max) {
            settings.handshakeTimeout(min, max);
            return this;
        }

        /** Mbed TLS's debug messages up to {@code level} to {@code callback} ({@code mbedtls_ssl_conf_dbg}). */
        public Builder debug(int level, DebugCallback callback) {
            settings.debug(level, callback);
            return this;
        }

        /**
         * Runs the configuration steps and returns the client.
         *
         * @throws TlsException if Mbed TLS refuses a certificate or key given
         * @throws IllegalStateException with neither trust anchors nor a pre-shared key under
         *     {@link AuthMode#REQUIRED}, or a CID this Mbed TLS cannot negotiate
         */
        public DtlsClient build() throws IOException {
            if (!settings.hasTrust() && !settings.hasPsk() && settings.authMode == AuthMode.REQUIRED) {
                throw new IllegalStateException("no trust anchors and no pre-shared key: call trustPemFile(...) or "
                        + "trust(...), or psk(identity, key)");
            }
            try {
                SslConfig config = settings.build(SslConfig.Endpoint.CLIENT, "client");
                return new DtlsClient(config, settings);
            } finally {
                settings.wipe();
            }
        }
    }
}
