package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
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
            verifyJson(json, r.verify);
        }
        json.add("protocol", r.protocol)
                .add("ciphersuite", r.ciphersuite)
                .add("peer_subject", r.peerSubject)
                .add("mbedtls_version", r.mbedtlsVersion);
        if (r.options.send() != null) {
            json.add("received", r.received);
        }
        if (r.options.alpn() != null) {
            json.add("alpn", r.alpn);
        }
        if (r.options.showChain()) {
            json.addObjects("chain", chainJson(r.chain));
        }
        if (r.options.reconnect() >= 0) {
            List<JsonWriter> resumptions = new ArrayList<>();
            for (ConnectResult.Resumption x : r.resumptions) {
                resumptions.add(new JsonWriter().add("resumed", x.resumed).add("session_offered", x.sessionOffered)
                        .add("handshake", x.handshakeOk ? "ok" : "failed").add("error_code", x.errorCode)
                        .add("error", x.error).add("protocol", x.protocol).add("ciphersuite", x.ciphersuite));
            }
            json.addObjects("resumptions", resumptions);
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
        if (r.handshakeOk && (r.peerSubject != null || r.protocol != null)) {
            line(sb, "Peer subject", ConnectResult.ChainEntry.shown(r.peerSubject));
        }
        line(sb, "Verification", verification(r));
        for (String info : r.verify == null ? List.<String>of() : infoLines(r.verify)) {
            line(sb, "", info);
        }
        if (r.received != null) {
            line(sb, "Received", printable(r.received));
        }
        if (o.alpn() != null && r.handshakeOk) {
            line(sb, "ALPN", r.alpn == null ? "none negotiated (offered " + String.join(", ", o.alpn()) + ")" : r.alpn);
        }
        chainLines(sb, r.chain);
        for (int i = 0; i < r.resumptions.size(); i++) {
            ConnectResult.Resumption x = r.resumptions.get(i);
            String what;
            if (!x.handshakeOk) {
                what = "failed: " + x.error;
            } else if (x.resumed) {
                what = "resumed (" + x.protocol + ", " + x.ciphersuite + ")";
            } else {
                what = "not resumed: full handshake" + (x.sessionOffered ? "" : ", no session to offer")
                        + " (" + x.protocol + ", " + x.ciphersuite + ")";
            }
            line(sb, "Reconnect " + (i + 1), what);
        }
        line(sb, "Mbed TLS", r.mbedtlsVersion == null ? "not loaded" : r.mbedtlsVersion);
        return sb.toString();
    }

    private static String verification(ConnectResult r) {
        VerifyResult v = r.verify;
        if (v == null) {
            return "no certificate was verified";
        }
        String flags = "flags 0x" + hex8(v.flags());
        if (v.isOk()) {
            return "ok (" + flags + ")";
        }
        String failed = "FAILED (" + flags + ")";
        return r.options.verify() == AuthMode.OPTIONAL ? failed + ", ignored because of --verify optional" : failed;
    }

    /** The verify_* members, the same for connect and verify. */
    static void verifyJson(JsonWriter json, VerifyResult verify) {
        json.add("verify_flags", verify.flags())
                .addStrings("verify_flag_names", verify.flagNames())
                .addStrings("verify_categories", verify.categoryTags())
                .add("verify_info", String.join("\n", infoLines(verify)));
    }

    /** The chain member: [{subject, issuer, not_before, not_after, sha256}], the same for connect and verify. */
    static List<JsonWriter> chainJson(List<ConnectResult.ChainEntry> chain) {
        List<JsonWriter> objects = new ArrayList<>();
        for (ConnectResult.ChainEntry c : chain) {
            objects.add(new JsonWriter().add("subject", c.subject).add("issuer", c.issuer)
                    .add("not_before", c.notBefore).add("not_after", c.notAfter).add("sha256", c.sha256));
        }
        return objects;
    }

    /** A chain for people: each certificate's subject, issuer, validity and fingerprint. */
    static void chainLines(StringBuilder sb, List<ConnectResult.ChainEntry> chain) {
        for (int i = 0; i < chain.size(); i++) {
            ConnectResult.ChainEntry c = chain.get(i);
            line(sb, i == 0 ? "Chain" : "", "[" + i + "] " + ConnectResult.ChainEntry.shown(c.subject));
            line(sb, "", "    issuer   " + ConnectResult.ChainEntry.shown(c.issuer));
            line(sb, "", "    valid    " + c.notBefore + " to " + c.notAfter);
            line(sb, "", "    sha256   " + c.sha256);
        }
    }

    /**
     * {@code mbedtls_x509_crt_verify_info}'s text as lines, without the trailing newline. Mbed TLS
     * writes nothing for flags 0, so neither is anything taken from the result then.
     */
    static List<String> infoLines(VerifyResult verify) {
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

    /**
     * One line: the label and a colon, padded to 14 columns (or followed by a space), then the
     * value. Written out rather than with String.format, whose Formatter compiles a regex: the
     * report is the last thing a cold start does.
     */
    static void line(StringBuilder sb, String label, String value) {
        String text = label.isEmpty() ? "" : label + ":";
        sb.append(text);
        for (int i = text.length(); i < 14; i++) {
            sb.append(' ');
        }
        if (text.length() >= 14) {
            sb.append(' ');
        }
        sb.append(value).append(System.lineSeparator());
    }

    /** {@code flags} as 8 lower-case hex digits, as {@code %08x}. */
    static String hex8(int flags) {
        String hex = Integer.toHexString(flags);
        return "00000000".substring(hex.length()) + hex;
    }
}
