package io.github.mbedtlsjni.testing;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Test fixture: a TLS server built step by step from the thin classes (Mbed TLS's
 * {@code ssl_server.c} order): {@link #prepare} loads defaults for a server, the RNG, no client
 * authentication ({@link AuthMode#NONE}) and the certificate/key pairs given; the test adds what it varies on {@link #config}, then
 * {@link #listen} binds 127.0.0.1 on a free port. Closes everything it opened.
 */
public final class GuideServer implements AutoCloseable {
    public final Entropy entropy = new Entropy();
    public final CtrDrbg drbg = new CtrDrbg();
    public final SslConfig config = new SslConfig();
    public final NetContext listener = new NetContext();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private int port;

    /** What one {@link #serveOne} saw. */
    public record Served(String protocol, String ciphersuite, String alpn, InetSocketAddress peer,
            String request, boolean resumed) {
    }

    private GuideServer() {}

    /** Defaults for a TLS server, the RNG, then {@code mbedtls_ssl_conf_own_cert} per (chain, key) PEM pair. */
    public static GuideServer prepare(Path... chainAndKeyPems) {
        GuideServer s = new GuideServer();
        s.drbg.seed(s.entropy, "mbedtls-jni test server");
        s.config.defaults(SslConfig.Endpoint.SERVER, SslConfig.Transport.STREAM);
        s.config.setRng(s.drbg);
        s.config.setAuthMode(AuthMode.NONE); // a server's defaults require a client certificate
        for (int i = 0; i + 1 < chainAndKeyPems.length; i += 2) {
            X509Crt chain = s.own(new X509Crt());
            chain.parseFile(chainAndKeyPems[i]);
            PkContext key = s.own(new PkContext());
            key.parseKeyFile(chainAndKeyPems[i + 1], null, s.drbg);
            s.config.setOwnCert(chain, key);
        }
        return s;
    }

    /** A server with the PKI's server chain and key. */
    public static GuideServer prepare(TestPki pki) {
        return prepare(pki.serverChainPem(), pki.serverKeyPem());
    }

    /** Something closed with this server (a CA chain, a CRL, a cache). */
    public <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** {@code mbedtls_net_bind} on 127.0.0.1, a free port. */
    public GuideServer listen() {
        port = listener.bind("127.0.0.1", 0);
        return this;
    }

    public int port() {
        return port;
    }

    /**
     * In another thread: accepts one client, handshakes, reads one record first if
     * {@code readFirst}, writes {@code reply}, sends close_notify and closes. {@code beforeHandshake}
     * sees the context after {@code mbedtls_ssl_setup}.
     */
    public CompletableFuture<Served> serveOne(String reply, boolean readFirst, Consumer<SslContext> beforeHandshake) {
        return CompletableFuture.supplyAsync(() -> {
            try (NetContext client = listener.accept(60_000); SslContext ssl = new SslContext()) {
                ssl.setup(config);
                beforeHandshake.accept(ssl);
                ssl.setBio(client);
                ssl.handshake();
                String request = "";
                if (readFirst) {
                    byte[] buf = new byte[4096];
                    int n = ssl.read(buf);
                    request = n > 0 ? new String(buf, 0, n, StandardCharsets.UTF_8) : "";
                }
                ssl.writeFully(reply.getBytes(StandardCharsets.UTF_8));
                ssl.closeNotify();
                return new Served(ssl.protocol(), ssl.ciphersuite(), ssl.alpnProtocol(), client.peerAddress(), request,
                        ssl.isResumed());
            } catch (SocketTimeoutException e) {
                throw new IllegalStateException("no client came", e);
            }
        });
    }

    public CompletableFuture<Served> serveOne(String reply) {
        return serveOne(reply, false, ssl -> { });
    }

    @Override
    public void close() {
        listener.close();
        config.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        drbg.close();
        entropy.close();
    }
}
