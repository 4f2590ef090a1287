package io.github.mbedtlsjni.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code scripts/bench}'s report: the tables and the {@code METRIC} lines of one run, from its raw
 * results ({@link BenchResults}). The script runs the programs and the servers; this only reads
 * what they wrote, so it can be run again on the same results (and is tested on a recorded run).
 *
 * <pre>
 *   java -cp ... io.github.mbedtlsjni.bench.BenchReport target/bench/raw
 * </pre>
 *
 * <p>The {@code METRIC} lines, which README's and docs' performance figures quote:
 * <pre>
 *   METRIC &lt;name&gt; jni=&lt;v&gt; c=&lt;v&gt; jsse=&lt;v&gt; jni/c=&lt;ratio&gt;     (jsse = JDK 17; "-" = not measured)
 *   METRIC &lt;name&gt;_fast ...                                   (the fast profile, full runs)
 *   METRIC provider_&lt;name&gt; socket= engine= jni= c= jsse= jsse_engine=
 *   METRIC cpu_us_&lt;kind&gt;_tls&lt;v&gt; jni= c= jni-c= tlsclient= tlsclient-c= thread= jni/c=
 *          provider= provider-c= provider_thread= provider_engine= heap_bytes: jni= tlsclient= provider=
 *   METRIC cold_start_&lt;program&gt;_ms jni= hello= over_hello=   (and rss_peak_&lt;program&gt;_mib)
 * </pre>
 * A value is the mean of the metric's runs for that client, printed as awk prints a number
 * ({@code %.6g}, integers whole); ratios with three decimals, differences with one.
 */
public final class BenchReport {
    static final List<String> METRICS = List.of("handshake_tls13", "handshake_tls12", "handshake_resumed_tls13",
            "handshake_resumed_tls12", "handshake_tls13_2threads",
            "bulk_write_aesgcm_bytearray", "bulk_write_aesgcm_direct", "bulk_write_chacha_bytearray",
            "bulk_write_chacha_direct", "bulk_read_aesgcm_bytearray", "bulk_read_aesgcm_direct",
            "bulk_read_chacha_bytearray", "bulk_read_chacha_direct", "roundtrip_bytearray", "roundtrip_direct",
            "alloc_per_write_bytearray", "alloc_per_write_direct", "alloc_per_read_bytearray", "alloc_per_read_direct",
            "alloc_per_roundtrip_bytearray", "alloc_per_roundtrip_direct");
    static final List<String> PROVIDER_METRICS = List.of("handshake_tls13", "handshake_tls12", "handshake_resumed_tls13",
            "handshake_resumed_tls12", "bulk_write_aesgcm_bytearray", "bulk_read_aesgcm_bytearray",
            "bulk_write_aesgcm_direct", "bulk_read_aesgcm_direct", "alloc_per_write_direct", "alloc_per_read_direct");

    private final BenchResults r;
    private final boolean fast;
    private final boolean jdk25;

