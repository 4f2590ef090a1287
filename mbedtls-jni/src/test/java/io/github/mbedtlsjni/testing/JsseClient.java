package io.github.mbedtlsjni.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A plain JSSE client for the self-tests: connects to 127.0.0.1 under the name
 * {@code localhost} (SNI and HTTPS-style hostname verification against the SANs).
 */
final class JsseClient {
    private static final int TIMEOUT_MILLIS = 15_000;

    private JsseClient() {
    }

    /** Connects and completes the handshake. */
    static SSLSocket connect(SSLContext context, int port, TlsProtocol... protocols) throws IOException {
        Socket raw = connectRaw(port);
        return handshake(context, raw, port, true, protocols);
    }

    /** A plain TCP connection to 127.0.0.1:port with a read timeout. */
    static Socket connectRaw(int port) throws IOException {
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress(localhost(), port), TIMEOUT_MILLIS);
        raw.setSoTimeout(TIMEOUT_MILLIS);
        return raw;
    }

    /** Layers TLS over {@code raw} and completes the handshake. */
    static SSLSocket handshake(SSLContext context, Socket raw, int port, boolean autoClose, TlsProtocol... protocols)
            throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, TestPki.SERVER_NAME, port, autoClose);
        try {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (protocols.length > 0) {
                parameters.setProtocols(TlsProtocol.names(java.util.List.of(protocols)));
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Reads one {@code \n}-terminated line (without the terminator), or null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** Reads exactly {@code length} bytes. */
    static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] data = in.readNBytes(length);
        if (data.length != length) {
            throw new IOException("end of stream after " + data.length + " of " + length + " bytes");
        }
        return data;
    }

    static InetAddress localhost() throws IOException {
        return InetAddress.getByAddress(TestPki.SERVER_NAME, new byte[] {127, 0, 0, 1});
    }
}
