package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The IoT case and the event-loop case: Eclipse Paho's MQTT client (a sender and a receiver
 * thread on one SSLSocket: full duplex) publishing to and receiving from a real mosquitto broker
 * over TLS 1.2 and 1.3, and a Netty client (SslContextBuilder with the MbedTLS provider,
 * Netty's SslHandler on the provider's SSLEngine) exchanging data with a server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttAndNettyTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /** mosquitto with one TLS listener on 127.0.0.1, {@code protocol} or newer (anonymous clients allowed). */
    private ExternalServer mosquitto(Path work, TlsProtocol protocol) {
        Path mosquitto = ExternalServer.require("mosquitto", "mosquitto");
        return ExternalServer.startOnFreePort(port -> {
            String conf = String.join("\n",
                    "user " + System.getProperty("user.name"),
                    "persistence false",
                    "log_dest stderr",
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "certfile " + pki.serverChainPem(),
                    "keyfile " + pki.serverKeyPem(),
                    "tls_version " + (protocol == TlsProtocol.TLS_1_2 ? "tlsv1.2" : "tlsv1.3"),
                    "");
            Path confFile = work.resolve("mosquitto.conf");
            try {
                Files.createDirectories(work);
                Files.writeString(confFile, conf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return ExternalServer.builder("mosquitto", work, port).command(mosquitto.toString(), "-c", confFile.toString());
        });
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void pahoPublishesAndReceivesThroughMosquittoOverTls(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        // TLS 1.2: the client offers only 1.2 (a TLSv1.2 context); TLS 1.3: the broker takes only 1.3
        SSLContext context = SSLContext.getInstance(protocol.protocolName(), new MbedTlsProvider());
        context.init(null, SslEngineTest.trustManagers(pki.root()), null);
        try (ExternalServer broker = mosquitto(dir.resolve("mosquitto-" + protocol), protocol)) {
            Recording factory = new Recording(context.getSocketFactory());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setSocketFactory(factory);
            options.setHttpsHostnameVerificationEnabled(true); // Paho sets endpoint identification HTTPS
            options.setConnectionTimeout(20);
            options.setKeepAliveInterval(30);
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            MqttClient client = new MqttClient("ssl://" + TestPki.SERVER_NAME + ":" + broker.port(), "mbedtls-jni-test",
                    new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    received.add("lost: " + cause);
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            client.connect(options);
            try {
                assertEquals(1, factory.sockets.size(), "Paho's one socket");
                SSLSocket socket = (SSLSocket) factory.sockets.get(0);
                assertEquals(protocol.protocolName(), socket.getSession().getProtocol());
                assertEquals(MbedTlsSocket.class, socket.getClass());
                client.subscribe("sensors/#", 1);
                for (int i = 0; i < 5; i++) {
                    client.publish("sensors/t" + i, ("21." + i).getBytes(StandardCharsets.UTF_8), 1, false);
                }
                for (int i = 0; i < 5; i++) {
                    assertEquals("sensors/t" + i + "=21." + i, received.poll(30, TimeUnit.SECONDS), broker::output);
                }
            } finally {
                client.disconnect(5000);
                client.close();
            }
            assertTrue(received.isEmpty(), received::toString);
        }
    }

    /** The provider's socket factory, keeping the sockets it made (Paho does not show its own). */
    private static final class Recording extends SSLSocketFactory {
        final SSLSocketFactory factory;
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Recording(SSLSocketFactory factory) {
            this.factory = factory;
        }

        private Socket kept(Socket s) {
            sockets.add(s);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return factory.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return factory.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return kept(factory.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return kept(factory.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return kept(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return kept(factory.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return kept(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return kept(factory.createSocket(address, port, localAddress, localPort));
        }
    }

    @Test
    void nettyClientOnTheProvidersEngineExchangesDataWithAServer() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("root", pki.root().certificate());
        tmf.init(ks);
        SslContext netty = SslContextBuilder.forClient().sslContextProvider(new MbedTlsProvider())
                .trustManager(tmf).endpointIdentificationAlgorithm("HTTPS").protocols(TlsProtocol.TLS_1_2.protocolName())
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (JsseServer server = JsseServer.start(pki)) {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(netty.newHandler(ch.alloc(), TestPki.SERVER_NAME, server.port()));
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    received.add(msg.toString(StandardCharsets.UTF_8));
                                }
                            });
                        }
                    });
            Channel channel = b.connect(TestPki.SERVER_NAME, server.port()).sync().channel();
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            assertTrue(ssl.handshakeFuture().await(30, TimeUnit.SECONDS), "handshake");
            assertTrue(ssl.handshakeFuture().isSuccess(), () -> String.valueOf(ssl.handshakeFuture().cause()));
            assertEquals(MbedTlsEngine.class, ssl.engine().getClass());
            channel.writeAndFlush(Unpooled.copiedBuffer("hello netty", StandardCharsets.UTF_8)).sync();
            StringBuilder echo = new StringBuilder();
            while (echo.length() < "hello netty".length()) {
                String part = received.poll(30, TimeUnit.SECONDS);
                assertTrue(part != null, "the echo arrived");
                echo.append(part);
            }
            assertEquals("hello netty", echo.toString());
            assertEquals(TlsProtocol.TLS_1_2.protocolName(), ssl.engine().getSession().getProtocol());
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }
}
