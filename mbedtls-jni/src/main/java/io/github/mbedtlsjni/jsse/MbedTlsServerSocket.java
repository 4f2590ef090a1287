package io.github.mbedtlsjni.jsse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * The provider's {@link SSLServerSocket}: a plain listening socket whose {@link #accept()} returns
 * each client as an {@link MbedTlsSocket} in server mode, on the same engine as a client socket,
 * with this server socket's settings at the time of the accept (protocols, cipher suites, client
 * authentication, ALPN; {@code setUseClientMode(true)} makes the accepted sockets clients, as
 * JSSE specifies). The handshake runs on the accepted socket's first read, write or
 * {@code startHandshake}, on that caller's thread, so a slow client never holds up
 * {@code accept}. {@link #close()} from another thread wakes a blocked {@code accept}.
 *
 * <p>Locking: none of its own; its {@link Settings} lock is taken alone, never during
 * {@code accept}.
 */
final class MbedTlsServerSocket extends SSLServerSocket {
    private final ContextState context;
    private final Settings settings;
    private volatile boolean clientMode;

    /** Unbound. */
    MbedTlsServerSocket(ContextState context) throws IOException {
        this.context = context;
        this.settings = new Settings(context.defaultParameters());
    }

    /** Bound to {@code port} (0: any) on {@code address} (null: every interface). */
    MbedTlsServerSocket(ContextState context, int port, int backlog, InetAddress address) throws IOException {
        super(port, backlog, address);
        this.context = context;
        this.settings = new Settings(context.defaultParameters());
    }

    /**
     * Waits for a client and returns its TLS socket, not yet handshaken; its settings are this
     * server socket's now.
     */
    @Override
    public Socket accept() throws IOException {
        // ServerSocket's own accept: a plain socket made without an impl of its own. Accepting
        // into a `new Socket()` instead makes implAccept copy options from an impl not yet
        // created, and the JDK throws and catches a SocketException for that on every accept.
        Socket plain = super.accept();
        return new MbedTlsSocket(context, plain, settings.get(), clientMode);
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return CipherSuites.supported().toArray(new String[0]);
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return settings.enabledSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        settings.enableSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return Protocols.supported().toArray(new String[0]);
    }

    @Override
    public String[] getEnabledProtocols() {
        return settings.enabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        settings.enableProtocols(protocols);
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        settings.needClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return settings.needsClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        settings.wantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return settings.wantsClientAuth();
    }

    @Override
    public void setUseClientMode(boolean mode) {
        clientMode = mode;
    }

    @Override
    public boolean getUseClientMode() {
        return clientMode;
    }

    /** Sessions are always made: {@code false} is refused, as on the provider's engine. */
    @Override
    public void setEnableSessionCreation(boolean flag) {
        if (!flag) {
            throw new UnsupportedOperationException("setEnableSessionCreation(false) is not supported");
        }
    }

    @Override
    public boolean getEnableSessionCreation() {
        return true;
    }

    @Override
    public SSLParameters getSSLParameters() {
        return settings.toSslParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters p) {
        settings.update(p);
    }

    @Override
    public String toString() {
        return "MbedTlsServerSocket[" + getLocalSocketAddress() + "]";
    }
}
