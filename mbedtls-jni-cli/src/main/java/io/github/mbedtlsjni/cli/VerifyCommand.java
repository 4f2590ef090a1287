package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code verify}: the chain of a file through the same Mbed TLS calls a program of the
 * guide makes, without a network: {@code mbedtls_x509_crt_parse_file} for the trust anchors,
 * {@code mbedtls_x509_crl_parse_file} for the CRLs, {@code mbedtls_x509_crt_parse} for each
 * certificate of the chain, {@code mbedtls_x509_crt_verify_with_profile}.
 */
final class VerifyCommand {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";

    private final VerifyOptions options;
    private final byte[] chainFile;
    private final X509Crt trusted;
    private final X509Crl crls;
    private final int trustSkipped;

    private VerifyCommand(VerifyOptions options, byte[] chainFile, X509Crt trusted, X509Crl crls, int trustSkipped) {
        this.options = options;
        this.chainFile = chainFile;
        this.trusted = trusted;
        this.crls = crls;
        this.trustSkipped = trustSkipped;
    }

    /**
     * Reads the files: CHAIN's bytes, and the trust anchors and CRLs into Mbed TLS.
     *
     * @throws UsageException for a file that cannot be used, in one line naming its option
     */
    static VerifyCommand prepare(VerifyOptions options) throws UsageException {
        byte[] chain = readChain(options.chain());
        X509Crt trusted = new X509Crt();
        X509Crl crls = new X509Crl();
        String option = null;
        Path path = null;
        try {
            int skipped = 0;
            if (options.caFile() != null) {
                option = "--ca-file";
                path = options.caFile();
                skipped += trusted.parseFile(path);
            }
            if (options.caPath() != null) {
                option = "--ca-path";
                path = options.caPath();
                skipped += trusted.parsePath(path);
            }
            if (options.crlFile() != null) {
                option = "--crl-file";
                path = options.crlFile();
                crls.parseFile(path);
            }
            return new VerifyCommand(options, chain, trusted, crls, skipped);
        } catch (UncheckedIOException | MbedTlsException e) {
            trusted.close();
            crls.close();
            throw new UsageException(FileProblem.describe(option, path, e));
        } catch (RuntimeException | Error e) {
            trusted.close();
            crls.close();
            throw e;
        }
    }

