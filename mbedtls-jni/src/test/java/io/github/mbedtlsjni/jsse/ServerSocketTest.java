package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The provider's {@code SSLServerSocket} and the server-mode {@code SSLSocket}s it accepts, on
 * the same engine as the client side: SunJSSE's {@code SSLSocket} and {@code HttpsURLConnection}
 * and {@code curl} as clients, TLS 1.2 and 1.3, client certificates needed and wanted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerSocketTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
            + "Connection: close\r\n\r\nhello\n";

    @TempDir
    static Path dir;

    TestPki pki;
    TestCert client;
    Path clientChain;
    Path clientKey;
    SSLContext server;

    @BeforeAll
    void setUp() throws Exception {
        pki = TestPki.create(dir, KeyType.EC_P256);
        client = CertBuilder.client("device 1").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        clientChain = pki.writeChain("client-chain.pem", client, pki.intermediate());
        clientKey = pki.writeKey("client-key.pem", client);
        KeyManagerFactory kmf = SslContexts.keyManagers(pki);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init((KeyStore) SslContexts.trustStore(pki.root().certificate()));
        server = SSLContext.getInstance("TLS", new MbedTlsProvider());
        server.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    }

    SSLServerSocket listen(Consumer<SSLServerSocket> setup) throws IOException {
        SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getByName(TestPki.SERVER_IP));
        setup.accept(ss);
        return ss;
    }

    /** Accepts one client and answers its HTTP request (or one line) with {@link #RESPONSE}; the accepted socket. */
    CompletableFuture<SSLSocket> serveOne(SSLServerSocket ss) {
        return CompletableFuture.supplyAsync(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.setSoTimeout(30_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    if (!line.startsWith("GET")) {
                        break; // not HTTP: one line
                    }
                }
                OutputStream out = s.getOutputStream();
                out.write(RESPONSE.getBytes(StandardCharsets.UTF_8));
                out.flush();
                return s;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    SSLContext sunClient(TestCert cert) {
        return cert == null ? SslContexts.client(pki.root().certificate())
                : SslContexts.client(cert.privateKey(), List.of(cert.certificate(), pki.intermediate().certificate()),
                        pki.root().certificate());
    }

    /** A SunJSSE SSLSocket's request; the server's accepted socket, after it answered. */
    SSLSocket sunJsseExchange(SSLServerSocket ss, SSLContext clientContext, TlsProtocol protocol) throws Exception {
        CompletableFuture<SSLSocket> served = serveOne(ss);
        sunJsseRequest(ss, clientContext, protocol);
        return served.get(HANG.toSeconds(), TimeUnit.SECONDS);
    }

    /** A SunJSSE SSLSocket's request, whose handshake the server refuses; the server's exception. */
    Throwable sunJsseRefused(SSLServerSocket ss, SSLContext clientContext, TlsProtocol protocol) throws Exception {
        CompletableFuture<SSLSocket> served = serveOne(ss);
        try {
            sunJsseRequest(ss, clientContext, protocol);
        } catch (IOException expected) {
            // the client sees the refusal as an alert or a closed connection, depending on the protocol
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> served.get(HANG.toSeconds(), TimeUnit.SECONDS));
        return e.getCause().getCause();
    }

    private void sunJsseRequest(SSLServerSocket ss, SSLContext clientContext, TlsProtocol protocol) throws IOException {
        try (SSLSocket c = (SSLSocket) clientContext.getSocketFactory().createSocket(TestPki.SERVER_IP,
                ss.getLocalPort())) {
            c.setEnabledProtocols(new String[] {protocol.protocolName()});
            c.setSoTimeout(30_000);
            c.getOutputStream().write("hello server\n".getBytes(StandardCharsets.UTF_8));
            c.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK", in.readLine());
            assertEquals(protocol.protocolName(), c.getSession().getProtocol());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void servesSunJsseSocket(TlsProtocol protocol) throws Exception {
        ServerEngineTest.assumeSpoken(protocol);
        try (SSLServerSocket ss = listen(s -> { })) {
            assertFalse(ss.getUseClientMode());
            SSLSocket accepted = sunJsseExchange(ss, sunClient(null), protocol);
            assertInstanceOf(MbedTlsSocket.class, accepted);
            assertFalse(accepted.getUseClientMode());
            assertEquals(protocol.protocolName(), accepted.getSession().getProtocol());
            assertEquals(pki.leaf().certificate(), accepted.getSession().getLocalCertificates()[0]);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void neededClientCertificate(TlsProtocol protocol) throws Exception {
        ServerEngineTest.assumeSpoken(protocol);
        try (SSLServerSocket ss = listen(s -> s.setNeedClientAuth(true))) {
            assertTrue(ss.getNeedClientAuth());
            assertTrue(ss.getSSLParameters().getNeedClientAuth());
            SSLSocket accepted = sunJsseExchange(ss, sunClient(client), protocol);
            assertTrue(accepted.getNeedClientAuth());
            assertEquals(client.certificate(), accepted.getSession().getPeerCertificates()[0]);

            assertInstanceOf(SSLException.class, sunJsseRefused(ss, sunClient(null), protocol));
        }
    }

    @Test
    void wantedClientCertificateMayBeMissing() throws Exception {
        try (SSLServerSocket ss = listen(s -> s.setWantClientAuth(true))) {
            SSLSocket accepted = sunJsseExchange(ss, sunClient(null), TlsProtocol.TLS_1_2);
            assertTrue(accepted.getWantClientAuth());
            assertThrows(javax.net.ssl.SSLPeerUnverifiedException.class, () -> accepted.getSession().getPeerCertificates());
        }
    }

    @Test
    void servesHttpsUrlConnection() throws Exception {
        try (SSLServerSocket ss = listen(s -> { })) {
            CompletableFuture<SSLSocket> served = serveOne(ss);
            HttpsURLConnection c = (HttpsURLConnection) new URL("https://" + TestPki.SERVER_IP + ":" + ss.getLocalPort()
                    + "/").openConnection();
            c.setSSLSocketFactory(sunClient(null).getSocketFactory());
            c.setConnectTimeout(30_000);
            c.setReadTimeout(30_000);
            assertEquals(200, c.getResponseCode());
            assertEquals("hello\n", new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertNotEquals(null, served.get(HANG.toSeconds(), TimeUnit.SECONDS).getSession().getCipherSuite());
        }
    }

    /** curl with {@code args}; its output, and the server's failure if the handshake failed. */
    String curl(SSLServerSocket ss, List<String> args, List<Throwable> serverFailure) throws Exception {
        CompletableFuture<SSLSocket> served = serveOne(ss);
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "--cacert",
                pki.rootPem().toString(), "https://" + TestPki.SERVER_IP + ":" + ss.getLocalPort() + "/"));
        command.addAll(args);
        String out = OpenSsl.runCommand(HANG, command).output();
        try {
            served.get(HANG.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            serverFailure.add(e.getCause().getCause());
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void servesCurl(TlsProtocol protocol) throws Exception {
        ServerEngineTest.assumeSpoken(protocol);
        String flag = protocol == TlsProtocol.TLS_1_2 ? "--tls-max" : "--tlsv1.3";
        List<String> version = protocol == TlsProtocol.TLS_1_2 ? List.of(flag, "1.2") : List.of(flag);
        try (SSLServerSocket ss = listen(s -> s.setNeedClientAuth(true))) {
            List<Throwable> failures = new ArrayList<>();
            List<String> args = new ArrayList<>(version);
            args.addAll(List.of("--cert", clientChain.toString(), "--key", clientKey.toString()));
            String out = curl(ss, args, failures);
            assertEquals(List.of(), failures, out);
            assertEquals("hello\n", out);

            String refused = curl(ss, version, failures);
            assertEquals(1, failures.size(), refused);
            assertInstanceOf(SSLException.class, failures.get(0));
            assertFalse(refused.contains("hello"), refused);
        }
    }

    @Test
    void closeWakesABlockedAcceptAndSettingsAreTakenAtAccept() throws Exception {
        SSLServerSocket ss = listen(s -> { });
        ss.setEnabledProtocols(new String[] {"TLSv1.2"});
        CompletableFuture<Socket> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return ss.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(100); // not a synchronisation: the accept may or may not be blocked yet, both must end
        ss.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(30, TimeUnit.SECONDS));
        assertInstanceOf(SocketException.class, e.getCause().getCause());
        try (SSLServerSocket other = listen(s -> { })) {
            assertThrows(IllegalArgumentException.class, () -> other.setEnabledProtocols(new String[] {"TLSv9"}));
            assertThrows(UnsupportedOperationException.class, () -> other.setEnableSessionCreation(false));
            assertThrows(IllegalArgumentException.class,
                    () -> other.setEnabledCipherSuites(new String[] {"TLS_PSK_WITH_AES_128_GCM_SHA256"}));
            UnsupportedOperationException layered = assertThrows(UnsupportedOperationException.class,
                    () -> server.getSocketFactory().createSocket(new Socket(), java.io.InputStream.nullInputStream(), true));
            assertTrue(layered.getMessage().contains("getServerSocketFactory()"), layered.getMessage());
        }
    }

    @Test
    void acceptedSocketsHaveTheServerSocketsProtocols() throws Exception {
        try (SSLServerSocket ss = listen(s -> s.setEnabledProtocols(new String[] {"TLSv1.2"}))) {
            SSLSocket accepted = sunJsseExchange(ss, sunClient(null), TlsProtocol.TLS_1_2);
            assertEquals("TLSv1.2", accepted.getSession().getProtocol());
            assertEquals(List.of("TLSv1.2"), List.of(accepted.getEnabledProtocols()));
            Certificate[] local = accepted.getSession().getLocalCertificates();
            assertEquals(2, local.length);
        }
    }
}
