package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A TCP server on 127.0.0.1 (ephemeral port) that accepts every connection and then neither
 * reads nor writes: a client's handshake blocks waiting for the ServerHello, and a client's
 * writes block once the socket buffers are full. Accepted connections are held open (the oldest
 * are closed beyond {@code maxHeld}) until {@link #close()}.
 */
public final class SilentServer implements AutoCloseable {
    private final ServerSocket serverSocket;
    private final Deque<Socket> held = new ArrayDeque<>(); // guarded by itself
    private final int maxHeld;
    private final Thread acceptor;
    private volatile boolean closed;

    private SilentServer(int maxHeld) throws IOException {
        this.maxHeld = maxHeld;
        serverSocket = new ServerSocket(0, 100, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        acceptor = new Thread(this::acceptLoop, "silent-server-" + serverSocket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server holding at most 1000 connections open at a time. */
    public static SilentServer start() {
        return start(1000);
    }

    /** Starts a server holding at most {@code maxHeld} connections open at a time. */
    public static SilentServer start(int maxHeld) {
        try {
            return new SilentServer(maxHeld);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start silent server", e);
        }
    }

    /** The port the server listens on, at 127.0.0.1. */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** How many connections are held open now. */
    public int heldCount() {
        synchronized (held) {
            return held.size();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            Socket evicted = null;
            synchronized (held) {
                if (closed) {
                    evicted = socket;
                } else {
                    held.addLast(socket);
                    if (held.size() > maxHeld) {
                        evicted = held.removeFirst();
                    }
                }
            }
            closeQuietly(evicted);
        }
    }

    /** Stops accepting and closes every held connection. */
    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (held) {
            for (Socket s : held) {
                closeQuietly(s);
            }
            held.clear();
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // gone either way
        }
    }

    @Override
    public String toString() {
        return "SilentServer[127.0.0.1:" + port() + "]";
    }
}
