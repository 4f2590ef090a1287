package io.github.mbedtlsjni.jsse;

import javax.net.ssl.SSLParameters;

/**
 * The settings of an engine, or of a server socket for the sockets it accepts: one immutable
 * {@link Parameters} value, replaced whole by JSSE's setters (which check names as SunJSSE does)
 * and read whole when a handshake starts.
 *
 * <p>Locking: its monitor guards the value; nothing else is locked while it is held.
 */
final class Settings {
    private Parameters params; // guarded by this

    Settings(Parameters params) {
        this.params = params;
    }

    /** The settings now. */
    synchronized Parameters get() {
        return params;
    }

    synchronized String[] enabledSuites() {
        return params.suites().clone();
    }

    synchronized void enableSuites(String[] suites) {
        params = params.withSuites(suites);
    }

    synchronized String[] enabledProtocols() {
        return params.protocols().clone();
    }

    synchronized void enableProtocols(String[] protocols) {
        params = params.withProtocols(protocols);
    }

    /** {@code setNeedClientAuth}: required, or none (as SunJSSE, the last of need and want decides). */
    synchronized void needClientAuth(boolean need) {
        params = params.withClientAuth(need ? Parameters.ClientAuth.NEEDED : Parameters.ClientAuth.NONE);
    }

    synchronized boolean needsClientAuth() {
        return params.clientAuth() == Parameters.ClientAuth.NEEDED;
    }

    /** {@code setWantClientAuth}: optional, or none. */
    synchronized void wantClientAuth(boolean want) {
        params = params.withClientAuth(want ? Parameters.ClientAuth.WANTED : Parameters.ClientAuth.NONE);
    }

    synchronized boolean wantsClientAuth() {
        return params.clientAuth() == Parameters.ClientAuth.WANTED;
    }

    synchronized SSLParameters toSslParameters() {
        return params.toSslParameters();
    }

    synchronized void update(SSLParameters p) {
        params = params.with(p);
    }
}
