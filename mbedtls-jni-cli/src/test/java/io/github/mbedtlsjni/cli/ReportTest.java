package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.testing.MiniJson;
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
    void newMembersOnlyWithTheirOptions() throws UsageException {
        ConnectResult r = new ConnectResult(options("--alpn", "h2,http/1.1", "--show-chain", "--reconnect", "2"), true, false,
                0, null, new VerifyResult(0, ""), "TLSv1.3", "TLS1-3-AES-256-GCM-SHA384", "CN=localhost", "3.6.7", null,
                "h2",
                List.of(new ConnectResult.ChainEntry("CN=localhost", "CN=ca", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "ab01"),
                        new ConnectResult.ChainEntry("CN=ca", "CN=root", "2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "cd02")),
                List.of(new ConnectResult.Resumption(true, true, true, false, 0, null, "TLSv1.3", "TLS1-3-AES-256-GCM-SHA384"),
                        new ConnectResult.Resumption(false, true, true, false, 0, null, "TLSv1.3", "TLS1-3-AES-256-GCM-SHA384")));
        assertEquals(0, r.exitStatus(), "a reconnection that did not resume is no failure");
        Map<String, Object> json = MiniJson.parseObject(Report.json(r));
        assertEquals(List.of("handshake", "error_code", "error", "verify_flags", "verify_flag_names", "verify_categories", "verify_info", "protocol",
                "ciphersuite", "peer_subject", "mbedtls_version", "alpn", "chain", "resumptions"), List.copyOf(json.keySet()));
        assertEquals("h2", json.get("alpn"));
        assertEquals(Map.of("subject", "CN=localhost", "issuer", "CN=ca", "not_before", "2025-01-01T00:00:00Z",
                "not_after", "2025-02-01T00:00:00Z", "sha256", "ab01"), ((List<?>) json.get("chain")).get(0));
        List<?> resumptions = (List<?>) json.get("resumptions");
        assertEquals(2, resumptions.size());
        Map<?, ?> first = (Map<?, ?>) resumptions.get(0);
        assertEquals(List.of("resumed", "session_offered", "handshake", "error_code", "error", "protocol", "ciphersuite"),
                List.copyOf(first.keySet().stream().map(String::valueOf).collect(java.util.stream.Collectors.toList())));
        assertEquals(Boolean.TRUE, first.get("resumed"));
        assertEquals(Boolean.FALSE, ((Map<?, ?>) resumptions.get(1)).get("resumed"));

        String human = Report.human(r);
        assertTrue(human.contains("ALPN:         h2"), human);
        assertTrue(human.contains("Chain:        [0] CN=localhost"), human);
        assertTrue(human.contains("                  issuer   CN=ca"), human);
        assertTrue(human.contains("Reconnect 1:  resumed (TLSv1.3, TLS1-3-AES-256-GCM-SHA384)"), human);
        assertTrue(human.contains("Reconnect 2:  not resumed: full handshake (TLSv1.3"), human);
    }

    @Test
    void aFailedReconnectionFails() throws UsageException {
        ConnectResult network = new ConnectResult(options("--reconnect", "1"), true, false, 0, null, new VerifyResult(0, ""),
                "TLSv1.2", "suite", "CN=x", "3.6.7", null, null, List.of(),
                List.of(new ConnectResult.Resumption(false, true, false, false, -0x44, "mbedtls_net_connect: -0x0044", null, null)));
        assertEquals(2, network.exitStatus());
        assertTrue(Report.human(network).contains("Reconnect 1:  failed: mbedtls_net_connect"), Report.human(network));
        ConnectResult verify = new ConnectResult(options("--reconnect", "1"), true, false, 0, null, new VerifyResult(0, ""),
                "TLSv1.2", "suite", "CN=x", "3.6.7", null, null, List.of(),
                List.of(new ConnectResult.Resumption(false, false, false, true, -0x2700, "x", null, null)));
        assertEquals(1, verify.exitStatus());
        ConnectResult none = new ConnectResult(options("--reconnect", "0"), true, false, 0, null, new VerifyResult(0, ""),
                "TLSv1.2", "suite", "CN=x", "3.6.7", null);
        assertEquals(List.of(), MiniJson.parseObject(Report.json(none)).get("resumptions"), "--reconnect 0: an empty list");
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
