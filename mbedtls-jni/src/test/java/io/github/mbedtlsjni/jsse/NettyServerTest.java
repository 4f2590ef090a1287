package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Netty server on the provider ({@code SslContextBuilder.forServer(...).sslContextProvider(...)},
 * Netty's SslHandler on the provider's engine in server mode), negotiating h2 by Netty's ALPN
 * configuration, served to {@code openssl s_client}, TLS 1.2 and 1.3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NettyServerTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void nettyServesWithAlpnSelectedByNetty(TlsProtocol protocol) throws Exception {
        ServerEngineTest.assumeSpoken(protocol);
        SslContext netty = SslContextBuilder.forServer(SslContexts.keyManagers(pki)).sslContextProvider(new MbedTlsProvider())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(netty.newHandler(ch.alloc()));
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                                    if (event instanceof SslHandshakeCompletionEvent
                                            && ((SslHandshakeCompletionEvent) event).isSuccess()) {
                                        String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                                        ctx.writeAndFlush(Unpooled.copiedBuffer("netty says " + alpn + "\n",
                                                StandardCharsets.UTF_8)).addListener(ChannelFutureListener.CLOSE);
                                    }
                                }
                            });
                        }
                    }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            String out = OpenSsl.run(Duration.ofSeconds(60), "s_client", "-connect", "127.0.0.1:" + port,
                    protocol == TlsProtocol.TLS_1_2 ? "-tls1_2" : "-tls1_3", "-servername", TestPki.SERVER_NAME,
                    "-CAfile", pki.rootPem().toString(), "-verify_return_error", "-alpn", "http/1.1,h2", "-ign_eof")
                    .output();
            assertTrue(out.contains("netty says h2"), out); // Netty's preference, not the client's order
            assertTrue(out.contains("ALPN protocol: h2"), out);
            assertTrue(out.contains("Verify return code: 0 (ok)"), out);
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
