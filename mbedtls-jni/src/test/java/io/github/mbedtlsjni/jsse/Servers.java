package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real servers the JSSE provider's tests talk to on 127.0.0.1: nginx (HTTP/1.1, h2) and mosquitto (MQTT). */
final class Servers {
    private Servers() {}

    /** The program's path; skips outside CI when it is not installed, fails in CI. */
    static Path require(String program, String debianPackage) {
        Path p = ExternalServer.onPath(program);
        if (p == null) {
            String why = program + " is not installed (apt-get install " + debianPackage + "; .ci/run installs it)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            assumeTrue(false, why);
        }
        return p;
    }

    /**
     * nginx answering every request with {@code echo <uri> <protocol>} over TLS (the given version,
     * HTTP/1.1 and h2 by ALPN); with {@code clientCa}, it requires a client certificate from that CA.
     */
    static ExternalServer nginx(Path work, TestPki pki, TlsProtocol protocol, Path clientCa) {
        Path nginx = require("nginx", "nginx");
        int port = ExternalServer.freePort();
        try {
            Files.createDirectories(work);
            String conf = String.join("\n",
                    "daemon off;",
                    "master_process off;",
                    "worker_processes 1;",
                    "pid " + work.resolve("nginx.pid") + ";",
                    "error_log stderr notice;",
                    "events { worker_connections 64; }",
                    "http {",
                    "  access_log off;",
                    "  client_body_temp_path " + work.resolve("body") + ";",
                    "  proxy_temp_path " + work.resolve("proxy") + ";",
                    "  fastcgi_temp_path " + work.resolve("fastcgi") + ";",
                    "  uwsgi_temp_path " + work.resolve("uwsgi") + ";",
                    "  scgi_temp_path " + work.resolve("scgi") + ";",
                    "  server {",
                    "    listen 127.0.0.1:" + port + " ssl http2;",
                    "    ssl_certificate " + pki.serverChainPem() + ";",
                    "    ssl_certificate_key " + pki.serverKeyPem() + ";",
                    "    ssl_protocols " + protocol.protocolName() + ";",
                    clientCa == null ? "" : "    ssl_client_certificate " + clientCa + ";\n    ssl_verify_client on;",
                    "    location / { default_type text/plain; "
                            + "return 200 \"echo $request_uri $server_protocol $ssl_client_s_dn\\n\"; }",
                    "  }",
                    "}", "");
            Path confFile = work.resolve("nginx.conf");
            Files.writeString(confFile, conf);
            return ExternalServer.builder("nginx", work, port)
                    .command(nginx.toString(), "-p", work.toString(), "-c", confFile.toString(),
                            "-e", work.resolve("error.log").toString())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** mosquitto with one TLS listener on 127.0.0.1 (anonymous clients allowed). */
    static ExternalServer mosquitto(Path work, TestPki pki) {
        Path mosquitto = require("mosquitto", "mosquitto");
        int port = ExternalServer.freePort();
        try {
            Files.createDirectories(work);
            String conf = String.join("\n",
                    "user " + System.getProperty("user.name"),
                    "persistence false",
                    "log_dest stderr",
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "certfile " + pki.serverChainPem(),
                    "keyfile " + pki.serverKeyPem(),
                    "tls_version tlsv1.2",
                    "");
            Path confFile = work.resolve("mosquitto.conf");
            Files.writeString(confFile, conf);
            return ExternalServer.builder("mosquitto", work, port)
                    .command(mosquitto.toString(), "-c", confFile.toString())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
