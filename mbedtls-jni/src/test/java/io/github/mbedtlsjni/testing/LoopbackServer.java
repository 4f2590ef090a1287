package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every in-process server has: a listening socket on 127.0.0.1 (ephemeral port), an accept
 * thread, a worker thread per open connection (from a pool, so threads are reused across
 * connections), the open connections tracked, accepted and finished counts, and
 * {@link #close()}: stop accepting, close every open connection, interrupt the workers and wait
 * for every thread. A subclass says what is done with one connection ({@link #serve}).
 *
 * <p>{@link JsseServer} runs TLS over each connection, {@link HostileServer} a script of raw bytes.
 */
public abstract class LoopbackServer implements TestServer {
    private static final long JOIN_SECONDS = 10;

    private final String name;
    private final ServerSocket serverSocket;
    private final Set<Socket> open = new LinkedHashSet<>(); // guarded by itself; oldest first
    private final AtomicInteger accepted = new AtomicInteger();
    private int finished; // guarded by open
    private final ExecutorService workers;
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * A server accepting on {@code serverSocket} (bound, see {@link #bind}) once
     * {@link #startAccepting()} is called; {@code name} prefixes its threads' names:
     * {@code <name>-<port>-accept}, {@code <name>-<port>-conn-<n>}.
     */
    LoopbackServer(String name, ServerSocket serverSocket) {
        this.name = name;
        this.serverSocket = serverSocket;
        int port = serverSocket.getLocalPort();
        AtomicInteger threads = new AtomicInteger();
        workers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, name + "-" + port + "-conn-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        acceptor = new Thread(this::acceptLoop, name + "-" + port + "-accept");
        acceptor.setDaemon(true);
    }

    /** A server socket on 127.0.0.1, ephemeral port, with room for {@code backlog} pending connections. */
    static ServerSocket bind(int backlog) {
        try {
            return new ServerSocket(0, backlog, TestServer.loopback());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    /** Starts the accept thread; the subclass calls it once its own fields are set. */
    final void startAccepting() {
        acceptor.start();
    }

    @Override
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** How many connections have been accepted so far. */
    public int acceptedCount() {
        return accepted.get();
    }

    /** How many connections have been served to the end (and closed). */
    public int finishedCount() {
        synchronized (open) {
            return finished;
        }
    }

    /** How many accepted connections are open now. */
    public int openCount() {
        synchronized (open) {
            return open.size();
        }
    }

    /** Waits until {@code count} connections have been served to the end; false on timeout. */
    public boolean awaitFinished(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (open) {
            while (finished < count) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(open, remaining);
            }
            return true;
        }
    }

    /** Stops accepting, closes every open connection and waits for the server's threads to end. */
    @Override
    public void close() {
        closed = true;
        onClose();
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        List<Socket> sockets;
        synchronized (open) {
            sockets = new ArrayList<>(open);
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        synchronized (open) {
            open.removeAll(sockets); // a worker's socket goes when its serve returns, a held one here
        }
        workers.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
            if (!workers.awaitTermination(JOIN_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(this + ": connection threads did not end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[127.0.0.1:" + port() + "]";
    }

    /**
     * Serves connection number {@code id} (from 1, in accept order) on a worker thread; when it
     * returns, the socket is closed and the connection counts as finished.
     */
    abstract void serve(int id, Socket socket);

    /** Called on the accept thread for each open connection; by default runs {@link #serve} on a worker. */
    void dispatch(int id, Socket socket) {
        try {
            workers.execute(() -> {
                try {
                    serve(id, socket);
                } finally {
                    release(socket, true);
                }
            });
        } catch (RejectedExecutionException closing) {
            release(socket, false);
        }
    }

    /** Called first by {@link #close()}, before any socket is closed. */
    void onClose() {}

    /** Closes the oldest open connections until at most {@code max} are open. */
    final void closeOldestBeyond(int max) {
        List<Socket> evicted = new ArrayList<>();
        synchronized (open) {
            for (Iterator<Socket> it = open.iterator(); open.size() > max && it.hasNext(); ) {
                evicted.add(it.next());
                it.remove();
            }
        }
        for (Socket socket : evicted) {
            closeQuietly(socket);
        }
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the connection is over either way
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
                continue; // a failed accept of one connection; keep serving
            }
            int id = accepted.incrementAndGet();
            boolean registered;
            synchronized (open) {
                registered = !closed && open.add(socket); // close() closes what is registered
            }
            if (registered) {
                dispatch(id, socket);
            } else {
                closeQuietly(socket);
            }
        }
    }

    private void release(Socket socket, boolean served) {
        closeQuietly(socket);
        synchronized (open) {
            open.remove(socket);
            if (served) {
                finished++;
                open.notifyAll();
            }
        }
    }
}