    BenchReport(BenchResults results) {
        this.r = results;
        this.fast = "1".equals(results.meta.getProperty("fast"));
        this.jdk25 = "1".equals(results.meta.getProperty("jdk25"));
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchReport RAW_RESULTS_DIR");
            System.exit(64);
        }
        System.out.print(new BenchReport(BenchResults.read(Path.of(args[0]))).text());
    }

    /** The whole report: header, tables, server CPU, then the METRIC lines. */
    String text() throws IOException {
        StringBuilder out = new StringBuilder();
        String m = r.meta.getProperty("mode", "?");
        out.append('\n').append("mbedtls-jni benchmarks (").append(m).append(") — Mbed TLS ").append(meta("mbedtls_version"))
                .append(", ").append(meta("cores")).append(" cores, ").append(meta("arch")).append(", ").append(meta("date")).append('\n');
        out.append("server: native/bench/bench_server.c (OpenSSL ").append(meta("openssl_version"))
                .append(") on 127.0.0.1; JDK 17: ").append(meta("jdk17_version")).append('\n');
        if (jdk25) {
            out.append("JDK 25: ").append(meta("jdk25_version")).append('\n');
        }
        out.append('\n').append(columns(mainTable())).append('\n');
        out.append(columns(coldStartTable())).append('\n');
        out.append(columns(architectureTable())).append('\n');
        int cores = Integer.parseInt(r.meta.getProperty("cores", "1"));
        for (Map.Entry<String, Double> e : r.serverCpu.entrySet()) {
            out.append(String.format("server CPU during %-10s %5s%% of one core (of %d%%)%n", e.getKey(),
                    fixed(e.getValue(), 1), 100 * cores));
        }
        Boolean same = r.fastSuitesSame();
        if (same != null) {
            out.append("fast profile offers the same suites/groups/sig_algs in the same order: ")
                    .append(same ? "yes" : "NO (compare suites-default.txt and suites-fast.txt)").append('\n');
        }
        out.append("(raw results: ").append(r.dir).append("; JMH JSON and logs beside them)\n\n");
        for (String line : metricLines()) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private String meta(String key) {
        return r.meta.getProperty(key, "?");
    }

    private List<List<String>> mainTable() {
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("metric", "unit", "C", "JNI", "jni/c", "JSSE17", "JSSE25"));
        if (fast) {
            head.addAll(List.of("C fast", "JNI fast", "fast/default C", "fast/default JNI"));
        }
        rows.add(head);
        for (String m : METRICS) {
            double c = r.get(m, "c");
            double j = r.get(m, "jni");
            List<String> row = new ArrayList<>(List.of(m, unit(m), fmt(c), fmt(j), ratio(j, c), fmt(r.get(m, "jsse")),
                    fmt(r.get(m, "jsse25"))));
            if (fast) {
                double cf = r.get(m, "c_fast");
                double jf = r.get(m, "jni_fast");
                row.addAll(List.of(fmt(cf), fmt(jf), ratio(cf, c), ratio(jf, j)));
            }
            rows.add(row);
        }
        rows.add(List.of("cold_start_ms", "ms", fmt(r.get("cold_start_ms", "c")), fmt(r.get("cold_start_ms", "jni")),
                ratio(r.get("cold_start_ms", "jni"), r.get("cold_start_ms", "jsse")) + " of JSSE",
                fmt(r.get("cold_start_ms", "jsse")), fmt(r.get("cold_start_ms", "jsse25"))));
        rows.add(List.of("rss_peak_mib", "MiB", fmt(r.get("rss_peak_mib", "c")), fmt(r.get("rss_peak_mib", "jni")), "-",
                fmt(r.get("rss_peak_mib", "jsse")), fmt(r.get("rss_peak_mib", "jsse25"))));
        rows.add(List.of("java_hello_world", "ms/MiB", "-",
                fmt(r.get("cold_start_ms", "hello")) + " ms / " + fmt(r.get("rss_peak_mib", "hello")) + " MiB", "-", "-", "-"));
        rows.add(List.of("lib_size_stripped", "KiB", "-", number(r.get("lib_size_kib", "jni")), "-", "-", "-"));
        rows.add(List.of("native_per_connection", "KiB", number(r.get("conn_native_kib", "c")), "(same structures)", "-", "-", "-"));
        for (String kind : List.of("handshake", "resume")) {
            for (String t : List.of("13", "12")) {
                String m = "cpu_us_" + kind + "_tls" + t;
                double c = r.get(m, "c");
                double j = r.get(m, "jni");
                rows.add(List.of(m, "us", fmt(c), fmt(j), ratio(j, c), "-", "-"));
            }
        }
        return rows;
    }

    private List<List<String>> coldStartTable() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("cold start (" + r.meta.getProperty("alt_rounds", "?") + " alternating rounds)", "wall ms",
                "over hello", "peak RSS MiB", "over hello"));
        double hw = r.get("alt_wall_ms", "hello");
        double hr = r.get("alt_rss_mib", "hello");
        for (String n : r.coldNames()) {
            double w = r.get("alt_wall_ms", n);
            double rss = r.get("alt_rss_mib", n);
            rows.add(List.of(n, fmt(w), diff(w, hw), fmt(rss), diff(rss, hr)));
        }
        return rows;
    }

    private List<List<String>> architectureTable() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("architecture", "lib_size_stripped KiB", "native_per_connection KiB", "protocol", "measured"));
        rows.add(List.of("linux_64", number(r.get("lib_size_kib", "jni")), number(r.get("conn_native_kib", "c")),
                r.memoryCiphersuite(""), "natively"));
        for (String row : r.archRows()) {
            String platform = row.substring(0, row.indexOf(':'));
            rows.add(List.of(platform, number(r.get("lib_size_kib", "jni_" + platform)),
                    number(r.get("conn_native_kib", "c_" + platform)), r.memoryCiphersuite(platform),
                    "under " + row.substring(row.indexOf(':') + 1) + " (size and memory only)"));
        }
        return rows;
    }

    /** The METRIC lines, in the order and with the names the shell script printed them. */
    List<String> metricLines() {
        List<String> lines = new ArrayList<>();
        for (String m : METRICS) {
            double c = r.get(m, "c");
            double j = r.get(m, "jni");
            lines.add("METRIC " + m + " jni=" + number(j) + " c=" + number(c) + " jsse=" + number(r.get(m, "jsse"))
                    + " jni/c=" + ratio(j, c));
        }
        if (fast) {
            for (String m : METRICS) {
                if (m.startsWith("alloc")) {
                    continue;
                }
                double c = r.get(m, "c_fast");
                double j = r.get(m, "jni_fast");
                lines.add("METRIC " + m + "_fast jni=" + number(j) + " c=" + number(c) + " jsse=" + number(r.get(m, "jsse"))
                        + " jni/c=" + ratio(j, c));
            }
        }
        for (String m : PROVIDER_METRICS) {
            lines.add("METRIC provider_" + m + " socket=" + number(r.get(m, "provider_socket")) + " engine="
                    + number(r.get(m, "provider_engine")) + " jni=" + number(r.get(m, "jni")) + " c=" + number(r.get(m, "c"))
                    + " jsse=" + number(r.get(m, "jsse")) + " jsse_engine=" + number(r.get(m, "jsse_engine")));
        }
        for (String m : List.of("cold_start_ms", "rss_peak_mib")) {
            double c = r.get(m, "c");
            double j = r.get(m, "jni");
            double d = r.get(m, "jni_direct");
            String jsse = number(r.get(m, "jsse"));
            lines.add("METRIC " + m + " jni=" + number(j) + " c=" + number(c) + " jsse=" + jsse + " jni/c=" + ratio(j, c));
            // The same with -Dmbedtlsjni.loader=direct (the library loaded without native-lib-loader).
            lines.add("METRIC " + m + "_direct_loader jni=" + number(d) + " c=" + number(c) + " jsse=" + jsse + " jni/c="
                    + ratio(d, c));
        }
        lines.add("METRIC lib_size_stripped_kib jni=" + number(r.get("lib_size_kib", "jni")) + " c=- jsse=- jni/c=-");
        for (String row : r.archRows()) {
            String platform = row.substring(0, row.indexOf(':'));
            lines.add("METRIC lib_size_stripped_kib_" + platform + " jni=" + number(r.get("lib_size_kib", "jni_" + platform))
                    + " c=- jsse=- jni/c=-");
            lines.add("METRIC native_per_connection_kib_" + platform + " jni=- c="
                    + number(r.get("conn_native_kib", "c_" + platform)) + " jsse=- jni/c=-");
        }
        // CPU per connection: the binding's minus the C harness's, in µs (jni = thin classes,
        // tlsclient = TlsClient.connect; thread = the connecting thread alone, without the JVM's own threads;
        // provider = the JSSE provider's SSLSocket, provider_engine = its SSLEngine, full handshakes).
        for (String kind : List.of("handshake", "resume")) {
            for (String t : List.of("13", "12")) {
                String m = "cpu_us_" + kind + "_tls" + t;
                double c = r.get(m, "c");
                double j = r.get(m, "jni");
                double tc = r.get(m, "jni_tlsclient");
                double p = r.get(m, "provider");
                lines.add("METRIC " + m + " jni=" + number(j) + " c=" + number(c) + " jni-c=" + diff(j, c) + " tlsclient="
                        + number(tc) + " tlsclient-c=" + diff(tc, c) + " thread=" + number(r.get(m + "_thread", "jni"))
                        + " jni/c=" + ratio(j, c) + " provider=" + number(p) + " provider-c=" + diff(p, c)
                        + " provider_thread=" + number(r.get(m + "_thread", "provider"))
                        + " provider_engine=" + number(r.get(m, "provider_engine"))
                        + " heap_bytes: jni=" + number(r.get(m + "_heap", "jni")) + " tlsclient="
                        + number(r.get(m + "_heap", "jni_tlsclient")) + " provider=" + number(r.get(m + "_heap", "provider")));
            }
        }
        // Cold start against the hello world of the same run (alternating): wall ms and peak RSS MiB.
        List<String> names = r.coldNames();
        for (String n : names.subList(Math.min(1, names.size()), names.size())) {
            double w = r.get("alt_wall_ms", n);
            double hw = r.get("alt_wall_ms", "hello");
            double rss = r.get("alt_rss_mib", n);
            double hr = r.get("alt_rss_mib", "hello");
            lines.add("METRIC cold_start_" + n + "_ms jni=" + number(w) + " hello=" + number(hw) + " over_hello=" + diff(w, hw));
            lines.add("METRIC rss_peak_" + n + "_mib jni=" + number(rss) + " hello=" + number(hr) + " over_hello=" + diff(rss, hr));
        }
        return lines;
    }

    static String unit(String metric) {
        if (metric.startsWith("handshake") || metric.startsWith("roundtrip")) {
            return "1/s";
        }
        if (metric.startsWith("bulk")) {
            return "MB/s";
        }
        if (metric.startsWith("alloc")) {
            return "B/op";
        }
        return "";
    }

    /** A table cell: whole from 100, one decimal from 10, two below; "-" when not measured. */
    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return fixed(v, v >= 100 ? 0 : v >= 10 ? 1 : 2);
    }

    /** a / b with three decimals; "-" when either is missing or b is 0. */
    static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "-" : fixed(a / b, 3);
    }

    /** a - b with its sign and one decimal; "-" when either is missing. */
    static String diff(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return "-";
        }
        double d = a - b;
        String s = fixed(Math.abs(d), 1);
        return (d < 0 || (d == 0 && 1 / d < 0) ? "-" : "+") + s;
    }

    /** printf's %.Nf: the exact binary value rounded, ties to even. */
    static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "-";
        }
        String s = new BigDecimal(Math.abs(v)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        return v < 0 && !s.matches("[0.]*") ? "-" + s : s;
    }

    /** A value as awk prints a number: whole numbers as integers, others as %.6g; "-" when not measured. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        BigDecimal b = new BigDecimal(v).round(new MathContext(6, RoundingMode.HALF_EVEN));
        int exponent = b.precision() - b.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String digits = b.unscaledValue().abs().toString().replaceAll("0+$", "");
            String mantissa = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
            return (v < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = b.toPlainString();
        return plain.contains(".") ? plain.replaceAll("0+$", "").replaceAll("\\.$", "") : plain;
    }

    /** Rows as column -t lays them out: each column as wide as its widest cell, two spaces apart. */
    static String columns(List<List<String>> rows) {
        int n = 0;
        for (List<String> row : rows) {
            n = Math.max(n, row.size());
        }
        int[] width = new int[n];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) {
                    line.append(" ".repeat(width[i] - row.get(i).length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
