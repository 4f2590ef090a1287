package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.io.IOException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Two threads making full handshakes through one {@link TlsClient} (one config, DRBG and CA chain
 * shared), against {@code mbedtls_bench handshake --threads 2}, which shares them the same way in
 * C: what the binding costs when connections run in parallel. Each operation is a new verified
 * connection, closed with close_notify.
 */
@State(Scope.Benchmark)
public class TlsClientBench {
    /** TLS version: "1.3" (max 1.3) or "1.2" (max 1.2). */
    @Param({"1.3"})
    public String tls;

    TlsClient client;
    String host;
    String name;
    int port;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        TlsVersion max = tls.equals("1.2") ? TlsVersion.TLS1_2 : TlsVersion.TLS1_3;
        client = TlsClient.builder().trustPemFile(BenchEnv.ca()).tlsVersions(TlsVersion.TLS1_2, max).build();
        host = BenchEnv.host();
        name = BenchEnv.name();
        port = BenchEnv.port("all");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
    }

    @Benchmark
    @Threads(2)
    public void handshakeTwoThreads() throws IOException {
        try (TlsConnection c = client.connection(host, port).serverName(name).connect()) {
            // the handshake is the work; close sends close_notify
        }
    }
}
