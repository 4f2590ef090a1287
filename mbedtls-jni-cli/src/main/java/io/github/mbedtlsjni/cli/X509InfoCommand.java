package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.AuthorityKeyIdentifier;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SubjectAltName;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.mbedtls.X509Csr;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code x509 info FILE [--json]}: what Mbed TLS reads in a file of certificates, CRLs or one CSR
 * (PEM or DER): its own info text ({@code mbedtls_x509_crt_info}, {@code _crl_info},
 * {@code _csr_info}), or with {@code --json} the typed fields. Which kind a file holds: a PEM
 * header says; DER is tried as a certificate, then a CRL, then a CSR, and Mbed TLS's first
 * refusal is reported if none parses.
 */
final class X509InfoCommand {
    static final String USAGE = String.join("\n",
            "Usage: mbedtls-jni x509 info FILE [--json]",
            "",
            "Prints what Mbed TLS reads in FILE: certificates, CRLs or a certificate signing",
            "request, PEM or DER. Without --json, Mbed TLS's own info text (mbedtls_x509_crt_info,",
            "mbedtls_x509_crl_info, mbedtls_x509_csr_info); with --json, one object with the kind",
            "and the typed fields of each certificate, CRL or the request.",
            "",
            "Exit status: 0 ok, 2 any other failure, 64 bad usage (a missing or unreadable FILE,",
            "or one Mbed TLS cannot parse: its error and code are printed).",
            "");

