package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * The client sessions of one SSLContext, for resumption: the latest resumable Mbed TLS session
 * ({@link SslSession}, from {@code mbedtls_ssl_get_session}: TLS 1.2 after the handshake, TLS 1.3
 * with each ticket) per server host and port, offered to the next connection to the same peer.
 * Least recently used first out when full; entries older than the timeout are not offered.
 *
 * <p>Locking: every method holds this object's monitor; it is taken after an engine's
 * ({@code offerTo} runs inside an engine's start) and never before one.
 */
final class ClientSessions implements SSLSessionContext {
    private static final class Entry {
        final MbedTlsSession session;
        final SslSession resumable;

        Entry(MbedTlsSession session, SslSession resumable) {
            this.session = session;
            this.resumable = resumable;
        }
    }

    private final Map<Peer, Entry> byPeer = new LinkedHashMap<>(16, 0.75f, true); // guarded by this
    private int size = 20480; // guarded by this
    private int timeoutSeconds = 86400; // guarded by this

    /** A server: host and port. */
    private static final class Peer {
        final String host;
        final int port;

        Peer(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Peer && ((Peer) o).port == port && ((Peer) o).host.equals(host);
        }

        @Override
        public int hashCode() {
            return host.hashCode() * 31 + port;
        }
    }

    private static Peer key(String host, int port) {
        return new Peer(host, port);
    }

    /**
     * Offers the session kept for host:port to {@code target}'s coming handshake
     * ({@code mbedtls_ssl_set_session}, which copies it), if {@code usable} accepts it.
     *
     * @return the JSSE session the offered one continues, or null if none was offered (nothing
     *     kept, not usable, or refused by Mbed TLS: a full handshake then)
     */
    synchronized MbedTlsSession offerTo(String host, int port, Predicate<MbedTlsSession> usable, SslContext target) {
        if (host == null || port <= 0) {
            return null;
        }
        Entry e = byPeer.get(key(host, port));
        if (e == null) {
            return null;
        }
        if (expired(e.session)) {
            remove(key(host, port));
            return null;
        }
        if (!usable.test(e.session)) {
            return null;
        }
        try {
            target.setSession(e.resumable);
            return e.session;
        } catch (MbedTlsException refused) {
            return null;
        }
    }

    /** Keeps {@code resumable} (now owned here) for host:port, replacing what was there. */
    synchronized void put(String host, int port, MbedTlsSession session, SslSession resumable) {
        if (host == null || port <= 0) {
            resumable.close();
            return;
        }
        Entry old = byPeer.put(key(host, port), new Entry(session, resumable));
        if (old != null) {
            old.resumable.close();
        }
        trim();
    }

    synchronized boolean isCurrent(MbedTlsSession session) {
        for (Entry e : byPeer.values()) {
            if (e.session == session) {
                return !expired(session);
            }
        }
        return false;
    }

    synchronized void remove(MbedTlsSession session) {
        for (Iterator<Map.Entry<Peer, Entry>> it = byPeer.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (e.session == session) {
                e.resumable.close();
                it.remove();
            }
        }
    }

    private void remove(Peer key) {
        Entry e = byPeer.remove(key);
        if (e != null) {
            e.resumable.close();
        }
    }

    private boolean expired(MbedTlsSession s) {
        return timeoutSeconds > 0 && System.currentTimeMillis() - s.getCreationTime() > timeoutSeconds * 1000L;
    }

    private void trim() {
        for (Iterator<Entry> it = byPeer.values().iterator(); size > 0 && byPeer.size() > size && it.hasNext(); ) {
            it.next().resumable.close();
            it.remove();
        }
    }

    @Override
    public synchronized SSLSession getSession(byte[] sessionId) {
        if (sessionId == null) {
            throw new NullPointerException("sessionId");
        }
        for (Entry e : byPeer.values()) {
            if (Arrays.equals(e.session.getId(), sessionId) && !expired(e.session)) {
                return e.session;
            }
        }
        return null;
    }

    @Override
    public synchronized Enumeration<byte[]> getIds() {
        List<byte[]> ids = new ArrayList<>();
        for (Entry e : byPeer.values()) {
            if (!expired(e.session) && e.session.getId().length > 0) {
                ids.add(e.session.getId());
            }
        }
        return Collections.enumeration(ids);
    }

    @Override
    public synchronized void setSessionTimeout(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("timeout " + seconds + " s is negative");
        }
        timeoutSeconds = seconds;
        byPeer.values().removeIf(e -> {
            boolean gone = expired(e.session);
            if (gone) {
                e.resumable.close();
            }
            return gone;
        });
    }

    @Override
    public synchronized int getSessionTimeout() {
        return timeoutSeconds;
    }

    @Override
    public synchronized void setSessionCacheSize(int entries) {
        if (entries < 0) {
            throw new IllegalArgumentException("cache size " + entries + " is negative");
        }
        size = entries;
        trim();
    }

    @Override
    public synchronized int getSessionCacheSize() {
        return size;
    }
}
