package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.SslCache;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslTicket;
import java.util.Collections;
import java.util.Enumeration;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * The server {@link SSLSessionContext} of an {@code SSLContext}: Mbed TLS's session cache
 * ({@link SslCache}, TLS 1.2 resumption by session id) and session tickets ({@link SslTicket},
 * TLS 1.2 and 1.3), shared by every server connection of the context. The size and timeout are
 * the cache's ({@code mbedtls_ssl_cache_set_max_entries}, {@code _set_timeout}); Mbed TLS keeps
 * the cached sessions itself, so they are not listed ({@link #getIds()} is empty) and cannot be
 * looked up by id. Tickets are sealed with keys rotated daily, whatever the timeout.
 *
 * <p>Locking: its monitor guards the two settings; Mbed TLS locks the cache and ticket keys
 * itself. Nothing else is locked while it is held.
 */
final class ServerSessions implements SSLSessionContext {
    /** Mbed TLS's own defaults for the cache: 50 sessions, for a day. */
    static final int DEFAULT_SIZE = 50;
    static final int DEFAULT_TIMEOUT = 86400;
    /** How long a ticket key seals new tickets; a ticket lives as long (the most TLS 1.3 allows is a week). */
    private static final int TICKET_LIFETIME = 86400;

    private final SslCache cache = new SslCache();
    private final SslTicket ticket = new SslTicket();
    private int size = DEFAULT_SIZE; // guarded by this
    private int timeout = DEFAULT_TIMEOUT; // guarded by this

    ServerSessions(CtrDrbg drbg) {
        cache.setMaxEntries(DEFAULT_SIZE);
        cache.setTimeout(DEFAULT_TIMEOUT);
        ticket.setup(drbg, TICKET_LIFETIME);
    }

    /** Gives a server config this context's cache and tickets. */
    void configure(SslConfig config) {
        config.setSessionCache(cache);
        config.setSessionTickets(ticket);
    }

    /** Not kept here: Mbed TLS's cache holds the sessions. */
    @Override
    public SSLSession getSession(byte[] sessionId) {
        if (sessionId == null) {
            throw new NullPointerException("session id is null");
        }
        return null;
    }

    /** None listed: Mbed TLS's cache holds the sessions. */
    @Override
    public Enumeration<byte[]> getIds() {
        return Collections.emptyEnumeration();
    }

    /** {@code mbedtls_ssl_cache_set_timeout}: seconds a cached session may be resumed; 0 for no limit. */
    @Override
    public synchronized void setSessionTimeout(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("session timeout " + seconds + " s is negative");
        }
        cache.setTimeout(seconds);
        timeout = seconds;
    }

    @Override
    public synchronized int getSessionTimeout() {
        return timeout;
    }

    /** {@code mbedtls_ssl_cache_set_max_entries}: sessions cached; 0 for no limit. */
    @Override
    public synchronized void setSessionCacheSize(int sessions) {
        if (sessions < 0) {
            throw new IllegalArgumentException("session cache size " + sessions + " is negative");
        }
        cache.setMaxEntries(sessions);
        size = sessions;
    }

    @Override
    public synchronized int getSessionCacheSize() {
        return size;
    }
}
