package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.testing.MiniJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The raw results of one {@code scripts/bench} run, read from the directory the script fills
 * ({@code target/bench/raw}), as values per metric and client (the mean of a metric's values
 * for a client is what the report shows: the C harness runs twice, before and after the
 * binding's JMH run, so that a change of machine load hits both sides alike).
 *
 * <pre>
 * meta.properties                 the run: mode, versions, machine, cold-start names, ...
 * c/SEQ.METRIC.CLIENT.txt         a C harness run (mbedtls_bench): its first RESULT line
 * jmh/SEQ.CLIENT.json             a JMH run (-rf json): benchmark names and params to metrics
 * cpu/SEQ.METRIC.CLIENT.txt       CPU per connection (mbedtls_bench --count, CpuPerConnection)
 * server-cpu/SEQ.PHASE.begin.txt  the servers' counters (mbedtls_bench stats) and wall_ns=, at
 * server-cpu/SEQ.PHASE.end.txt      the start and end of a phase
 * spawn/CLIENT.txt                mbedtls_bench spawn: cold start and peak RSS medians
 * alternate.txt                   mbedtls_bench alternate: cmdN_* medians, N as in cold_names
 * lib-size/CLIENT.txt             a stripped library's size in bytes
 * memory.txt, memory-PLATFORM.txt mbedtls_bench memory: native bytes per connection
 * suites-default.txt, suites-fast.txt   mbedtls_bench suites of the two profiles
 * </pre>
 */
public final class BenchResults {
    final Path dir;
    final Properties meta = new Properties();
    private final Map<String, Map<String, List<Double>>> values = new TreeMap<>();
    /** Server CPU per phase, in % of one core, in the order of the phases. */
    final Map<String, Double> serverCpu = new LinkedHashMap<>();

    private BenchResults(Path dir) {
        this.dir = dir;
    }

    /** Reads every raw result under {@code dir}. */
    public static BenchResults read(Path dir) throws IOException {
        BenchResults r = new BenchResults(dir);
        try (InputStream in = Files.newInputStream(dir.resolve("meta.properties"))) {
            r.meta.load(in);
        }
        for (Path f : files(dir.resolve("c"))) {
            String[] name = nameParts(f, 4);
            r.cRun(name[1], name[2], results(f));
        }
        for (Path f : files(dir.resolve("jmh"))) {
            r.jmh(nameParts(f, 3)[1], Files.readString(f, StandardCharsets.UTF_8));
        }
        for (Path f : files(dir.resolve("cpu"))) {
            String[] name = nameParts(f, 4);
            Map<String, Double> res = results(f);
            r.add(name[1], name[2], res.get("cpu_us_per_connection"));
            r.add(name[1] + "_thread", name[2], res.get("thread_cpu_us_per_connection"));
            r.add(name[1] + "_heap", name[2], res.get("heap_bytes_per_connection"));
        }
        // The C harness has one buffer kind: its value stands for both of the binding's rows; it
        // allocates nothing on a Java heap.
        for (String m : List.of("write_bytearray", "write_direct", "read_bytearray", "read_direct",
                "roundtrip_bytearray", "roundtrip_direct")) {
            r.add("alloc_per_" + m, "c", 0.0);
        }
        r.serverCpu(dir.resolve("server-cpu"));
        for (Path f : files(dir.resolve("spawn"))) {
            String client = nameParts(f, 2)[0];
            Map<String, Double> res = results(f);
            r.add("cold_start_ms", client, res.get("wall_ms_median"));
            r.add("rss_peak_mib", client, kibToMib(res.get("maxrss_kib_median")));
        }
        if (Files.exists(dir.resolve("alternate.txt"))) {
            Map<String, Double> res = results(dir.resolve("alternate.txt"));
            List<String> names = r.coldNames();
            for (int i = 0; i < names.size(); i++) {
                r.add("alt_wall_ms", names.get(i), res.get("cmd" + (i + 1) + "_wall_ms_median"));
                r.add("alt_rss_mib", names.get(i), kibToMib(res.get("cmd" + (i + 1) + "_maxrss_kib_median")));
            }
        }
        for (Path f : files(dir.resolve("lib-size"))) {
            double bytes = Double.parseDouble(Files.readString(f).strip());
            r.add("lib_size_kib", nameParts(f, 2)[0], round(bytes / 1024, 0));
        }
        for (Path f : files(dir)) {
            String n = f.getFileName().toString();
            if (n.startsWith("memory") && n.endsWith(".txt")) {
                String platform = n.equals("memory.txt") ? "" : "_" + n.substring("memory-".length(), n.length() - 4);
                Double bytes = results(f).get("conn_bytes_after_handshake");
                r.add("conn_native_kib", "c" + platform, bytes == null ? null : round(bytes / 1024, 1));
            }
        }
        return r;
    }

    /** The mean of the values of {@code metric} for {@code client}; NaN if there are none. */
    public double get(String metric, String client) {
        List<Double> v = values.getOrDefault(metric, Map.of()).getOrDefault(client, List.of());
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (double d : v) {
            sum += d;
        }
        return sum / v.size();
    }

    /** The cold-start programs of the alternating run, in their order ({@code cold_names}). */
    List<String> coldNames() {
        return words(meta.getProperty("cold_names", ""));
    }

    /** The other platforms measured ({@code arch_rows}: {@code PLATFORM:QEMU} each). */
    List<String> archRows() {
        return words(meta.getProperty("arch_rows", ""));
    }

    /** {@code INFO ciphersuite} of memory.txt (platform "") or memory-PLATFORM.txt. */
    String memoryCiphersuite(String platform) throws IOException {
        Path f = dir.resolve(platform.isEmpty() ? "memory.txt" : "memory-" + platform + ".txt");
        if (!Files.exists(f)) {
            return "";
        }
        for (String line : Files.readAllLines(f)) {
            String[] w = line.trim().split("\\s+");
            if (w.length >= 3 && w[0].equals("INFO") && w[1].equals("ciphersuite")) {
                return w[2];
            }
        }
        return "";
    }

    /** Whether the fast profile offers what the default one does, in the same order; null if not measured. */
    Boolean fastSuitesSame() throws IOException {
        Path a = dir.resolve("suites-default.txt");
        Path b = dir.resolve("suites-fast.txt");
        if (!Files.exists(a) || !Files.exists(b)) {
            return null;
        }
        return suites(a).equals(suites(b));
    }

    private static List<String> suites(Path f) throws IOException {
        return Files.readAllLines(f).stream().filter(l -> !l.startsWith("version")).collect(Collectors.toList());
    }

    private void add(String metric, String client, Double value) {
        if (value != null) {
            values.computeIfAbsent(metric, k -> new TreeMap<>()).computeIfAbsent(client, k -> new ArrayList<>()).add(value);
        }
    }

    /** A C harness run; its bulk and round-trip rows stand for both buffer kinds of the binding. */
    private void cRun(String metric, String client, Map<String, Double> results) {
        Double v = results.isEmpty() ? null : results.values().iterator().next();
        if (metric.matches("bulk_(write|read)_.*_c")) {
            String base = metric.substring(0, metric.length() - 2);
            add(base + "_bytearray", client, v);
            add(base + "_direct", client, v);
        } else if (metric.equals("roundtrip_c")) {
            add("roundtrip_bytearray", client, v);
            add("roundtrip_direct", client, v);
        } else {
            add(metric, client, v);
        }
    }

    /**
     * A JMH run's results as metrics: the benchmark method and its {@code tls}/{@code cipher}
     * parameters give the name, {@code ...Direct} methods the direct-buffer rows; throughput from
     * the primary score, MB/s from the {@code bytes} counter, heap bytes per operation from the
     * GC profiler's {@code gc.alloc.rate.norm}.
     */
    @SuppressWarnings("unchecked")
    private void jmh(String client, String json) {
        for (Object o : (List<Object>) MiniJson.parse(json)) {
            Map<String, Object> run = (Map<String, Object>) o;
            String benchmark = (String) run.get("benchmark");
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            Map<String, Object> params = (Map<String, Object>) run.getOrDefault("params", Map.of());
            String tls = ((String) params.getOrDefault("tls", "1.3")).replace(".", "");
            String cipher = (String) params.getOrDefault("cipher", "");
            boolean direct = method.endsWith("Direct");
            String base = direct ? method.substring(0, method.length() - "Direct".length()) : method;
            String buf = direct ? "direct" : "bytearray";
            double score = score(run.get("primaryMetric"));
            Map<String, Object> secondary = (Map<String, Object>) run.getOrDefault("secondaryMetrics", Map.of());
            Double bytes = secondary.containsKey("bytes") ? score(secondary.get("bytes")) : null;
            Double alloc = null;
            for (Map.Entry<String, Object> e : secondary.entrySet()) {
                if (e.getKey().contains("alloc.rate.norm")) {
                    alloc = score(e.getValue());
                }
            }
            switch (base) {
                case "handshake":
                    add("handshake_tls" + tls, client, score);
                    break;
                case "resume":
                    add("handshake_resumed_tls" + tls, client, score);
                    break;
                case "handshakeTwoThreads":
                    add("handshake_tls" + tls + "_2threads", client, score);
                    break;
                case "bulkWrite":
                case "bulkRead":
                    String dir = base.equals("bulkWrite") ? "write" : "read";
                    add("bulk_" + dir + "_" + cipher + "_" + buf, client, bytes == null ? null : bytes / 1e6);
                    if (cipher.equals("aesgcm")) {
                        add("alloc_per_" + dir + "_" + buf, client, alloc);
                    }
                    break;
                case "roundtrip":
                    add("roundtrip_" + buf, client, score);
                    add("alloc_per_roundtrip_" + buf, client, alloc);
                    break;
                default:
                    break;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static double score(Object metric) {
        return ((Number) ((Map<String, Object>) metric).get("score")).doubleValue();
    }

    /**
     * Each phase's server CPU time (user + system, all three servers) over its wall time, in % of
     * one core: {@code cpu_us=} of the servers' counters and {@code wall_ns=} at its start and end.
     */
    private void serverCpu(Path dir) throws IOException {
        for (Path begin : files(dir)) {
            String n = begin.getFileName().toString();
            if (!n.endsWith(".begin.txt")) {
                continue;
            }
            Path end = dir.resolve(n.replace(".begin.txt", ".end.txt"));
            if (!Files.exists(end)) {
                continue;
            }
            long[] b = counters(begin);
            long[] e = counters(end);
            long wallUs = (e[1] - b[1]) / 1000;
            serverCpu.put(nameParts(begin, 4)[1], wallUs > 0 ? 100.0 * (e[0] - b[0]) / wallUs : Double.NaN);
        }
    }

    /** The sum of {@code cpu_us=} and the {@code wall_ns=} of a counters file. */
    private static long[] counters(Path f) throws IOException {
        long cpu = 0;
        long wall = 0;
        for (String word : Files.readString(f).split("\\s+")) {
            if (word.startsWith("cpu_us=")) {
                cpu += Long.parseLong(word.substring("cpu_us=".length()));
            } else if (word.startsWith("wall_ns=")) {
                wall = Long.parseLong(word.substring("wall_ns=".length()));
            }
        }
        return new long[] {cpu, wall};
    }

    /** Every {@code RESULT NAME VALUE UNIT} line of a file: the first value of each name. */
    static Map<String, Double> results(Path f) throws IOException {
        Map<String, Double> r = new LinkedHashMap<>();
        for (String line : Files.readAllLines(f)) {
            String[] w = line.trim().split("\\s+");
            if (w.length >= 3 && w[0].equals("RESULT")) {
                r.putIfAbsent(w[1], Double.parseDouble(w[2]));
            }
        }
        return r;
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    /** The dot-separated parts of a file name (its extension last). */
    private static String[] nameParts(Path f, int count) {
        String[] parts = f.getFileName().toString().split("\\.");
        if (parts.length != count) {
            throw new UncheckedIOException(new IOException("unexpected raw result file name: " + f));
        }
        return parts;
    }

    private static Double kibToMib(Double kib) {
        return kib == null ? null : round(kib / 1024, 1);
    }

    /** Rounded as the raw values are recorded (printf's %.Nf: the exact binary value, ties to even). */
    static double round(double v, int decimals) {
        return new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).doubleValue();
    }

    private static List<String> words(String s) {
        List<String> w = new ArrayList<>();
        for (String part : s.trim().split("\\s+")) {
            if (!part.isEmpty()) {
                w.add(part);
            }
        }
        return w;
    }
}
