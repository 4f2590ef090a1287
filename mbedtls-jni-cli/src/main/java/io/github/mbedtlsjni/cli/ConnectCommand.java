package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.TruncationException;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code connect} through {@link TlsClient}, exactly as an application would (and so
 * through the guide's steps, which {@code TlsClient} runs), recording what happened in a
 * {@link ConnectResult}. Never throws: a failure becomes the result's error.
 */
final class ConnectCommand {
    /** How long --reconnect waits for a TLS 1.3 session ticket, in all, and per read. */
    private static final int TICKET_WAIT_MILLIS = 5000;
    private static final int TICKET_POLL_MILLIS = 100;

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
    private String alpn;
    private final List<ConnectResult.ChainEntry> chain = new ArrayList<>();
    private final List<ConnectResult.Resumption> resumptions = new ArrayList<>();

    private ConnectCommand(ConnectOptions options) {
        this.options = options;
    }

    /**
     * Connects with {@code client} (from {@link #client}, closed here) as {@code options} say
     * and reports what happened.
     */
    static ConnectResult run(ConnectOptions options, TlsClient client) {
        ConnectCommand command = new ConnectCommand(options);
        try {
            command.mbedtlsVersion = MbedTls.version();
            command.connectAll(client);
        } catch (MbedTlsException e) {
            command.errorCode = e.code();
            command.error = e.getMessage();
        } catch (RuntimeException | LinkageError e) {
            // Not an Mbed TLS error: a file TlsClient refused, the native library did not load, or
            // a bug. Report, don't crash.
            command.error = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    ? e.getMessage() : e.toString();
        }
        return command.result();
    }

    /** A result for a run that failed before connecting: the client could not be made (not for a file: see {@link #client}). */
    static ConnectResult failedBeforeConnecting(ConnectOptions options, Throwable e) {
        ConnectCommand command = new ConnectCommand(options);
        try {
            command.mbedtlsVersion = MbedTls.version();
        } catch (RuntimeException | LinkageError notLoaded) {
            // reported as the error
        }
        command.errorCode = e instanceof MbedTlsException ? ((MbedTlsException) e).code() : 0;
        command.error = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof MbedTlsException ? e.getMessage() : e.toString();
        return command.result();
    }

    /**
     * Checks what only the linked Mbed TLS can tell: that it knows every --ciphersuites name.
     * Nothing to check (or the library does not load, which {@link #run} reports): no exception.
     *
     * @throws UsageException naming an unknown cipher suite
     */
    static void checkAgainstLibrary(ConnectOptions options) throws UsageException {
        if (options.ciphersuites() == null) {
            return;
        }
        try (SslConfig config = new SslConfig()) {
            config.defaults();
            config.setCiphersuites(options.ciphersuites().toArray(new String[0]));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ciphersuites: " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            // reported by run()
        }
    }

    /**
     * The client {@code options} describe: reads the trust, CRL and client certificate files, so
     * a file that cannot be used fails here, before any connection. Debug output (--debug) goes
     * to {@code debugOut}.
     *
     * @throws IOException for a file given that cannot be used (see {@link FileProblem})
     */
    static TlsClient client(ConnectOptions options, PrintStream debugOut) throws IOException {
        TlsClient.Builder b = TlsClient.builder().personalization("mbedtls-jni-cli").authMode(options.verify());
        if (options.caFile() != null) {
            b.trustPemFile(options.caFile());
        }
        if (options.caPath() != null) {
            b.trustPath(options.caPath());
        }
        if (options.jdkTrust()) {
            b.trustJdkDefaults();
        }
        if (options.crlFile() != null) {
            b.crlFile(options.crlFile());
        }
        if (options.psk() != null) {
            b.psk(options.pskIdentity(), options.psk());
        }
        if (options.cert() != null) {
            char[] password = options.keyPassword() == null ? null : options.keyPassword().toCharArray();
            b.identity(options.cert(), options.key(), password);
        }
        TlsVersion max = options.tlsMax();
        if (max != null || options.tlsMin() != TlsVersion.TLS1_2) {
            b.tlsVersions(options.tlsMin(), max != null ? max : TlsVersion.TLS1_3);
        }
        if (options.ciphersuites() != null) {
            b.ciphersuites(options.ciphersuites().toArray(new String[0]));
        }
        if (options.alpn() != null) {
            b.alpn(options.alpn().toArray(new String[0]));
        }
        if (options.timeoutMillis() > 0) {
            Duration limit = Duration.ofMillis(options.timeoutMillis());
            b.connectTimeout(limit).handshakeTimeout(limit).readTimeout(limit);
        }
        if (options.debugLevel() > 0) {
            b.debug(options.debugLevel(), (level, file, line, text) -> {
                String shortFile = file.substring(file.lastIndexOf('/') + 1);
                debugOut.println("mbedtls [" + level + "] " + shortFile + ":" + line + ": " + text.stripTrailing());
            });
        }
        return b.build();
    }

    private void connectAll(TlsClient client) {
        try (client) {
            SslSession session = first(client);
            try {
                for (int i = 0; i < options.reconnect() && error == null; i++) {
                    session = reconnect(client, session);
                }
            } finally {
                if (session != null) {
                    session.close();
                }
            }
        }
    }

    /** The first connection; returns the session to offer next, or null. */
    private SslSession first(TlsClient client) {
        TlsConnection c;
        try {
            c = client.connection(options.host(), options.port()).serverName(options.serverName()).connect();
        } catch (IOException e) {
            failed(e);
            return null;
        }
        try (c) {
            handshakeOk = true;
            verify = available(c.verifyResult());
            protocol = c.protocol();
            ciphersuite = c.ciphersuite();
            alpn = c.alpnProtocol();
            try (X509Crt peer = c.peerChain()) {
                peerSubject = peer == null ? null : ConnectResult.ChainEntry.name(peer, 0, true);
                if (options.showChain() && peer != null) {
                    chain.addAll(ConnectResult.ChainEntry.of(peer));
                }
            }
            if (options.send() != null) {
                exchange(c, options.send());
            }
            return options.reconnect() > 0 ? awaitSession(c, received != null) : null;
        } catch (IOException e) {
            failed(e);
            return null;
        }
    }

    /** One reconnection, offering {@code session} (null: none); returns the session to offer next. */
    private SslSession reconnect(TlsClient client, SslSession session) {
        TlsClient.ConnectionBuilder builder = client.connection(options.host(), options.port())
                .serverName(options.serverName());
        if (session != null) {
            builder.resume(session);
        }
        TlsConnection c;
        try {
            c = builder.connect();
        } catch (IOException e) {
            Failure f = failure(e);
            boolean verifyFail = e instanceof TlsException && ((TlsException) e).isCertificateVerificationFailure();
            resumptions.add(new ConnectResult.Resumption(false, session != null, false, verifyFail, f.code, f.text,
                    null, null));
            return session;
        }
        try (c) {
            resumptions.add(new ConnectResult.Resumption(c.isResumed(), session != null, true, false, 0, null,
                    c.protocol(), c.ciphersuite()));
            if (resumptions.size() < options.reconnect()) {
                SslSession next = awaitSession(c, false);
                if (next != null) {
                    if (session != null) {
                        session.close();
                    }
                    return next;
                }
            }
            return session;
        }
    }

    /**
     * The connection's session for resumption. TLS 1.2 has it at once. A TLS 1.3 ticket arrives
     * after the handshake and is taken in by a read ({@code haveRead}: one was made), so unless
     * a read was made, reads that time out quickly are made first (their data, if any, is
     * dropped) until a session is there or the wait is over. (Mbed TLS exports each session
     * once, and a TLS 1.3 session exported before its ticket arrived cannot be resumed.)
     */
    static SslSession awaitSession(TlsConnection c, boolean haveRead) {
        try {
            if (haveRead || !"TLSv1.3".equals(c.protocol())) {
                return c.session();
            }
            SslSession session;
            c.setReadTimeout(Duration.ofMillis(TICKET_POLL_MILLIS));
            InputStream in = c.getInputStream();
            byte[] buffer = new byte[4096];
            for (int waited = 0; waited < TICKET_WAIT_MILLIS; waited += TICKET_POLL_MILLIS) {
                try {
                    if (in.read(buffer) < 0) {
                        return c.session();
                    }
                } catch (SocketTimeoutException e) {
                    // no data: the ticket, if it came, has been taken in
                }
                session = c.session();
                if (session != null) {
                    return session;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    static String sha256Hex(byte[] data) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
            StringBuilder hex = new StringBuilder(digest.length * 2);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Sends the text and a newline, then reads until a newline has arrived or the server has closed. */
    private void exchange(TlsConnection c, String text) throws IOException {
        String line = text.endsWith("\n") ? text : text + "\n";
        received = new ByteArrayOutputStream();
        c.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
        InputStream in = c.getInputStream();
        byte[] buffer = new byte[4096];
        int n;
        try {
            while ((n = in.read(buffer)) > 0) {
                received.write(buffer, 0, n);
                if (containsNewline(buffer, n)) {
                    break;
                }
            }
        } catch (TruncationException e) {
            // The server closed without close_notify: what arrived is the answer.
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

    /**
     * A failure of the first connection. For a refused certificate, --show-chain shows the chain
     * the server sent (who issued it is what a user looks for then), as Mbed TLS kept it.
     */
    private void failed(IOException e) {
        if (e instanceof TlsException && ((TlsException) e).isCertificateVerificationFailure()) {
            verify = ((TlsException) e).verifyResult();
            verifyFailed = options.verify() == AuthMode.REQUIRED;
            if (options.showChain() && e.getCause() instanceof CertificateVerificationException) {
                try (X509Crt refused = ((CertificateVerificationException) e.getCause()).peerChain()) {
                    if (refused != null) {
                        chain.addAll(ConnectResult.ChainEntry.of(refused));
                    }
                }
            }
        }
        Failure f = failure(e);
        errorCode = f.code;
        error = f.text;
    }

    private static final class Failure {
        final int code;
        final String text;

        Failure(int code, String text) {
            this.code = code;
            this.text = text;
        }
    }

    /**
     * The Mbed TLS code and text of a failure: the Mbed TLS message itself
     * ({@code mbedtls_ssl_handshake: -0x2700 X509 - Certificate verification failed}), led by
     * what timed out for a timeout.
     */
    private static Failure failure(IOException e) {
        Throwable cause = e.getCause();
        if (cause instanceof MbedTlsException) {
            MbedTlsException m = (MbedTlsException) cause;
            String text = e instanceof SocketTimeoutException ? e.getMessage() + " (" + m.getMessage() + ")" : m.getMessage();
            return new Failure(m.code(), text);
        }
        String text = e.getMessage() == null ? e.toString() : e.getMessage();
        return new Failure(0, text);
    }

    private static VerifyResult available(VerifyResult result) {
        return result != null && result.isAvailable() ? result : null;
    }

    private ConnectResult result() {
        String answer = received == null ? null : new String(received.toByteArray(), StandardCharsets.UTF_8);
        return new ConnectResult(options, handshakeOk, verifyFailed, errorCode, error, verify,
                protocol, ciphersuite, peerSubject, mbedtlsVersion, answer, alpn, chain, resumptions);
    }
}
