package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Cold start of a minimal {@link TlsClient} program: a fresh JVM that builds a client trusting
 * one CA file, makes one verified connection, closes it and exits — timed from outside by
 * {@code mbedtls_bench alternate} against {@link Hello} (scripts/bench).
 *
 * <pre>java -cp ... io.github.mbedtlsjni.bench.ColdTlsClient PORT ROOT.pem [HOST [NAME]]</pre>
 *
 * Exit status 0 only after a verified TLS 1.3 handshake (3 for another protocol).
 */
public final class ColdTlsClient {
    private ColdTlsClient() {}

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        String host = args.length > 2 ? args[2] : "127.0.0.1";
        String name = args.length > 3 ? args[3] : "localhost";
        TlsClient client = TlsClient.builder().trustPemFile(Path.of(args[1])).build();
        String protocol;
        try (TlsConnection c = client.connection(host, port).serverName(name).connect()) {
            protocol = c.protocol();
        }
        client.close();
        if (!protocol.equals("TLSv1.3")) {
            System.exit(3);
        }
    }
}
