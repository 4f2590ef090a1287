package io.github.mbedtlsjni.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/** The provider's {@link SSLSocketFactory}: {@link MbedTlsSocket}s of one SSLContext. */
final class MbedTlsSocketFactory extends SSLSocketFactory {
    private final ContextState context;

    MbedTlsSocketFactory(ContextState context) {
        this.context = context;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return CipherSuites.supported().toArray(new String[0]);
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return CipherSuites.supported().toArray(new String[0]);
    }

    @Override
    public Socket createSocket() {
        return new MbedTlsSocket(context, new Socket(), null, -1);
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        if (!s.isConnected()) {
            throw new java.net.SocketException("the socket to layer over is not connected");
        }
        return new MbedTlsSocket(context, s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) {
        throw new UnsupportedOperationException("createSocket(socket, consumed, autoClose), a server socket over "
                + "bytes already read, is not supported in server mode by the MbedTLS provider: accept through "
                + "getServerSocketFactory(), or run its SSLEngine in server mode and unwrap the consumed bytes first");
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(host, port));
        return new MbedTlsSocket(context, plain, host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(localHost, localPort));
        plain.connect(new InetSocketAddress(host, port));
        return new MbedTlsSocket(context, plain, host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(address, port));
        return new MbedTlsSocket(context, plain, address.getHostName(), port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(localAddress, localPort));
        plain.connect(new InetSocketAddress(address, port));
        return new MbedTlsSocket(context, plain, address.getHostName(), port);
    }
}
