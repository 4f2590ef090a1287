package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * (e)/(f) Cold start: a fresh JVM that does exactly one verified handshake and exits, timed from
 * outside by {@code mbedtls_bench spawn} (wall time and peak RSS).
 *
 * <pre>java -cp ... io.github.mbedtlsjni.bench.ColdStart jni|jsse PORT ROOT.pem [HOST [NAME]]</pre>
 *
 * The classes of the other client are never loaded. Exit status 0 only after a verified handshake.
 */
public final class ColdStart {
    private ColdStart() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        Path ca = Path.of(args[2]);
        String host = args.length > 3 ? args[3] : "127.0.0.1";
        String name = args.length > 4 ? args[4] : "localhost";
        if (args[0].equals("jni")) {
            jni(host, port, ca, name);
        } else if (args[0].equals("jsse")) {
            jsse(host, port, ca, name);
        } else {
            throw new IllegalArgumentException("jni or jsse");
        }
    }

    /** The guide's client (README "The guide, in Java"). */
    private static void jni(String host, int port, Path caFile, String name) {
        try (NetContext net = new NetContext();
                Entropy entropy = new Entropy();
                CtrDrbg drbg = new CtrDrbg();
                SslConfig config = new SslConfig();
                SslContext ssl = new SslContext();
                X509Crt ca = new X509Crt()) {
            drbg.seed(entropy, "cold start");
            config.defaults();
            config.setRng(drbg);
            ca.parseFile(caFile);
            config.setCaChain(ca, null);
            ssl.setup(config);
            ssl.setHostname(name);
            net.connect(host, port);
            ssl.setBio(net);
            ssl.handshake();
            ssl.closeNotify();
        }
    }

    private static void jsse(String host, int port, Path caFile, String name) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            ks.setCertificateEntry("root", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        Socket raw = new Socket();
        raw.setTcpNoDelay(true);
        raw.connect(new InetSocketAddress(host, port));
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(raw, name, port, true)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
        }
    }
}
