package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.OpenSsl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code req} of the packaged CLI, as a subprocess: a new key (mode 0600) and a CSR that
 * {@code openssl req -verify} accepts with the subject and subjectAltNames asked for; an existing
 * key reused; files never overwritten; bad options one line and status 64.
 */
class ReqCommandIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private CliRun cli(String... args) throws Exception {
        return CliRun.of(dir, args);
    }

    @Test
    void writesANewKeyAndACsrThatOpenSslVerifies() throws Exception {
        Path csr = dir.resolve("dev42.csr");
        Path key = dir.resolve("dev42.key");
        CliRun run = cli("req", "--key-type", "ec", "--curve", "secp384r1", "--subject", "CN=dev42", "--san", "DNS:dev42.local",
                "--san", "IP:192.0.2.42", "--out", csr.toString(), "--key-out", key.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        OpenSsl.Result verified = OpenSsl.run(TIMEOUT, "req", "-in", csr.toString(), "-verify", "-noout", "-text");
        assertEquals(0, verified.exitCode(), verified.output());
        assertTrue(verified.output().contains("CN = dev42") || verified.output().contains("CN=dev42"), verified.output());
        assertTrue(verified.output().contains("DNS:dev42.local") && verified.output().contains("IP Address:192.0.2.42"), verified.output());
        OpenSsl.Result k = OpenSsl.run(TIMEOUT, "pkey", "-in", key.toString(), "-check", "-noout");
        assertEquals(0, k.exitCode(), k.output());

        // The same key again, for a second CSR; the existing files are not overwritten.
        Path second = dir.resolve("second.csr");
        run = cli("req", "--key", key.toString(), "--subject", "CN=dev42,O=Example", "--out", second.toString());
        assertEquals(0, run.status(), run.err());
        OpenSsl.Result pub1 = OpenSsl.run(TIMEOUT, "req", "-in", csr.toString(), "-noout", "-pubkey");
        OpenSsl.Result pub2 = OpenSsl.run(TIMEOUT, "req", "-in", second.toString(), "-noout", "-pubkey");
        assertEquals(pub1.output(), pub2.output());
        byte[] before = Files.readAllBytes(key);
        run = cli("req", "--subject", "CN=x", "--out", dir.resolve("third.csr").toString(), "--key-out", key.toString());
        assertEquals(64, run.status());
        assertTrue(run.err().contains("exists"), run.err());
        assertEquals(new String(before), new String(Files.readAllBytes(key)));
        assertFalse(Files.exists(dir.resolve("third.csr")));
    }

    @Test
    void rsaKeysWork() throws Exception {
        Path csr = dir.resolve("rsa.csr");
        CliRun run = cli("req", "--key-type", "rsa", "--bits", "2048", "--subject", "CN=rsa", "--out", csr.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(0, OpenSsl.run(TIMEOUT, "req", "-in", csr.toString(), "-verify", "-noout").exitCode());
    }

    @Test
    void badOptionsAreOneLineAndStatus64() throws Exception {
        String out = dir.resolve("x.csr").toString();
        for (String[] args : new String[][] {
            {"req", "--out", out},
            {"req", "--subject", "CN=x", "--out", out, "--key-type", "dsa"},
            {"req", "--subject", "CN=x", "--out", out, "--san", "FAX:123"},
            {"req", "--subject", "CN=x", "--out", out, "--san", "IP:dev42.local"},
            {"req", "--subject", "CN=x", "--out", out, "--bits", "many", "--key-type", "rsa"},
            {"req", "--subject", "", "--out", out},
            {"req", "--subject", "CN=x", "--out", out, "--key", dir.resolve("missing.key").toString()},
            {"req", "--subject", "CN=x", "--out", out, "--nosuch", "1"},
        }) {
            CliRun run = cli(args);
            assertEquals(64, run.status(), String.join(" ", args) + ": " + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
        }
        CliRun refused = cli("req", "--subject", "CN=x", "--out", out, "--curve", "secp255r1");
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("unknown curve"), refused.err());
        assertFalse(Files.exists(Path.of(out)));
    }
}
