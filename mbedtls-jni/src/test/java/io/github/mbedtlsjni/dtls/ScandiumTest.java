package io.github.mbedtlsjni.dtls;

import static io.github.mbedtlsjni.dtls.DtlsServerTest.assertEcho;
import static io.github.mbedtlsjni.dtls.DtlsServerTest.echoServer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsSession;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DTLS 1.2 with the Connection ID of RFC 9146 against Eclipse Californium's Scandium (pure Java),
 * both roles, PSK and certificates (on Mbed TLS 2.28, without CID); and real CoAP exchanges: a Californium CoAP server over
 * Scandium answering a GET sent through {@link DtlsClient}, and a Californium CoAP client over
 * Scandium getting a response from a {@link DtlsServer}, CID on.
 */
class ScandiumTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;

    @TempDir
    Path dir;

    @BeforeAll
    static void registerModules() {
        DtlsConfig.register();
        CoapConfig.register();
    }

    /** Scandium's configuration: the suite, a CID of {@code cidLength} bytes, a role. */
    static DtlsConnectorConfig.Builder scandium(CipherSuite suite, int cidLength, DtlsConfig.DtlsRole role) {
        Configuration config = Configuration.createStandardWithoutFile();
        return DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .set(DtlsConfig.DTLS_ROLE, role)
                .set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false)
                .set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(suite))
                .set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, Cids.AVAILABLE ? cidLength : null);
    }

    /** A Scandium connector that sends every datagram back. */
    static DTLSConnector scandiumEchoServer(DtlsConnectorConfig config) throws Exception {
        DTLSConnector connector = new DTLSConnector(config);
        connector.setRawDataReceiver(raw -> connector.send(
                RawData.outbound(raw.getBytes(), raw.getEndpointContext(), null, false)));
        connector.start();
        return connector;
    }

    @Test
    void ownClientToScandiumServerWithPskAndCid() {
        assertTimeoutPreemptively(HANG, () -> {
            DTLSConnector server = scandiumEchoServer(scandium(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, 6,
                    DtlsConfig.DtlsRole.SERVER_ONLY).setAdvancedPskStore(new AdvancedSinglePskStore(ID, KEY)).build());
            try (DtlsClient client = Cids.client(DtlsClient.builder().psk(ID, KEY), 4).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.getAddress().getPort())) {
                assertEquals("TLS-PSK-WITH-AES-128-CCM-8", c.ciphersuite());
                Cids.assertLength(6, c.peerCid()); // Scandium's CID, in this client's records
                Cids.assertLength(4, c.ownCid());
                for (int i = 0; i < 3; i++) {
                    assertEcho(c, "to scandium " + i);
                }
            } finally {
                server.destroy();
            }
        });
    }

    @Test
    void ownClientToScandiumServerWithCertificatesAndCid() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            DTLSConnector server = scandiumEchoServer(scandium(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 5,
                    DtlsConfig.DtlsRole.SERVER_ONLY)
                    .set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, CertificateAuthenticationMode.NONE)
                    .setCertificateIdentityProvider(new SingleCertificateProvider(pki.leaf().privateKey(),
                            new Certificate[] {pki.leaf().certificate(), pki.intermediate().certificate()},
                            CertificateType.X_509))
                    .build());
            try (DtlsClient client = Cids.client(DtlsClient.builder().trust(pki.root().certificate()), 4).build();
                    DtlsConnection c = client.connect(TestPki.SERVER_NAME, server.getAddress().getPort())) {
                assertEquals("TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8", c.ciphersuite());
                Cids.assertLength(5, c.peerCid());
                assertEcho(c, "verified scandium");
            } finally {
                server.destroy();
            }
        });
    }

    @Test
    void scandiumClientToOwnServerWithPskAndCid() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = Cids.server(echoServer().psk(ID, KEY), 6).start()) {
                DTLSConnector client = new DTLSConnector(scandium(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, 4,
                        DtlsConfig.DtlsRole.CLIENT_ONLY).setAdvancedPskStore(new AdvancedSinglePskStore(ID, KEY)).build());
                BlockingQueue<byte[]> received = new ArrayBlockingQueue<>(8);
                client.setRawDataReceiver(raw -> received.add(raw.getBytes()));
                client.start();
                try {
                    byte[] message = "from scandium".getBytes(StandardCharsets.UTF_8);
                    client.send(RawData.outbound(message, new AddressEndpointContext(server.localAddress()), null, false));
                    assertArrayEquals(message, received.poll(HANG.toSeconds(), TimeUnit.SECONDS));
                    DtlsSession s = server.sessions().get(0);
                    Cids.assertLength(6, s.ownCid());
                    Cids.assertLength(4, s.peerCid()); // Scandium's CID, in the server's records
                } finally {
                    client.destroy();
                }
            }
        });
    }

    @Test
    void scandiumClientToOwnServerWithCertificatesAndCid() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            try (DtlsServer server = Cids.server(echoServer().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                    .clientAuth(AuthMode.NONE), 6).start()) {
                DTLSConnector client = new DTLSConnector(scandium(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 4,
                        DtlsConfig.DtlsRole.CLIENT_ONLY)
                        .set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false)
                        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                                .setTrustedCertificates(pki.root().certificate()).build())
                        .build());
                BlockingQueue<byte[]> received = new ArrayBlockingQueue<>(8);
                client.setRawDataReceiver(raw -> received.add(raw.getBytes()));
                client.start();
                try {
                    byte[] message = "verified by scandium".getBytes(StandardCharsets.UTF_8);
                    client.send(RawData.outbound(message, new AddressEndpointContext(server.localAddress()), null, false));
                    assertArrayEquals(message, received.poll(HANG.toSeconds(), TimeUnit.SECONDS));
                    Cids.assertLength(4, server.sessions().get(0).peerCid());
                } finally {
                    client.destroy();
                }
            }
        });
    }

    /** A CoAP GET through DtlsClient to a Californium CoAP server over Scandium (PSK, CID). */
    @Test
    void coapGetThroughDtlsClientToCalifornium() {
        assertTimeoutPreemptively(HANG, () -> {
            DTLSConnector connector = new DTLSConnector(scandium(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, 6,
                    DtlsConfig.DtlsRole.SERVER_ONLY).setAdvancedPskStore(new AdvancedSinglePskStore(ID, KEY)).build());
            Configuration coap = Configuration.createStandardWithoutFile();
            CoapServer server = new CoapServer(coap);
            server.addEndpoint(new CoapEndpoint.Builder().setConfiguration(coap).setConnector(connector).build());
            server.add(new CoapResource("hello") {
                @Override
                public void handleGET(CoapExchange exchange) {
                    exchange.respond(CoAP.ResponseCode.CONTENT, "world from californium");
                }
            });
            server.start();
            try (DtlsClient client = Cids.client(DtlsClient.builder().psk(ID, KEY), 4).build();
                    DtlsConnection c = client.connect("127.0.0.1", connector.getAddress().getPort())) {
                Request get = Request.newGet();
                get.setURI("coap://localhost/hello");
                get.setMID(0x1234);
                get.setToken(new byte[] {1, 2, 3, 4});
                get.setConfirmable(true);
                c.send(new UdpDataSerializer().getByteArray(get));
                Response response = (Response) new UdpDataParser().parseMessage(c.receive(HANG));
                assertEquals(CoAP.ResponseCode.CONTENT, response.getCode());
                assertEquals(0x1234, response.getMID(), "a piggybacked response to our GET");
                assertEquals("world from californium", response.getPayloadString());
                Cids.assertLength(6, c.peerCid());
            } finally {
                server.destroy();
            }
        });
    }

    /** A Californium CoAP client over Scandium getting a response from DtlsServer (PSK, CID). */
    @Test
    void californiumCoapClientGetsFromDtlsServer() {
        assertTimeoutPreemptively(HANG, () -> {
            UdpDataParser parser = new UdpDataParser();
            UdpDataSerializer serializer = new UdpDataSerializer();
            try (DtlsServer server = Cids.server(DtlsServer.builder()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .psk(ID, KEY), 6)
                    .handler((session, data) -> {
                        byte[] bytes = new byte[data.remaining()];
                        data.get(bytes);
                        Request request = (Request) parser.parseMessage(bytes);
                        Response response = new Response(CoAP.ResponseCode.CONTENT);
                        response.setType(CoAP.Type.ACK);
                        response.setMID(request.getMID());
                        response.setToken(request.getToken());
                        response.setPayload("hello " + request.getOptions().getUriPathString() + " from mbedtls-jni");
                        session.send(ByteBuffer.wrap(serializer.getByteArray(response)));
                    }).start()) {
                Configuration coap = Configuration.createStandardWithoutFile();
                DTLSConnector connector = new DTLSConnector(scandium(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, 4,
                        DtlsConfig.DtlsRole.CLIENT_ONLY).setAdvancedPskStore(new AdvancedSinglePskStore(ID, KEY)).build());
                CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(coap).setConnector(connector).build();
                CoapClient client = new CoapClient("coaps://127.0.0.1:" + server.port() + "/sensors/temp");
                client.setEndpoint(endpoint);
                client.setTimeout(HANG.toMillis());
                try {
                    CoapResponse response = client.get();
                    assertNotNull(response, "no CoAP response within " + HANG);
                    assertEquals(CoAP.ResponseCode.CONTENT, response.getCode());
                    assertEquals("hello sensors/temp from mbedtls-jni", response.getResponseText());
                    DtlsSession s = server.sessions().get(0);
                    Cids.assertLength(4, s.peerCid()); // CID on: Californium's, in the server's records
                    Cids.assertLength(6, s.ownCid());
                    assertTrue(server.stats().handshakes() == 1);
                } finally {
                    client.shutdown();
                    endpoint.destroy();
                }
            }
        });
    }
}
