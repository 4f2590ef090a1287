package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
    void newOptionsDefaults() throws UsageException {
        ConnectOptions o = parse("connect", "example.com:443", "--ca-file", "ca.pem");
        assertNull(o.caPath());
        assertFalse(o.jdkTrust());
        assertNull(o.cert());
        assertNull(o.key());
        assertNull(o.keyPassword());
        assertNull(o.alpn());
        assertNull(o.ciphersuites());
        assertEquals(0, o.timeoutMillis(), "no timeout");
        assertEquals(0, o.debugLevel(), "no debug output");
        assertEquals(-1, o.reconnect(), "no --reconnect");
        assertFalse(o.showChain());
    }

    @Test
    void everyNewOption() throws UsageException {
        ConnectOptions o = parse("connect", "h:443", "--ca-path", "/etc/ssl/certs", "--jdk-trust",
                "--cert", "client.pem", "--key", "client.key", "--key-password", "-secret-",
                "--alpn", "h2,http/1.1", "--ciphersuites", "TLS1-3-AES-128-GCM-SHA256,TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
                "--timeout", "2500", "--debug", "4", "--reconnect", "3", "--show-chain");
        assertNull(o.caFile());
        assertEquals(Path.of("/etc/ssl/certs"), o.caPath());
        assertTrue(o.jdkTrust());
        assertEquals(Path.of("client.pem"), o.cert());
        assertEquals(Path.of("client.key"), o.key());
        assertEquals("-secret-", o.keyPassword(), "a value is taken as is");
        assertEquals(List.of("h2", "http/1.1"), o.alpn());
        assertEquals(List.of("TLS1-3-AES-128-GCM-SHA256", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"), o.ciphersuites());
        assertEquals(2500, o.timeoutMillis());
        assertEquals(4, o.debugLevel());
        assertEquals(3, o.reconnect());
        assertTrue(o.showChain());

        ConnectOptions eq = parse("connect", "h:443", "--jdk-trust", "--timeout=0", "--debug=0", "--reconnect=0", "--alpn=x");
        assertEquals(0, eq.timeoutMillis());
        assertEquals(0, eq.reconnect(), "0 given: no reconnection, an empty report");
        assertEquals(List.of("x"), eq.alpn());
    }

    @Test
    void anyTrustSourceIsEnough() throws UsageException {
        assertTrue(parse("connect", "h:1", "--jdk-trust").jdkTrust());
        assertEquals(Path.of("d"), parse("connect", "h:1", "--ca-path", "d").caPath());
        assertEquals(Path.of("c"), parse("connect", "h:1", "--jdk-trust", "--crl-file", "c").crlFile());
        assertEquals(Path.of("c"), parse("connect", "h:1", "--ca-path", "d", "--crl-file", "c").crlFile());
        assertTrue(usageError("connect", "h:1").contains("--jdk-trust"), "the message names every trust option");
    }

    @Test
    void newOptionsUsageErrors() {
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--cert", "c").startsWith("--cert needs --key"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--key", "k").startsWith("--key needs --cert"));
        assertEquals("--key-password needs --key", usageError("connect", "h:1", "--ca-file", "a", "--key-password", "p"));
        assertEquals("--ca-path needs a value", usageError("connect", "h:1", "--ca-path"));
        assertEquals("--ca-path needs a file name", usageError("connect", "h:1", "--ca-path", ""));
        assertEquals("--ca-path was given twice", usageError("connect", "h:1", "--ca-path", "a", "--ca-path", "b"));
        assertEquals("--jdk-trust takes no value", usageError("connect", "h:1", "--jdk-trust=yes"));
        assertEquals("--show-chain takes no value", usageError("connect", "h:1", "--ca-file", "a", "--show-chain=1"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--alpn", "").startsWith("--alpn needs a comma-separated list"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--alpn", "h2,").startsWith("--alpn needs a comma-separated list"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--alpn", "h 2").contains("space"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--alpn", "x".repeat(256)).contains("longer than 255 bytes"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--ciphersuites", ",").startsWith("--ciphersuites needs"));
        assertEquals("--timeout must be a number of milliseconds (0: none), not '1.5'",
                usageError("connect", "h:1", "--ca-file", "a", "--timeout", "1.5"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--timeout", "-1").startsWith("--timeout must be"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--timeout", "99999999999").startsWith("--timeout must be"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--debug", "5").startsWith("--debug must be a level from 0"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--debug", "x").startsWith("--debug must be"));
        assertTrue(usageError("connect", "h:1", "--ca-file", "a", "--reconnect", "101").startsWith("--reconnect must be a number from 0 to 100"));
        assertEquals("--reconnect was given twice", usageError("connect", "h:1", "--ca-file", "a", "--reconnect", "1", "--reconnect", "2"));
        assertEquals("--timeout needs a value", usageError("connect", "h:1", "--ca-file", "a", "--timeout"));
    }

    @Test
    void mainListsTheCommandsAndHasHelpPerCommand() {
        Run top = Run.of("--help");
        assertEquals(0, top.status);
        assertEquals(Main.USAGE, top.out);
        assertTrue(top.out.contains("connect HOST:PORT") && top.out.contains("demo [HOST:PORT]") && top.out.contains("version"));
        assertEquals(ConnectOptions.USAGE, Run.of("help", "connect").out);
        assertEquals(Demo.USAGE, Run.of("demo", "--help").out);
        assertEquals(Demo.USAGE, Run.of("help", "demo").out);
        assertEquals(0, Run.of("demo", "--help").status);
        assertEquals(VerifyOptions.USAGE, Run.of("verify", "--help").out);
        assertEquals(VerifyOptions.USAGE, Run.of("help", "verify").out);
        assertTrue(top.out.contains("verify CHAIN"), top.out);
        Run demoUsage = Run.of("demo", "--bogus");
        assertEquals("mbedtls-jni-cli: demo: unexpected or incomplete option '--bogus' (see demo --help)\n", demoUsage.err);

        Run unknown = Run.of("fetch", "h:1");
        assertEquals(64, unknown.status);
        assertEquals("mbedtls-jni-cli: unknown command 'fetch': expected connect, verify, demo or version (see --help)\n",
                unknown.err, "one line, not the whole help");
        assertEquals(64, Run.of("demo", "--bogus").status);
        assertEquals(64, Run.of("demo", "h:1", "h:2").status);
        assertEquals(64, Run.of("demo", "no-port").status);
        assertEquals(64, Run.of("demo", "--ca-file", "ca.pem").status, "--ca-file is for HOST:PORT");
        Run missingCa = Run.of("demo", "localhost:1", "--ca-file", "no-such-ca.pem");
        assertEquals(64, missingCa.status, missingCa.err);
        assertEquals("mbedtls-jni-cli: --ca-file no-such-ca.pem: no such file (see demo --help)\n", missingCa.err);
        assertEquals("", missingCa.out, "before anything is shown");
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
        assertTrue(run.err.endsWith(" (see connect --help)\n"), run.err);
        assertEquals(1, run.err.split("\n").length, "the one line that matters, not the whole help: " + run.err);
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