    private static byte[] readChain(Path file) throws UsageException {
        try {
            if (Files.isDirectory(file)) {
                throw new UsageException("CHAIN " + file + ": is a directory, not a file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("CHAIN " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UsageException("CHAIN " + file + ": cannot be read (permission denied)");
        } catch (IOException e) {
            throw new UsageException("CHAIN " + file + ": " + e.getMessage());
        }
    }

    /** Parses and verifies the chain; never throws for what Mbed TLS reports. Frees the native structures. */
    Outcome run() {
        try (X509Crt chain = new X509Crt(); X509Crt ca = trusted; X509Crl crl = crls) {
            String version = MbedTls.version();
            List<byte[]> blocks = pemCertificates(chainFile);
            for (int i = 0; i < blocks.size(); i++) {
                try {
                    chain.parse(blocks.get(i)); // mbedtls_x509_crt_parse: PEM, or DER
                } catch (MbedTlsException e) {
                    String which = blocks.size() == 1 && i == 0 ? "" : "certificate [" + i + "] of ";
                    return new Outcome(options, version, ca.size(), trustSkipped, crl.size(), null, e.code(),
                            "Mbed TLS cannot parse " + which + options.chain() + ": " + e.getMessage(),
                            ConnectResult.ChainEntry.of(chain));
                }
            }
            List<ConnectResult.ChainEntry> entries = ConnectResult.ChainEntry.of(chain);
            List<Step> steps = new ArrayList<>();
            try {
                VerifyResult result = chain.verify(ca, crl.size() > 0 ? crl : null, options.serverName(), options.profile(),
                        options.purpose(), options.verbose() ? (der, depth, flags) -> {
                            steps.add(Step.of(der, depth, flags));
                            return flags; // reports only: Mbed TLS decides
                        } : null);
                Outcome outcome = new Outcome(options, version, ca.size(), trustSkipped, crl.size(), result, 0, null, entries);
                outcome.steps.addAll(steps);
                return outcome;
            } catch (MbedTlsException e) {
                return new Outcome(options, version, ca.size(), trustSkipped, crl.size(), null, e.code(), e.getMessage(), entries);
            }
        }
    }

    /**
     * The PEM certificate blocks of {@code file}, each from its BEGIN to its END line, found the
     * way {@code mbedtls_x509_crt_parse} finds them (the same markers), so that Mbed TLS parses
     * each on its own and a failure names its certificate; the whole file if it has none (DER,
     * or whatever Mbed TLS then makes of it).
     */
    static List<byte[]> pemCertificates(byte[] file) {
        String text = new String(file, StandardCharsets.ISO_8859_1);
        List<byte[]> blocks = new ArrayList<>();
        int from = text.indexOf(BEGIN);
        if (from < 0) {
            blocks.add(file);
            return blocks;
        }
        while (from >= 0) {
            int end = text.indexOf(END, from);
            int to = end < 0 ? text.length() : end + END.length();
            blocks.add(text.substring(from, to).getBytes(StandardCharsets.ISO_8859_1));
            from = text.indexOf(BEGIN, to);
        }
        return blocks;
    }

    /** One call of the verify callback (--verbose): a certificate, its depth and Mbed TLS's flags for it. */
    static final class Step {
        final int depth;
        final String subject;
        final VerifyResult flags;

        private Step(int depth, String subject, VerifyResult flags) {
            this.depth = depth;
            this.subject = subject;
            this.flags = flags;
        }

        static Step of(byte[] der, int depth, int flags) {
            String subject;
            try (X509Crt crt = X509Crt.of(der)) {
                subject = crt.subject(0);
            } catch (MbedTlsException e) {
                subject = "(a name Mbed TLS does not print)";
            }
            return new Step(depth, subject, VerifyResult.of(flags));
        }

        JsonWriter json() {
            return new JsonWriter().add("depth", depth).add("subject", subject).add("flags", flags.flags())
                    .addStrings("flag_names", flags.flagNames())
                    .add("verify_info", String.join("\n", Report.infoLines(flags)));
        }
    }

    /** What verify found: printed as JSON or text, and the exit status. */
    static final class Outcome {
        final VerifyOptions options;
        final String mbedtlsVersion;
        final int trustAnchors;
        final int trustSkipped;
        final int crlCount;
        /** Mbed TLS's verification result, or null if it did not run. */
        final VerifyResult verify;
        final int errorCode;
        final String error;
        final List<ConnectResult.ChainEntry> chain;
        /** What the verify callback saw, from the trust anchor down (--verbose only). */
        final List<Step> steps = new ArrayList<>();

        Outcome(VerifyOptions options, String mbedtlsVersion, int trustAnchors, int trustSkipped, int crlCount,
                VerifyResult verify, int errorCode, String error, List<ConnectResult.ChainEntry> chain) {
            this.options = options;
            this.mbedtlsVersion = mbedtlsVersion;
            this.trustAnchors = trustAnchors;
            this.trustSkipped = trustSkipped;
            this.crlCount = crlCount;
            this.verify = verify;
            this.errorCode = errorCode;
            this.error = error;
            this.chain = List.copyOf(chain);
        }

        /** 0 verified, 1 not verified, 2 not run (a parse failure or an outright Mbed TLS error). */
        int exitStatus() {
            if (verify == null) {
                return ConnectResult.FAILED;
            }
            return verify.isOk() ? ConnectResult.OK : ConnectResult.VERIFY_FAILED;
        }

        private String state() {
            return verify == null ? "not run" : verify.isOk() ? "ok" : "failed";
        }

        /** One JSON object, on one line; see {@link VerifyOptions#USAGE} for the members. */
        String json() {
            JsonWriter json = new JsonWriter().add("verification", state()).add("error_code", errorCode).add("error", error);
            if (verify != null) {
                Report.verifyJson(json, verify);
            }
            if (options.verbose()) {
                List<JsonWriter> objects = new ArrayList<>();
                for (Step step : steps) {
                    objects.add(step.json());
                }
                json.addObjects("steps", objects);
            }
            return json.addObjects("chain", Report.chainJson(chain))
                    .add("server_name", options.serverName())
                    .add("profile", options.profileName())
                    .add("purpose", options.purposeName())
                    .add("mbedtls_version", mbedtlsVersion)
                    .toString();
        }

        /** A few aligned lines for people. */
        String human() {
            StringBuilder sb = new StringBuilder();
            Report.line(sb, "File", options.chain() + " (" + count(chain.size(), "certificate") + " parsed)");
            Report.line(sb, "Trust", count(trustAnchors, "CA certificate")
                    + (trustSkipped > 0 ? ", " + trustSkipped + " skipped (Mbed TLS cannot parse them)" : ""));
            if (crlCount > 0) {
                Report.line(sb, "CRLs", count(crlCount, "CRL"));
            }
            Report.line(sb, "Server name", options.serverName() == null ? "(not checked)" : options.serverName());
            Report.line(sb, "Profile", options.profileName());
            Report.line(sb, "Purpose", options.purposeName());
            if (error != null) {
                Report.line(sb, "Error", error);
            }
            if (verify == null) {
                Report.line(sb, "Verification", "not run");
            } else {
                String flags = String.format("flags 0x%08x", verify.flags());
                Report.line(sb, "Verification", verify.isOk() ? "ok (" + flags + ")" : "FAILED (" + flags + ")");
                for (String name : verify.flagNames()) {
                    Report.line(sb, "", name);
                }
                for (String info : Report.infoLines(verify)) {
                    Report.line(sb, "", info);
                }
            }
            for (Step step : steps) {
                Report.line(sb, "Depth " + step.depth, step.subject + String.format(" (flags 0x%08x)", step.flags.flags()));
                for (String name : step.flags.flagNames()) {
                    Report.line(sb, "", name);
                }
                for (String info : Report.infoLines(step.flags)) {
                    Report.line(sb, "", info);
                }
            }
            Report.chainLines(sb, chain);
            Report.line(sb, "Mbed TLS", mbedtlsVersion);
            return sb.toString();
        }

        private static String count(int n, String what) {
            return n + " " + what + (n == 1 ? "" : "s");
        }
    }
}
