package io.github.mbedtlsjni.testing;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Test fixture: the guide's client, built step by step from the thin classes with the options a
 * test varies. Closes everything it opened.
 */
public final class GuideClient implements AutoCloseable {
    public final Entropy entropy = new Entropy();
    public final CtrDrbg drbg = new CtrDrbg();
    public final SslConfig config = new SslConfig();
    public final X509Crt ca = new X509Crt();
    public final X509Crl crl = new X509Crl();
    public final NetContext net = new NetContext();
    public final SslContext ssl = new SslContext();

    private GuideClient() {}

    /** Everything up to and including {@code mbedtls_ssl_setup}. */
    public static GuideClient prepare(Path caPem, Path crlPem, AuthMode mode, TlsVersion min, TlsVersion max) {
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

    public static GuideClient prepare(Path caPem) {
        return prepare(caPem, null, AuthMode.REQUIRED, null, null);
    }

    /** Hostname, connect, bio, handshake. */
    public GuideClient connect(int port, String hostname) {
        ssl.setHostname(hostname);
        net.connect("127.0.0.1", port);
        ssl.setBio(net);
        ssl.handshake();
        return this;
    }

    public void send(String text) {
        ssl.writeFully(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads until {@code expectedBytes} bytes arrived or the peer closed. */
    public String receive(int expectedBytes) {
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
