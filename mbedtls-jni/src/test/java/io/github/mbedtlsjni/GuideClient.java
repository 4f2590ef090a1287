package io.github.mbedtlsjni;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Test fixture: the guide's client, built step by step from the thin classes with the options a
 * test varies. Closes everything it opened.
 */
final class GuideClient implements AutoCloseable {
    final Entropy entropy = new Entropy();
    final CtrDrbg drbg = new CtrDrbg();
    final SslConfig config = new SslConfig();
    final X509Crt ca = new X509Crt();
    final X509Crl crl = new X509Crl();
    final NetContext net = new NetContext();
    final SslContext ssl = new SslContext();

    private GuideClient() {}

    /** Everything up to and including {@code mbedtls_ssl_setup}. */
    static GuideClient prepare(Path caPem, Path crlPem, AuthMode mode, TlsVersion min, TlsVersion max) {
        GuideClient c = new GuideClient();
        c.drbg.seed(c.entropy, "mbedtls-jni test");
        c.config.defaults();
        if (min != null) {
            c.config.setMinTlsVersion(min);
        }
        if (max != null) {
            c.config.setMaxTlsVersion(max);
        }
        c.config.setAuthMode(mode);
        c.config.setRng(c.drbg);
        c.ca.parseFile(caPem);
        if (crlPem != null) {
            c.crl.parseFile(crlPem);
            c.config.setCaChain(c.ca, c.crl);
        } else {
            c.config.setCaChain(c.ca);
        }
        c.ssl.setup(c.config);
        return c;
    }

    static GuideClient prepare(Path caPem) {
        return prepare(caPem, null, AuthMode.REQUIRED, null, null);
    }

    /** Hostname, connect, bio, handshake. */
    GuideClient connect(int port, String hostname) {
        ssl.setHostname(hostname);
        net.connect("127.0.0.1", port);
        ssl.setBio(net);
        ssl.handshake();
        return this;
    }

    void send(String text) {
        ssl.writeFully(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads until {@code expectedBytes} bytes arrived or the peer closed. */
    String receive(int expectedBytes) {
        byte[] buf = new byte[Math.max(expectedBytes, 1)];
        int total = 0;
        while (total < expectedBytes) {
            int n = ssl.read(buf, total, buf.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return new String(buf, 0, total, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        ssl.close();
        net.close();
        config.close();
        crl.close();
        ca.close();
        drbg.close();
        entropy.close();
    }
}
