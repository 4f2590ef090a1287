package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.AuthMode;
import io.github.mbedtlsjni.CertificateVerificationException;
import io.github.mbedtlsjni.CtrDrbg;
import io.github.mbedtlsjni.Entropy;
import io.github.mbedtlsjni.MbedTls;
import io.github.mbedtlsjni.MbedTlsException;
import io.github.mbedtlsjni.NetContext;
import io.github.mbedtlsjni.SslConfig;
import io.github.mbedtlsjni.SslContext;
import io.github.mbedtlsjni.VerifyResult;
import io.github.mbedtlsjni.X509Crl;
import io.github.mbedtlsjni.X509Crt;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs {@code connect}: the steps of the Mbed TLS developer guide through the public API, exactly
 * as an application would, recording what happened in a {@link ConnectResult}. Never throws: a
 * failure becomes the result's error.
 */
final class ConnectCommand {
    private final ConnectOptions options;

    private boolean handshakeOk;
    private boolean verifyFailed;
    private int errorCode;
    private String error;
    private VerifyResult verify;
    private String protocol;
    private String ciphersuite;
    private String peerSubject;
    private String mbedtlsVersion;
    private ByteArrayOutputStream received;

    private ConnectCommand(ConnectOptions options) {
        this.options = options;
    }

    /** Connects as {@code options} say and reports what happened. */
    static ConnectResult run(ConnectOptions options) {
        ConnectCommand command = new ConnectCommand(options);
        try {
            command.mbedtlsVersion = MbedTls.version();
            command.connect();
        } catch (MbedTlsException e) {
            command.errorCode = e.code();
            command.error = e.getMessage();
        } catch (RuntimeException | LinkageError e) {
            // Not an Mbed TLS error: the native library did not load, or a bug. Report, don't crash.
            command.error = e.toString();
        }
        return command.result();
    }

    private void connect() {
        try (NetContext net = new NetContext();
                Entropy entropy = new Entropy();
                CtrDrbg drbg = new CtrDrbg();
                SslConfig config = new SslConfig();
                SslContext ssl = new SslContext();
                X509Crt ca = options.caFile() == null ? null : new X509Crt();
                X509Crl crl = options.crlFile() == null ? null : new X509Crl()) {
            drbg.seed(entropy, "mbedtls-jni-cli");
            config.defaults();
            config.setMinTlsVersion(options.tlsMin());
            if (options.tlsMax() != null) {
                config.setMaxTlsVersion(options.tlsMax());
            }
            config.setAuthMode(options.verify());
            if (ca != null) {
                ca.parseFile(options.caFile());
                if (crl != null) {
                    crl.parseFile(options.crlFile());
                }
                config.setCaChain(ca, crl);
            }
            config.setRng(drbg);
            ssl.setup(config);
            ssl.setHostname(options.serverName());
            net.connect(options.host(), options.port());
            ssl.setBio(net);
            handshake(ssl);
            if (options.send() != null) {
                exchange(ssl, options.send());
            }
            closeNotify(ssl);
        }
    }

    private void handshake(SslContext ssl) {
        try {
            ssl.handshake();
        } catch (CertificateVerificationException e) {
            verify = e.verifyResult();
            verifyFailed = options.verify() == AuthMode.REQUIRED;
            throw e;
        } catch (MbedTlsException e) {
            verify = available(ssl.verifyResult());
            throw e;
        }
        handshakeOk = true;
        verify = available(ssl.verifyResult());
        protocol = ssl.protocol();
        ciphersuite = ssl.ciphersuite();
        try (X509Crt peer = ssl.peerCertificates()) {
            peerSubject = peer == null ? null : peer.subject(0);
        }
    }

    /** Sends the text and a newline, then reads until a newline has arrived or the server has closed. */
    private void exchange(SslContext ssl, String text) {
        String line = text.endsWith("\n") ? text : text + "\n";
        received = new ByteArrayOutputStream();
        ssl.writeFully(line.getBytes(StandardCharsets.UTF_8));
        byte[] buffer = new byte[4096];
        int n;
        while ((n = ssl.read(buffer)) > 0) {
            received.write(buffer, 0, n);
            if (containsNewline(buffer, n)) {
                break;
            }
        }
    }

    /** Sends close_notify; if the server has already closed, failing to do so does not matter. */
    private static void closeNotify(SslContext ssl) {
        try {
            ssl.closeNotify();
        } catch (MbedTlsException e) {
            if (ssl.inbound() == SslContext.Inbound.OPEN) {
                throw e;
            }
        }
    }

    private static boolean containsNewline(byte[] buffer, int length) {
        for (int i = 0; i < length; i++) {
            if (buffer[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    private static VerifyResult available(VerifyResult result) {
        return result.isAvailable() ? result : null;
    }

    private ConnectResult result() {
        String answer = received == null ? null : new String(received.toByteArray(), StandardCharsets.UTF_8);
        return new ConnectResult(options, handshakeOk, verifyFailed, errorCode, error, verify, protocol,
                ciphersuite, peerSubject, mbedtlsVersion, answer);
    }
}
