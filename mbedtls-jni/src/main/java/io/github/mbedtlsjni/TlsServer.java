package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.DebugCallback;
import io.github.mbedtlsjni.mbedtls.PskLookup;
import io.github.mbedtlsjni.mbedtls.SslCache;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslTicket;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TLS server over TCP, the twin of {@link TlsClient}: configured once by a {@link Builder}, it
 * listens on one port and gives each client's connection as the same {@link TlsConnection} a
 * client gets (streams, full duplex, close from any thread, the peer's chain, {@code isResumed()}).
 *
 * <pre>{@code
 * try (TlsServer server = TlsServer.builder().identity(chainPem, keyPem, null).build()) {
 *     server.bind("0.0.0.0", 8443);
 *     server.serve(connection -> connection.getOutputStream().write("hello\n".getBytes()));
 * }
 * }</pre>
 *
 * <p>The builder runs the thin classes' configuration steps for a server (see
 * {@link Builder#build()}); {@link #bind} is {@code mbedtls_net_bind}; {@link #accept()} is
 * {@code mbedtls_net_accept}, then {@code mbedtls_ssl_setup}, {@code mbedtls_ssl_set_bio} and
 * {@code mbedtls_ssl_handshake} on a new context; {@link #serve} runs that loop and hands each
 * connection to a {@link Handler} on an executor.
 *
 * <p><b>Secure by default:</b> TLS 1.2 minimum; the server needs an identity (a certificate and
 * key) or a {@link io.github.mbedtlsjni.mbedtls.PskLookup}, {@link Builder#build()} refuses one
 * with neither; client certificates are not asked for unless {@link Builder#clientAuth} says so,
 * and then only with trust anchors; a handshake has 30 seconds; at most 64 handshakes run at once
 * (the next clients wait in the listen queue); the session cache and tickets are on.
 *
 * <p><b>Threads and locks.</b> Any number of threads may call {@link #accept()} and
 * {@link #serve} at once; {@link #close()} may come from any thread: it stops every accept loop,
 * wakes a blocked {@code accept()} (which throws {@link SocketException}), ends handshakes in
 * progress and closes the connections {@code serve} is handling. The connections {@code accept()}
 * returned are the caller's. One lock, {@code lock}, guards the count of handshakes and the
 * closed flag; it is a leaf: no Mbed TLS call, connection, listener or executor is called while it
 * is held.
 */
public final class TlsServer implements AutoCloseable {
    /** What {@link #serve} does with each connection, on the executor's thread; the server closes the connection afterwards. */
    @FunctionalInterface
    public interface Handler {
        /** Serves one client; an exception ends that connection only. */
        void handle(TlsConnection connection) throws IOException;
    }

    private final SslConfig config;
    private final AuthMode clientAuth;
    private final int handshakeTimeoutMillis;
    private final int readTimeoutMillis;
    private final int writeTimeoutMillis;
    private final int maxHandshakes;
    private final Executor executor;
    private final ExecutorService ownPool; // the default pool, which close() shuts down; null with the user's executor
    private final NetContext listener = new NetContext();
    private final Set<AutoCloseable> live = ConcurrentHashMap.newKeySet(); // clients in a handshake, connections serve() handles
    private final LongAdder failedHandshakes = new LongAdder();
    private final Object lock = new Object();
    private int handshaking; // guarded by lock
    private volatile boolean closed; // written under lock

    private TlsServer(Builder b, SslConfig config) {
        this.config = config;
        this.clientAuth = b.settings.authMode;
        this.handshakeTimeoutMillis = b.settings.handshakeTimeoutMillis;
        this.readTimeoutMillis = b.settings.readTimeoutMillis;
        this.writeTimeoutMillis = b.settings.writeTimeoutMillis;
        this.maxHandshakes = b.maxHandshakes;
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownPool = null;
        } else {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(b.poolSize, b.poolSize, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), new Workers());
            pool.allowCoreThreadTimeOut(true);
            this.executor = pool;
            this.ownPool = pool;
        }
    }

    /** A builder with the secure defaults (see the class description). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Listens on {@code address} (null: every interface) and {@code port} (0: one the system
     * picks; {@link #port()} tells which): {@code mbedtls_net_bind}.
     *
     * @return this server
     * @throws IOException if the address cannot be bound (in use, unknown), with Mbed TLS's reason
     * @throws IllegalStateException if already bound, or closed
     */
    public TlsServer bind(String address, int port) throws IOException {
        requireOpen();
        try {
            listener.bind(address, port);
        } catch (MbedTlsException e) {
            throw IoErrors.of(e, "bind to " + (address == null ? "*" : address) + ":" + port, 0);
        } catch (IllegalStateException e) {
            requireOpen();
            throw new IllegalStateException("TlsServer is already bound to port " + port(), e);
        }
        return this;
    }

    /** The port listened on, or 0 before {@link #bind}. */
    public int port() {
        return listener.localPort();
    }

    /**
     * Waits for the next client and makes the handshake with it in this thread, within the
     * handshake timeout. The connection is the caller's to close.
     *
     * @throws TlsException if the handshake failed (the server goes on: call {@code accept()} again)
     * @throws java.net.SocketTimeoutException if the handshake timed out
     * @throws SocketException if the server is closed, or was closed while this call waited
     * @throws IllegalStateException before {@link #bind}
     */
    public TlsConnection accept() throws IOException {
        NetContext client = acceptClient("accept");
        try {
            return handshake(client);
        } finally {
            endHandshake();
        }
    }

    /**
     * Accepts clients until {@link #close()}, each handshake and {@code handler} running on the
     * executor (the builder's, or the default bounded pool); the server closes each connection
     * when its handler returns. Returns once the server is closed. A failed handshake is counted
     * ({@link #failedHandshakes()}) and the loop goes on.
     *
     * @throws IllegalStateException before {@link #bind}
     * @throws IOException if accepting fails for another reason than {@code close()}
     */
    public void serve(Handler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        while (true) {
            NetContext client;
            try {
                client = acceptClient("serve");
            } catch (SocketException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
            try {
                executor.execute(() -> serveOne(client, handler));
            } catch (RejectedExecutionException e) {
                endHandshake();
                failedHandshakes.increment();
                client.close();
            }
        }
    }

    private void serveOne(NetContext client, Handler handler) {
        TlsConnection connection;
        try {
            connection = handshake(client);
        } catch (IOException | RuntimeException e) {
            return; // counted; the client was told by an alert, or is gone
        } finally {
            endHandshake();
        }
        live.add(connection);
        try {
            if (!closed) { // close() sets closed before it closes what is live
                handler.handle(connection);
            }
        } catch (IOException | RuntimeException e) {
            // the handler's failure ends its connection only
        } finally {
            live.remove(connection);
            connection.close();
        }
    }

    /** Takes a handshake slot, then {@code mbedtls_net_accept}; the slot stays taken unless this throws. */
    private NetContext acceptClient(String method) throws IOException {
        if (port() == 0 && !closed) {
            throw new IllegalStateException("TlsServer." + method + "() before bind(address, port)");
        }
        startHandshake();
        try {
            return listener.accept();
        } catch (IllegalStateException e) {
            endHandshake();
            throw closedException(e);
        } catch (MbedTlsException e) {
            endHandshake();
            throw closed ? closedException(e) : IoErrors.of(e, "accept on port " + port(), 0);
        }
    }

    private TlsConnection handshake(NetContext client) throws IOException {
        live.add(client);
        try {
            if (closed) { // close() sets closed before it closes what is live
                failedHandshakes.increment();
                client.close();
                throw closedException(null);
            }
            // A failure is counted before the client's connection is closed: whoever saw it end sees the count.
            return TlsConnection.accepted(config, client, failedHandshakes::increment, handshakeTimeoutMillis,
                    readTimeoutMillis, writeTimeoutMillis);
        } catch (IOException | RuntimeException e) {
            if (closed) {
                throw closedException(e);
            }
            throw e;
        } finally {
            live.remove(client);
        }
    }

    private void startHandshake() throws IOException {
        synchronized (lock) {
            while (handshaking >= maxHandshakes && !closed) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while " + maxHandshakes + " handshakes ran");
                }
            }
            if (closed) {
                throw closedException(null);
            }
            handshaking++;
        }
    }

    private void endHandshake() {
        synchronized (lock) {
            handshaking--;
            lock.notify();
        }
    }

    /** Handshakes that failed (a client that spoke no TLS, timed out, or was refused), and clients the executor refused. */
    public long failedHandshakes() {
        return failedHandshakes.sum();
    }

    /** Whether client certificates are asked for ({@link Builder#clientAuth}). */
    public AuthMode clientAuth() {
        return clientAuth;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops listening, wakes every waiting {@link #accept()} and ends every {@link #serve} loop,
     * ends handshakes in progress and closes the connections {@code serve} handles; the default
     * pool's threads end. The configuration is freed once no connection uses it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        listener.close(); // wakes blocked accepts
        for (AutoCloseable c : live) {
            try {
                c.close();
            } catch (Exception ignored) {
                // close() of these classes throws nothing
            }
        }
        if (ownPool != null) {
            ownPool.shutdown();
        }
        config.close();
    }

    @Override
    public String toString() {
        return "TlsServer[port " + port() + ", client auth " + clientAuth + (closed ? ", closed" : "") + "]";
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("TlsServer is closed: build a new one");
        }
    }

    private SocketException closedException(Throwable cause) {
        return IoErrors.closed("TlsServer on port " + port(), cause);
    }

    /** The default pool's threads: daemons, named, so an unclosed server keeps no JVM alive. */
    private static final class Workers implements ThreadFactory {
        private static final AtomicInteger SERVERS = new AtomicInteger();
        private final int server = SERVERS.incrementAndGet();
        private final AtomicInteger threads = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "TlsServer-" + server + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /**
     * Collects the options of a {@link TlsServer}; {@link #build()} turns them into Mbed TLS
     * structures. Identities, trust anchors and CRLs accumulate over calls; other options take the
     * last value. Not thread-safe.
     */
    public static final class Builder {
        private final TlsSettings settings = new TlsSettings(AuthMode.NONE, "mbedtls-jni TlsServer");
        private final List<String> identityNames = new ArrayList<>(); // null: for every client; else an SNI name
        private final List<ClientMaterial.IdentitySource> identities = new ArrayList<>();
        private PskLookup pskLookup;
        private int cacheEntries = 1000;
        private int cacheTimeoutSeconds = 86_400;
        private int ticketLifetimeSeconds = 86_400;
        private int maxHandshakes = 64;
        private int poolSize = 64;
        private Executor executor;

        private Builder() {
            settings.handshakeTimeoutMillis = 30_000;
        }

        /**
         * A certificate chain (PEM file, leaf first) and its key (PEM or DER, encrypted if
         * {@code password} is given), read by {@link #build()}: {@code mbedtls_ssl_conf_own_cert}.
         * May be called several times (an ECDSA and an RSA identity, say): for each handshake Mbed
         * TLS takes the first one the client can use.
         */
        public Builder identity(Path chainFile, Path keyFile, char[] password) {
            return identity(null, ClientMaterial.identityFiles(Objects.requireNonNull(chainFile, "chainFile"),
                    Objects.requireNonNull(keyFile, "keyFile"), password, "server"));
        }

        /** {@link #identity(Path, Path, char[])} from bytes: the chain (PEM or one DER) and the key. */
        public Builder identity(byte[] chainData, byte[] keyData, char[] password) {
            return identity(null, ClientMaterial.identityBytes(Objects.requireNonNull(chainData, "chainData"),
                    Objects.requireNonNull(keyData, "keyData"), password, "server"));
        }

        /**
         * An identity from a key entry of a {@link KeyStore} (e.g. PKCS#12): its chain as DER, its
         * key as PKCS#8, read now.
         *
         * @param alias the entry, or null for the key store's only key entry
         * @throws IllegalArgumentException if there is no such key entry, or it cannot be read
         */
        public Builder identity(KeyStore keyStore, String alias, char[] password) {
            return identity(null, ClientMaterial.identityKeyStore(Objects.requireNonNull(keyStore, "keyStore"), alias,
                    password));
        }

        /**
         * An identity only for clients that ask for {@code serverName} by SNI (ASCII case ignored,
         * no wildcards): {@link SslConfig#addSniIdentity}. Other clients get the
         * {@link #identity(Path, Path, char[])} ones.
         */
        public Builder sniIdentity(String serverName, Path chainFile, Path keyFile, char[] password) {
            return identity(checkName(serverName), ClientMaterial.identityFiles(Objects.requireNonNull(chainFile,
                    "chainFile"), Objects.requireNonNull(keyFile, "keyFile"), password, "server"));
        }

        /** {@link #sniIdentity(String, Path, Path, char[])} from a {@link KeyStore} key entry. */
        public Builder sniIdentity(String serverName, KeyStore keyStore, String alias, char[] password) {
            return identity(checkName(serverName), ClientMaterial.identityKeyStore(Objects.requireNonNull(keyStore,
                    "keyStore"), alias, password));
        }

        private Builder identity(String serverName, ClientMaterial.IdentitySource source) {
            identityNames.add(serverName);
            identities.add(source);
            return this;
        }

        private static String checkName(String name) {
            Objects.requireNonNull(name, "serverName");
            if (name.isEmpty() || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("server name '" + name + "' is empty or contains NUL");
            }
            return name;
        }

        /**
         * Pre-shared keys, looked up by the identity each client sends ({@link SslConfig#setPskLookup});
         * enough for a server without a certificate (give PSK suites with {@link #ciphersuites}).
         */
        public Builder pskLookup(PskLookup lookup) {
            this.pskLookup = Objects.requireNonNull(lookup, "lookup");
            return this;
        }

        /**
         * Whether clients must present a certificate ({@code mbedtls_ssl_conf_authmode}; default
         * {@link AuthMode#NONE}, none asked for): {@link AuthMode#REQUIRED} refuses a client without
         * a valid one, {@link AuthMode#OPTIONAL} asks and accepts any (check
         * {@link TlsConnection#verifyResult()}). Either needs trust anchors.
         */
        public Builder clientAuth(AuthMode mode) {
            settings.authMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Trusts the CA certificates of a PEM (or DER) file for client certificates, read by {@link #build()}. */
        public Builder trustPemFile(Path file) {
            settings.trust.add(ClientMaterial.caFiles(Objects.requireNonNull(file, "file"), false));
            return this;
        }

        /** Trusts the certificates of {@code data} for client certificates: PEM (any number) or one DER. */
        public Builder trust(byte[] data) {
            settings.trust.add(ClientMaterial.caBytes(Objects.requireNonNull(data, "data")));
            return this;
        }

        /** Trusts these certificates for client certificates. */
        public Builder trust(X509Certificate... certificates) {
            settings.trust.add(ClientMaterial.certificates(certificates));
            return this;
        }

        /** Checks client certificates against the CRLs of a PEM or DER file, read by {@link #build()}. */
        public Builder crlFile(Path file) {
            settings.crls.add(ClientMaterial.crlFile(Objects.requireNonNull(file, "file")));
            return this;
        }

        /** Checks client certificates against the CRLs in {@code data}, PEM or DER. */
        public Builder crl(byte[] data) {
            settings.crls.add(ClientMaterial.crlBytes(Objects.requireNonNull(data, "data")));
            return this;
        }

        /** The TLS versions allowed ({@code mbedtls_ssl_conf_min/max_tls_version}); default 1.2 to 1.3. */
        public Builder tlsVersions(TlsVersion min, TlsVersion max) {
            settings.tlsVersions(min, max);
            return this;
        }

        /** The cipher suites allowed, by Mbed TLS name, in the server's order ({@link SslConfig#setCiphersuites}). */
        public Builder ciphersuites(String... names) {
            settings.ciphersuites = Objects.requireNonNull(names, "names").clone();
            return this;
        }

        /** The application protocols, in the server's preference: it picks the first one the client offers. */
        public Builder alpn(String... protocols) {
            settings.alpn = Objects.requireNonNull(protocols, "protocols").clone();
            return this;
        }

        /**
         * The TLS 1.2 session cache ({@link SslCache}; default 1000 sessions for a day); 0
         * entries turns it off.
         */
        public Builder sessionCache(int maxEntries, Duration timeout) {
            if (maxEntries < 0) {
                throw new IllegalArgumentException("maxEntries " + maxEntries + " is negative");
            }
            this.cacheEntries = maxEntries;
            this.cacheTimeoutSeconds = seconds(timeout, "session cache timeout");
            return this;
        }

        /**
         * Session tickets for TLS 1.2 and 1.3 ({@link SslTicket}: keys rotated every
         * {@code lifetime}; default a day); zero turns them off.
         */
        public Builder sessionTickets(Duration lifetime) {
            this.ticketLifetimeSeconds = seconds(lifetime, "ticket lifetime");
            return this;
        }

        private static int seconds(Duration d, String what) {
            int ms = TlsSettings.millis(d, what);
            return (int) Math.min(Integer.MAX_VALUE, (ms + 999L) / 1000);
        }

        /** Limit for each handshake (default 30 seconds); zero: none. */
        public Builder handshakeTimeout(Duration timeout) {
            settings.handshakeTimeoutMillis = TlsSettings.millis(timeout, "handshake timeout");
            return this;
        }

        /** Limit for each read's wait for data on a connection; zero: none (the default). */
        public Builder readTimeout(Duration timeout) {
            settings.readTimeoutMillis = TlsSettings.millis(timeout, "read timeout");
            return this;
        }

        /** Limit for each write's wait for the client to take data; zero: none (the default). */
        public Builder writeTimeout(Duration timeout) {
            settings.writeTimeoutMillis = TlsSettings.millis(timeout, "write timeout");
            return this;
        }

        /** The most handshakes at once (default 64): further clients wait in the listen queue. */
        public Builder maxHandshakes(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxHandshakes " + max + " is not positive");
            }
            this.maxHandshakes = max;
            return this;
        }

        /** The threads of the default pool (default 64): the connections {@link #serve} handles at once. */
        public Builder poolSize(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("poolSize " + threads + " is not positive");
            }
            this.poolSize = threads;
            return this;
        }

        /**
         * Runs {@link #serve}'s connections on {@code executor} instead of the default pool (on JDK
         * 21+, {@code Executors.newVirtualThreadPerTaskExecutor()} for a virtual thread each); the
         * caller shuts it down.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Routes Mbed TLS's debug messages of level 1 to {@code level} (0: off) to {@code callback}. */
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
         * Runs the configuration steps for a server ({@code mbedtls_ssl_config_defaults} with
         * {@code MBEDTLS_SSL_IS_SERVER}, the RNG, {@code mbedtls_ssl_conf_own_cert} per identity,
         * {@code mbedtls_ssl_conf_sni}, {@code mbedtls_ssl_conf_psk_cb}, the CA chain and CRLs,
         * {@code mbedtls_ssl_cache_*} and {@code mbedtls_ssl_ticket_*}), reading the files given.
         *
         * @throws IllegalStateException without an identity or a PSK lookup, or with client
         *     authentication but no trust anchors
         * @throws IOException for the files, as {@link TlsClient.Builder#build()} reports them
         */
        public TlsServer build() throws IOException {
            if (identities.isEmpty() && pskLookup == null) {
                throw new IllegalStateException("a server needs an identity: call identity(chain, key, password), "
                        + "or pskLookup(...) for pre-shared keys");
            }
            if (settings.authMode != AuthMode.NONE && settings.trust.isEmpty()) {
                throw new IllegalStateException("client authentication " + settings.authMode + " without trust anchors: "
                        + "call trustPemFile(...) or trust(...) with the CA of the client certificates");
            }
            SslConfig config = settings.build(SslConfig.Endpoint.SERVER, (c, drbg, owners) -> {
                for (int i = 0; i < identities.size(); i++) {
                    TlsSettings.ownCert(c, identities.get(i), identityNames.get(i), drbg, owners);
                }
                if (pskLookup != null) {
                    c.setPskLookup(pskLookup);
                }
                if (cacheEntries > 0) {
                    SslCache cache = TlsSettings.add(owners, new SslCache());
                    cache.setMaxEntries(cacheEntries);
                    cache.setTimeout(cacheTimeoutSeconds);
                    c.setSessionCache(cache);
                }
                if (ticketLifetimeSeconds > 0) {
                    SslTicket ticket = TlsSettings.add(owners, new SslTicket());
                    ticket.setup(drbg, ticketLifetimeSeconds);
                    c.setSessionTickets(ticket);
                }
            });
            return new TlsServer(this, config);
        }
    }
}
