package io.github.mbedtlsjni.jsse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import javax.net.ssl.SSLServerSocketFactory;

/** The provider's {@link SSLServerSocketFactory}: {@link MbedTlsServerSocket}s of one SSLContext. */
final class MbedTlsServerSocketFactory extends SSLServerSocketFactory {
    private final ContextState context;

    MbedTlsServerSocketFactory(ContextState context) {
        this.context = context;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return context.defaultParameters().suites().clone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return CipherSuites.supported().toArray(new String[0]);
    }

    /** Unbound: {@code bind} it. */
    @Override
    public ServerSocket createServerSocket() throws IOException {
        return new MbedTlsServerSocket(context);
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return new MbedTlsServerSocket(context, port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return new MbedTlsServerSocket(context, port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
        return new MbedTlsServerSocket(context, port, backlog, address);
    }
}