    private X509InfoCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean json = false;
        Path file = null;
        if (args.length < 2 || !args[1].equals("info")) {
            if (args.length >= 2 && (args[1].equals("--help") || args[1].equals("-h"))) {
                out.print(USAGE);
                out.flush();
                return ConnectResult.OK;
            }
            return Main.usage(err, "expected 'x509 info FILE'", "x509");
        }
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--json")) {
                json = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                out.flush();
                return ConnectResult.OK;
            } else if (a.startsWith("-")) {
                return Main.usage(err, "unknown option '" + a + "'", "x509");
            } else if (file != null) {
                return Main.usage(err, "one FILE only, got '" + file + "' and '" + a + "'", "x509");
            } else {
                file = Path.of(a);
            }
        }
        if (file == null) {
            return Main.usage(err, "missing FILE", "x509");
        }
        byte[] data;
        try {
            if (Files.isDirectory(file)) {
                return Main.usage(err, "FILE " + file + ": is a directory, not a file", "x509");
            }
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Main.usage(err, "FILE " + file + ": no such file", "x509");
        } catch (AccessDeniedException e) {
            return Main.usage(err, "FILE " + file + ": cannot be read (permission denied)", "x509");
        } catch (IOException e) {
            return Main.usage(err, "FILE " + file + ": " + e.getMessage(), "x509");
        }
        try {
            String text = describe(data, json);
            out.print(json ? text + "\n" : text);
            out.flush();
            return ConnectResult.OK;
        } catch (MbedTlsException e) {
            return Main.usage(err, "FILE " + file + ": Mbed TLS cannot parse it: " + e.errorName() + " ("
                    + MbedTlsException.formatCode(e.code()) + ", " + e.function() + ")", "x509");
        } catch (RuntimeException | LinkageError e) {
            err.println("mbedtls-jni-cli: x509 info failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            err.flush();
            return ConnectResult.FAILED;
        }
    }

    private enum Kind { CERTIFICATE, CRL, CSR }

    /** The kind a PEM header names, or null (DER, or no header known). */
    private static Kind pemKind(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        if (text.contains("-----BEGIN CERTIFICATE REQUEST-----") || text.contains("-----BEGIN NEW CERTIFICATE REQUEST-----")) {
            return Kind.CSR;
        }
        if (text.contains("-----BEGIN X509 CRL-----")) {
            return Kind.CRL;
        }
        if (text.contains("-----BEGIN CERTIFICATE-----")) {
            return Kind.CERTIFICATE;
        }
        return null;
    }

    /** The info text or JSON; throws Mbed TLS's refusal (the first one, for DER tried as each kind). */
    static String describe(byte[] data, boolean json) {
        Kind kind = pemKind(data);
        if (kind != null) {
            return describe(kind, data, json);
        }
        MbedTlsException first = null;
        for (Kind k : Kind.values()) {
            try {
                return describe(k, data, json);
            } catch (MbedTlsException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    private static String describe(Kind kind, byte[] data, boolean json) {
        switch (kind) {
            case CERTIFICATE:
                try (X509Crt crt = X509Crt.of(data)) {
                    return json ? certificates(crt) : infos(crt.size(), crt::info);
                }
            case CRL:
                try (X509Crl crl = new X509Crl()) {
                    crl.parse(data);
                    return json ? crls(crl) : infos(crl.size(), crl::info);
                }
            default:
                try (X509Csr csr = X509Csr.of(data)) {
                    return json ? csr(csr) : csr.info();
                }
        }
    }

    private static String infos(int n, java.util.function.IntFunction<String> info) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(n > 1 ? "[" + i + "]\n" : "").append(info.apply(i));
        }
        return sb.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02X", x & 0xFF));
        }
        return sb.toString();
    }

    private static List<String> sans(List<SubjectAltName> names) {
        List<String> out = new ArrayList<>();
        for (SubjectAltName n : names) {
            out.add(n.type() + ":" + (n.value() != null ? n.value() : "[" + n.tag() + "]" + hex(n.bytes())));
        }
        return out;
    }

    private static String certificates(X509Crt crt) {
        List<JsonWriter> list = new ArrayList<>();
        for (int i = 0; i < crt.size(); i++) {
            JsonWriter w = new JsonWriter().add("serial", hex(crt.serial(i))).add("version", crt.version(i))
                    .add("subject", crt.subject(i)).add("issuer", crt.issuer(i))
                    .add("valid_from", crt.validFrom(i).toString()).add("valid_to", crt.validTo(i).toString())
                    .add("signature_algorithm", crt.signatureAlgorithm(i))
                    .add("key_type", crt.publicKeyType(i)).add("key_bits", crt.publicKeyBits(i))
                    .addStrings("subject_alt_names", sans(crt.subjectAltNames(i)))
                    .add("ca", crt.isCa(i)).add("max_path_length", crt.maxPathLength(i))
                    .add("key_usage", crt.keyUsage(i)).addStrings("extended_key_usage", crt.extendedKeyUsages(i))
                    .add("extension_types", crt.extensionTypes(i));
            if (X509Crt.hasKeyIdentifiers()) { // Mbed TLS 3.5 and later keep them
                byte[] ski = crt.subjectKeyIdentifier(i);
                AuthorityKeyIdentifier aki = crt.authorityKeyIdentifier(i);
                w.add("subject_key_id", ski == null ? null : hex(ski));
                w.add("authority_key_id", aki == null || aki.keyIdentifier() == null ? null : hex(aki.keyIdentifier()));
                if (aki != null && (!aki.issuer().isEmpty() || aki.serial() != null)) {
                    w.addStrings("authority_cert_issuer", sans(aki.issuer()))
                            .add("authority_cert_serial", aki.serial() == null ? null : hex(aki.serial()));
                }
            }
            list.add(w);
        }
        return new JsonWriter().add("kind", "certificates").addObjects("certificates", list).toString();
    }

    private static String crls(X509Crl crl) {
        List<JsonWriter> list = new ArrayList<>();
        for (int i = 0; i < crl.size(); i++) {
            List<JsonWriter> entries = new ArrayList<>();
            for (X509Crl.Entry e : crl.entries(i)) {
                entries.add(new JsonWriter().add("serial", hex(e.serial())).add("revoked", e.revocationDate().toString())
                        .add("reason", e.reasonCode()));
            }
            list.add(new JsonWriter().add("issuer", crl.issuer(i)).add("version", crl.version(i))
                    .add("this_update", crl.thisUpdate(i).toString())
                    .add("next_update", crl.nextUpdate(i) == null ? null : crl.nextUpdate(i).toString())
                    .add("signature_algorithm", crl.signatureAlgorithm(i)).addObjects("entries", entries));
        }
        return new JsonWriter().add("kind", "crls").addObjects("crls", list).toString();
    }

    private static String csr(X509Csr csr) {
        JsonWriter w = new JsonWriter().add("kind", "csr").add("subject", csr.subject()).add("version", csr.version())
                .add("signature_algorithm", csr.signatureAlgorithm()).add("key_type", csr.publicKeyType())
                .add("key_bits", csr.publicKeyBits()).add("extensions_read", X509Csr.hasExtensions());
        if (X509Csr.hasExtensions()) {
            w.add("key_usage", csr.keyUsage()).add("ns_cert_type", csr.nsCertType())
                    .add("extension_types", csr.extensionTypes()).addStrings("subject_alt_names", sans(csr.subjectAltNames()));
        }
        return w.toString();
    }
}
