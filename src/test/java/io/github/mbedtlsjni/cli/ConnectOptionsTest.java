package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.AuthMode;
import io.github.mbedtlsjni.TlsVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ConnectOptions} and {@link Main}'s handling of usage errors and help, without a network. */
class ConnectOptionsTest {
    private static ConnectOptions parse(String... args) throws UsageException {
        return ConnectOptions.parse(args);
    }

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> ConnectOptions.parse(args)).getMessage();
    }

    @Test
    void defaults() throws UsageException {
        ConnectOptions o = parse("connect", "example.com:443", "--ca-file", "ca.pem");
        assertFalse(o.help());
        assertEquals("example.com", o.host());
        assertEquals(443, o.port());
        assertEquals(Path.of("ca.pem"), o.caFile());
        assertNull(o.crlFile());
        assertEquals("example.com", o.serverName(), "the server name defaults to HOST");
        assertEquals(AuthMode.REQUIRED, o.verify());
        assertEquals(TlsVersion.TLS1_2, o.tlsMin());
        assertNull(o.tlsMax());
        assertNull(o.send());
        assertFalse(o.json());
        assertEquals("example.com:443", o.address());
    }

    @Test
    void everyOption() throws UsageException {
        ConnectOptions o = parse("connect", "--json", "--ca-file", "ca.pem", "--crl-file", "crl.pem",
                "--server-name", "www.example", "--verify", "optional", "--tls-min", "1.3", "--tls-max", "1.3",
                "--send", "--not an option--", "127.0.0.1:8443");
        assertEquals("127.0.0.1", o.host());
        assertEquals(8443, o.port());
        assertEquals(Path.of("crl.pem"), o.crlFile());
        assertEquals("www.example", o.serverName());
        assertEquals(AuthMode.OPTIONAL, o.verify());
        assertEquals(TlsVersion.TLS1_3, o.tlsMin());
        assertEquals(TlsVersion.TLS1_3, o.tlsMax());
        assertEquals("--not an option--", o.send(), "an option's value is taken as is");
        assertTrue(o.json());
    }

    @Test
    void optionEqualsValue() throws UsageException {
        ConnectOptions o = parse("connect", "h:1", "--ca-file=ca.pem", "--send=a=b", "--tls-max=1.2");
        assertEquals(Path.of("ca.pem"), o.caFile());
        assertEquals("a=b", o.send());
        assertEquals(TlsVersion.TLS1_2, o.tlsMax());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[::1]:443                 | ::1                 | 443  | [::1]:443",
        "[2001:db8::1]:8443        | 2001:db8::1         | 8443 | [2001:db8::1]:8443",
        "[fe80::1%eth0]:1          | fe80::1%eth0        | 1    | [fe80::1%eth0]:1",
        "[::ffff:127.0.0.1]:65535  | ::ffff:127.0.0.1    | 65535| [::ffff:127.0.0.1]:65535",
        "localhost:4433            | localhost           | 4433 | localhost:4433",
        "10.0.0.1:0443             | 10.0.0.1            | 443  | 10.0.0.1:443",
    })
    void hostAndPort(String address, String host, int port, String normalized) throws UsageException {
        ConnectOptions o = parse("connect", address, "--ca-file", "ca.pem");
        assertEquals(host, o.host());
        assertEquals(port, o.port());
        assertEquals(host, o.serverName());
        assertEquals(normalized, o.address());
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com:", ":443", "[::1]", "[::1]443", "[::1:443", "[]:443",
        "::1:443", "2001:db8::1:443", "h:0", "h:65536", "h:99999999999", "h:-1", "h:+1", "h:44a", "h: 1",
        "bad host:443"})
    void badAddresses(String address) {
        usageError("connect", address, "--ca-file", "ca.pem");
    }

    @Test
    void ipv6WithoutBracketsSaysSo() {
        assertTrue(usageError("connect", "::1:443", "--ca-file", "ca.pem").contains("[::1]:443"));
    }

    @Test
    void caFileIsRequiredUnlessVerificationIsOptional() throws UsageException {
        assertTrue(usageError("connect", "h:443").startsWith("--ca-file is required"));
        assertTrue(usageError("connect", "h:443", "--verify", "required").startsWith("--ca-file is required"));
        ConnectOptions o = parse("connect", "h:443", "--verify", "optional");
        assertNull(o.caFile());
        assertEquals(AuthMode.OPTIONAL, o.verify());
    }

    @Test
    void badUsageMessages() {
        assertEquals("missing command: expected 'connect HOST:PORT'", usageError());
        assertTrue(usageError("fetch", "h:1").startsWith("unknown command 'fetch'"));
        assertEquals("missing HOST:PORT", usageError("connect", "--ca-file", "ca.pem"));
        assertEquals("unknown option '--bogus'", usageError("connect", "h:1", "--ca-file", "ca.pem", "--bogus"));
        assertEquals("unknown option '-x'", usageError("connect", "h:1", "--ca-file", "ca.pem", "-x"));
        assertEquals("--ca-file needs a value", usageError("connect", "h:1", "--ca-file"));
        assertEquals("--ca-file was given twice", usageError("connect", "h:1", "--ca-file", "a", "--ca-file", "b"));
        assertEquals("--json takes no value", usageError("connect", "h:1", "--ca-file", "a", "--json=yes"));
        assertTrue(usageError("connect", "h:1", "h:2", "--ca-file", "a").startsWith("unexpected argument 'h:2'"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--verify", "none").startsWith("--verify must be"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--tls-min", "1.1").startsWith("--tls-min must be"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--tls-max", "TLS1.3").startsWith("--tls-max must be"));
        assertEquals("--tls-max 1.2 is lower than --tls-min 1.3",
                usageError("connect", "h:1", "--ca-file", "a", "--tls-min", "1.3", "--tls-max", "1.2"));
        assertTrue(usageError("connect", "h:1", "--crl-file", "c", "--verify", "optional").startsWith("--crl-file needs --ca-file"));
        assertEquals("--server-name is empty", usageError("connect", "h:1", "--ca-file", "a", "--server-name", ""));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--server-name", "a b").contains("space"));
        assertEquals("--ca-file needs a file name", usageError("connect", "h:1", "--ca-file", ""));
    }

    @Test
    void help() throws UsageException {
        assertTrue(parse("--help").help());
        assertTrue(parse("-h").help());
        assertTrue(parse("connect", "--help").help());
        assertTrue(parse("connect", "h:1", "--help").help(), "help wins over a missing --ca-file");
    }

    @Test
    void mainPrintsHelpOnStdoutAndExitsZero() {
        Run run = Run.of("connect", "--help");
        assertEquals(0, run.status);
        assertEquals(ConnectOptions.USAGE, run.out);
        assertEquals("", run.err);
        assertTrue(run.out.startsWith("Usage: java -jar mbedtls-jni-cli.jar connect HOST:PORT"));
        assertEquals(0, Run.of("--help").status);
    }

    @Test
    void mainReportsBadUsageOnStderrWithStatus64() {
        Run run = Run.of("connect", "[::1]:443", "--json");
        assertEquals(64, run.status);
        assertEquals("", run.out, "nothing on stdout, not even with --json");
        assertTrue(run.err.startsWith("mbedtls-jni-cli: --ca-file is required"), run.err);
        assertTrue(run.err.contains(ConnectOptions.USAGE), run.err);
        assertEquals(64, Run.of().status);
        assertEquals(64, Run.of("connect").status);
    }

    /** One in-process run of {@link Main#run}. */
    private static final class Run {
        final int status;
        final String out;
        final String err;

        private Run(int status, String out, String err) {
            this.status = status;
            this.out = out;
            this.err = err;
        }

        static Run of(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
