package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on 127.0.0.1 that plays a NAT: a client sends to {@link #port()}, the proxy
 * forwards each datagram to the server from its current upstream socket and relays the server's
 * answers back. {@link #rebind()} replaces the upstream socket by a new one (a new source port,
 * as when a NAT's mapping expires): from then on the server sees the client's datagrams come from
 * another address. Counts what each upstream socket received from the server.
 */
public final class RebindingProxy implements AutoCloseable {
    private final DatagramChannel front;
    private final InetSocketAddress server;
    private volatile Upstream upstream;
    private final java.util.List<Upstream> upstreams = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile SocketAddress client;
    private final Thread frontThread;
    private volatile boolean closed;

    /** One upstream socket and what it relayed back. */
    public static final class Upstream {
        final DatagramChannel channel;
        final AtomicLong fromServer = new AtomicLong();
        Thread thread;

        Upstream(DatagramChannel channel) {
            this.channel = channel;
        }

        /** The source port the server sees. */
        public int port() {
            try {
                return ((InetSocketAddress) channel.getLocalAddress()).getPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Datagrams the server sent to this socket. */
        public long fromServer() {
            return fromServer.get();
        }
    }

    public RebindingProxy(int serverPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.server = new InetSocketAddress(loopback, serverPort);
        this.front = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        this.upstream = openUpstream();
        this.frontThread = new Thread(this::relayFromClient, "rebinding-proxy-front");
        this.frontThread.setDaemon(true);
        this.frontThread.start();
    }

    /** The port clients send to. */
    public int port() {
        try {
            return ((InetSocketAddress) front.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The upstream socket in use now. */
    public Upstream upstream() {
        return upstream;
    }

    /** A new upstream socket (new source port) from now on; the old one keeps relaying answers. */
    public Upstream rebind() throws IOException {
        upstream = openUpstream();
        return upstream;
    }

    private Upstream openUpstream() throws IOException {
        Upstream u = new Upstream(DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        u.thread = new Thread(() -> relayFromServer(u), "rebinding-proxy-upstream-" + u.port());
        u.thread.setDaemon(true);
        u.thread.start();
        upstreams.add(u);
        return u;
    }

    private void relayFromClient() {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (!closed) {
                buffer.clear();
                client = front.receive(buffer);
                buffer.flip();
                upstream.channel.send(buffer, server);
            }
        } catch (AsynchronousCloseException e) {
            // closed
        } catch (IOException e) {
            if (!closed) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void relayFromServer(Upstream u) {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (!closed) {
                buffer.clear();
                u.channel.receive(buffer);
                u.fromServer.incrementAndGet();
                buffer.flip();
                SocketAddress to = client;
                if (to != null) {
                    front.send(buffer, to);
                }
            }
        } catch (AsynchronousCloseException e) {
            // closed
        } catch (IOException e) {
            if (!closed) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        for (Upstream u : upstreams) {
            u.channel.close();
        }
    }
}
