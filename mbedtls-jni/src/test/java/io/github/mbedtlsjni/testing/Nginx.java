package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * nginx (Debian's, {@code apt-get install nginx}) as an unprivileged HTTPS server on 127.0.0.1,
 * on {@link ExternalServer}: one process ({@code master_process off}), its own prefix, config
 * and logs in a working directory. Every request is answered {@code 200} with the body
 * {@code echo <uri> <protocol> <client subject>\n} ({@code $request_uri $server_protocol
 * $ssl_client_s_dn}), e.g. {@code echo /a?b=1 HTTP/2.0 \n} without a client certificate.
 *
 * <pre>{@code
 * try (Nginx nginx = Nginx.builder(work, pki).protocols(TlsProtocol.TLS_1_3).http2().start()) {
 *     // https://localhost:nginx.port()/...; on failure, show nginx.errorLog()
 * }
 * }</pre>
 *
 * <p>Its error log ({@link #errorLog()}) is kept at level {@code info}, the level at which nginx
 * says why a client's handshake failed ({@code SSL_do_handshake() failed (SSL: error:...)}).
 */
public final class Nginx implements AutoCloseable {
    /** What nginx answers, with the request's URI, protocol and client certificate subject. */
    public static final String BODY = "echo $request_uri $server_protocol $ssl_client_s_dn\\n";

    private final ExternalServer process;
    private final Path errorLog;

    private Nginx(ExternalServer process, Path errorLog) {
        this.process = process;
        this.errorLog = errorLog;
    }

    /** A builder for a server in {@code work} (created; deleted on close) serving {@code pki}'s leaf and intermediate. */
    public static Builder builder(Path work, TestPki pki) {
        return new Builder(work, pki);
    }

    /** The expected body for a request: {@code echo <uri> <protocol> <clientSubject>\n}. */
    public static String body(String uri, String protocol, String clientSubject) {
        return "echo " + uri + " " + protocol + " " + clientSubject + "\n";
    }

    /** The port nginx listens on, at 127.0.0.1. */
    public int port() {
        return process.port();
    }

    /**
     * What nginx has logged so far (start-up, and at level {@code info} every failed client
     * handshake with OpenSSL's reason), and anything it wrote to stderr.
     */
    public String errorLog() {
        String log;
        try {
            log = Files.readString(errorLog);
        } catch (NoSuchFileException e) {
            log = "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String stderr = process.output();
        return stderr.isEmpty() ? log : log + stderr;
    }

    /**
     * Waits until the error log contains {@code text}, at most {@code timeout}: nginx writes
     * its line about a failed handshake after the alert it sent, which the client may have read.
     *
     * @return whether it does
     */
    public boolean awaitErrorLog(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!errorLog().contains(text)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Stops nginx and deletes its working directory. */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return process.toString();
    }

    /** Configures and starts an {@link Nginx}. */
    public static final class Builder {
        private final Path work;
        private final TestPki pki;
        private final Set<TlsProtocol> protocols = EnumSet.allOf(TlsProtocol.class);
        private boolean http2;
        private Path clientCa;
        private boolean clientCertificateRequired;
        private int port;

        private Builder(Path work, TestPki pki) {
            this.work = work;
            this.pki = pki;
        }

        /** The TLS versions nginx accepts ({@code ssl_protocols}); default TLS 1.2 and 1.3. */
        public Builder protocols(TlsProtocol... enabled) {
            if (enabled.length == 0) {
                throw new IllegalArgumentException("no protocol");
            }
            protocols.clear();
            protocols.addAll(List.of(enabled));
            return this;
        }

        /** HTTP/2 besides HTTP/1.1, chosen by ALPN {@code h2} ({@code listen ... ssl http2}). */
        public Builder http2() {
            http2 = true;
            return this;
        }

        /**
         * Asks for a client certificate issued under {@code caPem} ({@code ssl_client_certificate},
         * {@code ssl_verify_client on}): without one, nginx completes the handshake and answers
         * {@code 400} (No required SSL certificate was sent); with one it does not accept, it
         * ends the handshake with an alert.
         */
        public Builder requireClientCertificate(Path caPem) {
            clientCa = caPem;
            clientCertificateRequired = true;
            return this;
        }

        /** As {@link #requireClientCertificate}, but a client without a certificate is answered {@code 200} ({@code optional}). */
        public Builder acceptClientCertificate(Path caPem) {
            clientCa = caPem;
            clientCertificateRequired = false;
            return this;
        }

        /** Listens on this port of 127.0.0.1 instead of a free one (a port another server had). */
        public Builder port(int value) {
            port = value;
            return this;
        }

        /**
         * Writes the config, starts nginx and waits until it listens on 127.0.0.1 (on a free port:
         * should another process take it first, on another).
         */
        public Nginx start() {
            Path nginx = ExternalServer.require("nginx", "nginx");
            Path errorLog = work.resolve("error.log");
            IntFunction<ExternalServer.Builder> onPort = p -> ExternalServer.builder("nginx", work, p)
                    .command(nginx.toString(), "-p", work.toString(), "-c", writeConfig(p, errorLog).toString(),
                            "-e", errorLog.toString());
            ExternalServer process = port > 0 ? onPort.apply(port).start() : ExternalServer.startOnFreePort(onPort);
            return new Nginx(process, errorLog);
        }

        private Path writeConfig(int listen, Path errorLog) {
            List<String> conf = new ArrayList<>(List.of(
                    "daemon off;",
                    "master_process off;",
                    "worker_processes 1;",
                    "pid " + work.resolve("nginx.pid") + ";",
                    "error_log " + errorLog + " info;",
                    "events { worker_connections 64; }",
                    "http {",
                    "  access_log off;",
                    "  client_body_temp_path " + work.resolve("body") + ";",
                    "  proxy_temp_path " + work.resolve("proxy") + ";",
                    "  fastcgi_temp_path " + work.resolve("fastcgi") + ";",
                    "  uwsgi_temp_path " + work.resolve("uwsgi") + ";",
                    "  scgi_temp_path " + work.resolve("scgi") + ";",
                    "  server {",
                    "    listen 127.0.0.1:" + listen + " ssl" + (http2 ? " http2" : "") + ";",
                    "    ssl_certificate " + pki.serverChainPem().toAbsolutePath() + ";",
                    "    ssl_certificate_key " + pki.serverKeyPem().toAbsolutePath() + ";",
                    "    ssl_protocols " + String.join(" ", TlsProtocol.names(protocols)) + ";"));
            if (clientCa != null) {
                conf.add("    ssl_client_certificate " + clientCa.toAbsolutePath() + ";");
                conf.add("    ssl_verify_client " + (clientCertificateRequired ? "on" : "optional") + ";");
            }
            conf.addAll(List.of(
                    "    location / { default_type text/plain; return 200 \"" + BODY + "\"; }",
                    "  }",
                    "}", ""));
            try {
                Files.createDirectories(work);
                Path confFile = work.resolve("nginx.conf");
                Files.writeString(confFile, String.join("\n", conf));
                return confFile;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
