package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SubjectAltName;
import io.github.mbedtlsjni.mbedtls.X509CsrWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code req}: a new key (or an existing one) and a CSR for it, both written by Mbed TLS
 * ({@link PkContext#generateEc}/{@link PkContext#generateRsa}, {@link X509CsrWriter}).
 */
final class ReqCommand {
    static final String USAGE = String.join("\n",
            "Usage: mbedtls-jni req --subject DN --out CSR [options]",
            "",
            "Writes a certificate signing request (PEM), signed by a new key or an existing one.",
            "",
            "Options:",
            "  --subject DN          the subject, as Mbed TLS takes it: \"CN=dev42,O=Example\"",
            "  --out FILE            where the CSR goes (refused if it exists)",
            "  --key-type ec|rsa     the new key's type (default ec)",
            "  --curve NAME          the new EC key's curve (default secp256r1; secp384r1, ...)",
            "  --bits N              the new RSA key's size (default 2048)",
            "  --key-out FILE        where the new key goes (PEM, mode 0600, refused if it exists);",
            "                        without it the new key is not kept",
            "  --key FILE            sign with this existing key (PEM or DER) instead of a new one",
            "  --san TYPE:VALUE      a subjectAltName: DNS:name, IP:address, URI:uri, EMAIL:address",
            "                        (repeatable)",
            "",
            "Exit status: 0 ok, 2 Mbed TLS refused (its error is printed), 64 bad usage.",
            "");

    private ReqCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        String subject = null;
        String outFile = null;
        String keyType = "ec";
        String curve = null;
        Integer bits = null;
        String keyOut = null;
        String keyIn = null;
        List<String[]> sans = new ArrayList<>();
        try {
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    out.print(USAGE);
                    out.flush();
                    return ConnectResult.OK;
                }
                if (i + 1 >= args.length) {
                    throw new UsageException(a.startsWith("--") ? a + " needs a value" : "unexpected argument '" + a + "'");
                }
                String v = args[++i];
                switch (a) {
                    case "--subject": subject = v; break;
                    case "--out": outFile = v; break;
                    case "--key-type":
                        if (!v.equals("ec") && !v.equals("rsa")) {
                            throw new UsageException("--key-type " + v + ": ec or rsa");
                        }
                        keyType = v;
                        break;
                    case "--curve": curve = v; break;
                    case "--bits":
                        try {
                            bits = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            throw new UsageException("--bits " + v + ": a number of bits, such as 2048");
                        }
                        break;
                    case "--key-out": keyOut = v; break;
                    case "--key": keyIn = v; break;
                    case "--san": sans.add(san(v)); break;
                    default: throw new UsageException("unknown option '" + a + "'");
                }
            }
            if (subject == null || outFile == null) {
                throw new UsageException("req needs --subject DN and --out FILE");
            }
            if (keyIn != null && (keyOut != null || curve != null || bits != null)) {
                throw new UsageException("--key uses an existing key: --key-out, --curve and --bits are for a new one");
            }
            if (curve != null && keyType.equals("rsa") || bits != null && keyType.equals("ec")) {
                throw new UsageException("--curve goes with --key-type ec, --bits with --key-type rsa");
            }
            for (String f : keyOut == null ? List.of(outFile) : List.of(outFile, keyOut)) {
                if (Files.exists(Paths.get(f))) {
                    throw new UsageException(f + " exists: not overwritten");
                }
            }
            if (keyIn != null && !Files.isReadable(Paths.get(keyIn))) {
                throw new UsageException("--key " + keyIn + ": cannot read it");
            }
        } catch (UsageException e) {
            return Main.usage(err, e.getMessage(), "req");
        }
        try (Entropy entropy = new Entropy(); CtrDrbg rng = new CtrDrbg()) {
            rng.seed(entropy, "mbedtls-jni req");
            PkContext key;
            if (keyIn != null) {
                key = new PkContext();
                try {
                    key.parseKeyFile(Paths.get(keyIn), null, rng);
                } catch (RuntimeException e) {
                    key.close();
                    throw e;
                }
            } else {
                key = keyType.equals("rsa") ? PkContext.generateRsa(bits == null ? 2048 : bits, rng)
                        : PkContext.generateEc(curve == null ? "secp256r1" : curve, rng);
            }
            try (PkContext k = key) {
                X509CsrWriter writer = new X509CsrWriter().subject(subject);
                for (String[] s : sans) {
                    writer.subjectAltName(SubjectAltName.Type.valueOf(s[0]), s[1]);
                }
                byte[] csr = writer.writePem(k, rng);
                if (keyOut != null) {
                    byte[] pem = k.privateKeyPem();
                    try {
                        writeNew(Paths.get(keyOut), pem, true);
                    } finally {
                        Arrays.fill(pem, (byte) 0);
                    }
                }
                writeNew(Paths.get(outFile), csr, false);
                out.println("wrote " + outFile + (keyOut != null ? " and " + keyOut : "") + " (" + k.name() + " " + k.bits()
                        + " bits, subject " + subject + ")");
                out.flush();
                return ConnectResult.OK;
            }
        } catch (IllegalArgumentException e) {
            return Main.usage(err, e.getMessage(), "req");
        } catch (MbedTlsException e) {
            err.println("mbedtls-jni-cli: req: " + e.getMessage());
            err.flush();
            return ConnectResult.FAILED;
        } catch (IOException e) {
            return Main.usage(err, "cannot write: " + e, "req");
        }
    }

    /** DNS:x, IP:x, URI:x, EMAIL:x as the writer's type and value. */
    private static String[] san(String arg) throws UsageException {
        int colon = arg.indexOf(':');
        String type = colon < 0 ? "" : arg.substring(0, colon).toUpperCase(java.util.Locale.ROOT);
        String value = colon < 0 ? "" : arg.substring(colon + 1);
        switch (type) {
            case "DNS": return new String[] {"DNS_NAME", value};
            case "IP": return new String[] {"IP_ADDRESS", value};
            case "URI": return new String[] {"URI", value};
            case "EMAIL": return new String[] {"RFC822_NAME", value};
            default: throw new UsageException("--san " + arg + ": DNS:name, IP:address, URI:uri or EMAIL:address");
        }
    }

    /** Creates {@code file}, refusing an existing one; a key is created with mode 0600 before any byte is written. */
    private static void writeNew(Path file, byte[] data, boolean secret) throws IOException {
        if (secret) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            try (OutputStream o = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                o.write(data);
            }
        } else {
            try (OutputStream o = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                o.write(data);
            }
        }
    }
}
