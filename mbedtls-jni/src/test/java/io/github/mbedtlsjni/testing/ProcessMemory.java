package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What the soak tests report about this process's memory: RSS after GC, the JVM's own share, live objects. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** VmRSS of this process after two full GCs. */
    public static long rssAfterGc() throws IOException, InterruptedException {
        System.gc();
        Thread.sleep(100);
        System.gc();
        Thread.sleep(100);
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** The JVM's committed memory per Native Memory Tracking, or -1 if NMT is off. */
    public static long nmtCommitted() {
        try {
            Object text = java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary", "scale=KB"}}, new String[] {String[].class.getName()});
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB")
                    .matcher(String.valueOf(text));
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** The non-zero counts, without the {@code mbedtls_} prefix. */
    public static String compact(Map<String, Long> counts) {
        StringBuilder s = new StringBuilder("{");
        counts.forEach((type, n) -> {
            if (n != 0) {
                s.append(s.length() > 1 ? ", " : "").append(type.replaceFirst("^mbedtls_", "")).append('=').append(n);
            }
        });
        return s.append('}').toString();
    }

    public static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
