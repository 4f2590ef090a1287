package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.VerifyResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Report} and {@link ConnectResult#exitStatus()} on made-up results, without a network. */
class ReportTest {
    private static final String CN_MISMATCH_INFO = "The certificate Common Name (CN) does not match with the expected CN\n";

    private static ConnectOptions options(String... extra) throws UsageException {
        String[] args = new String[extra.length + 4];
        args[0] = "connect";
        args[1] = "127.0.0.1:4433";
        args[2] = "--ca-file";
        args[3] = "ca.pem";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return ConnectOptions.parse(args);
    }

    @Test
    void success() throws UsageException {
        ConnectResult r = new ConnectResult(options("--send", "hello"), true, false, 0, null,
                new VerifyResult(0, "text for flags 0 is ignored: Mbed TLS writes none"),
                "TLSv1.3", "TLS1-3-AES-256-GCM-SHA384", "CN=localhost", "3.6.7", "olleh\n");
        assertEquals(0, r.exitStatus());
        Map<String, Object> json = MiniJson.parseObject(Report.json(r));
        assertEquals(List.of("handshake", "error_code", "error", "verify_flags", "verify_flag_names", "verify_categories", "verify_info", "protocol",
                "ciphersuite", "peer_subject", "mbedtls_version", "received"), List.copyOf(json.keySet()));
        assertEquals("ok", json.get("handshake"));
        assertEquals(0L, json.get("error_code"));
        assertNull(json.get("error"));
        assertEquals(0L, json.get("verify_flags"));
        assertEquals("", json.get("verify_info"));
        assertEquals("TLSv1.3", json.get("protocol"));
        assertEquals("olleh\n", json.get("received"));

        String human = Report.human(r);
        assertTrue(human.contains("Handshake:    ok"), human);
        assertTrue(human.contains("Verification: ok (flags 0x00000000)"), human);
        assertTrue(human.contains("Received:     \"olleh\\n\""), human);
    }

    @Test
    void verificationFailure() throws UsageException {
        ConnectResult r = new ConnectResult(options("--server-name", "wrong.example"), false, true, -0x2700,
                "mbedtls_ssl_handshake: -0x2700 X509 - Certificate verification failed",
                new VerifyResult(0x04 | 0x08, CN_MISMATCH_INFO + "The certificate is not correctly signed by the trusted CA\n"),
                null, null, null, "3.6.7", null);
        assertEquals(1, r.exitStatus());
        Map<String, Object> json = MiniJson.parseObject(Report.json(r));
        assertEquals("failed", json.get("handshake"));
        assertEquals((long) -0x2700, json.get("error_code"));
        assertEquals(12L, json.get("verify_flags"));
        assertEquals("The certificate Common Name (CN) does not match with the expected CN\n"
                + "The certificate is not correctly signed by the trusted CA", json.get("verify_info"));
        assertTrue(json.containsKey("protocol") && json.get("protocol") == null);
        assertFalse(json.containsKey("received"), "no --send");

        String human = Report.human(r);
        assertTrue(human.contains("(server name wrong.example)"), human);
        assertTrue(human.contains("Verification: FAILED (flags 0x0000000c)"), human);
        assertTrue(human.contains("              The certificate is not correctly signed"), human);
    }

    @Test
    void optionalVerificationIsReportedButDoesNotFail() throws UsageException {
        ConnectResult r = new ConnectResult(options("--verify", "optional"), true, false, 0, null,
                new VerifyResult(0x04, CN_MISMATCH_INFO), "TLSv1.2", "suite", "CN=x", "3.6.7", null);
        assertEquals(0, r.exitStatus());
        assertEquals(4L, MiniJson.parseObject(Report.json(r)).get("verify_flags"));
        assertTrue(Report.human(r).contains("ignored because of --verify optional"));
    }

    @Test
    void networkFailureHasNoVerifyFlags() throws UsageException {
        ConnectResult r = new ConnectResult(options("--send", "x"), false, false, -0x52,
                "mbedtls_net_connect: -0x0052 NET - The connection to the given server / port failed", null,
                null, null, null, "3.6.7", null);
        assertEquals(2, r.exitStatus());
        Map<String, Object> json = MiniJson.parseObject(Report.json(r));
        assertFalse(json.containsKey("verify_flags"));
        assertFalse(json.containsKey("verify_info"));
        assertTrue(json.containsKey("received") && json.get("received") == null);
        assertTrue(Report.human(r).contains("Verification: no certificate was verified"));
    }
}
