package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.AuthMode;
import io.github.mbedtlsjni.VerifyResult;
import java.util.ArrayList;
import java.util.List;

/** Prints a {@link ConnectResult}: one JSON object, or a summary for people. */
final class Report {
    private Report() {}

    /** The result as one JSON object, on one line; see {@link ConnectOptions#USAGE} for the members. */
    static String json(ConnectResult r) {
        JsonWriter json = new JsonWriter()
                .add("handshake", r.handshakeOk ? "ok" : "failed")
                .add("error_code", r.errorCode)
                .add("error", r.error);
        if (r.verify != null) {
            json.add("verify_flags", r.verify.flags())
                    .addStrings("verify_flag_names", r.verify.flagNames())
                    .addStrings("verify_categories", r.verify.categoryTags())
                    .add("verify_info", String.join("\n", infoLines(r.verify)));
        }
        json.add("protocol", r.protocol)
                .add("ciphersuite", r.ciphersuite)
                .add("peer_subject", r.peerSubject)
                .add("mbedtls_version", r.mbedtlsVersion);
        if (r.options.send() != null) {
            json.add("received", r.received);
        }
        return json.toString();
    }

    /** The result as a few aligned lines of text. */
    static String human(ConnectResult r) {
        StringBuilder sb = new StringBuilder();
        ConnectOptions o = r.options;
        line(sb, "Server", o.address() + (o.serverName().equals(o.host()) ? "" : " (server name " + o.serverName() + ")"));
        line(sb, "Handshake", r.handshakeOk ? "ok" : "failed");
        if (r.error != null) {
            line(sb, "Error", r.error);
        }
        if (r.protocol != null) {
            line(sb, "Protocol", r.protocol);
        }
        if (r.ciphersuite != null) {
            line(sb, "Ciphersuite", r.ciphersuite);
        }
        if (r.peerSubject != null) {
            line(sb, "Peer subject", r.peerSubject);
        }
        line(sb, "Verification", verification(r));
        for (String info : r.verify == null ? List.<String>of() : infoLines(r.verify)) {
            line(sb, "", info);
        }
        if (r.received != null) {
            line(sb, "Received", printable(r.received));
        }
        line(sb, "Mbed TLS", r.mbedtlsVersion == null ? "not loaded" : r.mbedtlsVersion);
        return sb.toString();
    }

    private static String verification(ConnectResult r) {
        VerifyResult v = r.verify;
        if (v == null) {
            return "no certificate was verified";
        }
        String flags = String.format("flags 0x%08x", v.flags());
        if (v.isOk()) {
            return "ok (" + flags + ")";
        }
        String failed = "FAILED (" + flags + ")";
        return r.options.verify() == AuthMode.OPTIONAL ? failed + ", ignored because of --verify optional" : failed;
    }

    /**
     * {@code mbedtls_x509_crt_verify_info}'s text as lines, without the trailing newline. Mbed TLS
     * writes nothing for flags 0, so neither is anything taken from the result then.
     */
    private static List<String> infoLines(VerifyResult verify) {
        List<String> lines = new ArrayList<>();
        if (verify.isOk()) {
            return lines;
        }
        for (String line : verify.info().split("\n")) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The server's answer on one line: control characters (the newline included) escaped as in JSON. */
    private static String printable(String text) {
        return JsonWriter.quote(text);
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append(String.format("%-14s%s%n", label.isEmpty() ? "" : label + ":", value));
    }
}
