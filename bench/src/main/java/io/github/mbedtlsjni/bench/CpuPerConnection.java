package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time per connection through the binding, beside {@code mbedtls_bench handshake|resume
 * --count N --warmup-count W}, which measures the same for the C harness: W connections of
 * warm-up (the JIT compiles the connection path), then exactly N measured ones, and the process's
 * CPU time (user + system, every JVM thread: the JIT and GC are part of what the binding costs)
 * divided by N.
 *
 * <pre>java -Dbench.ca=... -Dbench.port.all=... -cp ... io.github.mbedtlsjni.bench.CpuPerConnection \
 *     thin|tlsclient|provider|provider_engine handshake|resume 1.3|1.2 W N</pre>
 *
 * {@code thin}: the thin classes, the same code as {@link JniBench#handshake} and
 * {@link JniBench#resume}; {@code tlsclient}: {@link TlsClient#connect} and close, as
 * {@link TlsClientBench} (full handshakes only); {@code provider}: the MbedTLS JSSE provider's
 * SSLSocket, the same code as {@link JsseBench#handshake} and {@link JsseBench#resume};
 * {@code provider_engine}: its SSLEngine over a SocketChannel, as {@link EngineBench#handshake}
 * (full handshakes only). Prints {@code RESULT} lines as the C harness:
 * the rate, {@code cpu_us_per_connection}, {@code thread_cpu_us_per_connection} (the
 * connecting thread alone: the rest is the JVM's own threads) and {@code heap_bytes_per_connection}
 * (what the connecting thread allocates on the Java heap: a measure of Java work that a loaded
 * machine does not change).
 */
public final class CpuPerConnection {
    private CpuPerConnection() {}

    /** One connection of the chosen kind. */
    private interface Step {
        void run() throws IOException;
    }

    public static void main(String[] args) throws Exception {
        String api = args[0];
        boolean resume = args[1].equals("resume");
        String tls = args[2];
        int warmup = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);

        Step step;
        AutoCloseable cleanup;
        if (api.equals("thin")) {
            JniBench.Client client = new JniBench.Client();
            client.tls = tls;
            client.setUp();
            JniBench bench = new JniBench();
            if (resume) {
                JniBench.Resumption r = new JniBench.Resumption();
                r.setUp(client);
                step = () -> bench.resume(client, r);
                cleanup = () -> {
                    r.tearDown();
                    client.tearDown();
                };
            } else {
                step = () -> bench.handshake(client);
                cleanup = client::tearDown;
            }
        } else if (api.equals("tlsclient") && !resume) {
            TlsVersion max = tls.equals("1.2") ? TlsVersion.TLS1_2 : TlsVersion.TLS1_3;
            TlsClient client = TlsClient.builder().trustPemFile(BenchEnv.ca()).tlsVersions(TlsVersion.TLS1_2, max).build();
            String host = BenchEnv.host();
            String name = BenchEnv.name();
            int port = BenchEnv.port("all");
            step = () -> {
                try (TlsConnection c = client.connection(host, port).serverName(name).connect()) {
                    // the handshake is the work; close sends close_notify
                }
            };
            cleanup = client;
        } else if (api.equals("provider")) {
            System.setProperty("bench.provider", "MbedTLS");
            JsseBench.Client client = new JsseBench.Client();
            client.tls = tls;
            client.setUp();
            JsseBench bench = new JsseBench();
            if (resume) {
                JsseBench.Resumption r = new JsseBench.Resumption();
                r.setUp(client);
                step = () -> bench.resume(client, r);
            } else {
                step = () -> bench.handshake(client);
            }
            cleanup = () -> { };
        } else if (api.equals("provider_engine") && !resume) {
            System.setProperty("bench.provider", "MbedTLS");
            EngineBench.Client client = new EngineBench.Client();
            client.tls = tls;
            client.setUp();
            EngineBench bench = new EngineBench();
            step = () -> bench.handshake(client);
            cleanup = () -> { };
        } else {
            throw new IllegalArgumentException("thin handshake|resume, tlsclient handshake, provider handshake|resume, "
                    + "or provider_engine handshake");
        }

        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean allocation = (com.sun.management.ThreadMXBean) threads;
        long alloc0 = allocation.getCurrentThreadAllocatedBytes();
        long cpu0 = os.getProcessCpuTime();
        long thread0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            step.run();
        }
        long wall = System.nanoTime() - t0;
        long thread = threads.getCurrentThreadCpuTime() - thread0;
        long cpu = os.getProcessCpuTime() - cpu0;
        long alloc = allocation.getCurrentThreadAllocatedBytes() - alloc0;
        cleanup.close();
        System.out.printf("RESULT %s %.3f 1/s%n", resume ? "resumed_handshakes_per_s" : "handshakes_per_s", count / (wall / 1e9));
        System.out.printf("RESULT cpu_us_per_connection %.3f us%n", cpu / 1e3 / count);
        System.out.printf("RESULT thread_cpu_us_per_connection %.3f us%n", thread / 1e3 / count);
        System.out.printf("RESULT heap_bytes_per_connection %.0f B%n", (double) alloc / count);
    }
}
