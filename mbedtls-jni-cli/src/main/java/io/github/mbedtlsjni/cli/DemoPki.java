package io.github.mbedtlsjni.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's PKI, generated at run time with the {@code openssl} command (no library beyond the
 * JDK): a root CA, an intermediate CA, a good leaf for {@code localhost} and one flawed leaf per
 * failure case, each as the chain a server sends plus its key, and the intermediate's CRL.
 * Everything is ECDSA P-256 except the RSA-1024 case. {@code openssl ca} is used for every
 * signature because it alone sets arbitrary validity dates on OpenSSL 3.0.
 */
final class DemoPki {
    static final String SERVER_NAME = "localhost";
    static final String ROOT_NAME = "mbedtls-jni demo root CA";
    static final String INTERMEDIATE_NAME = "mbedtls-jni demo intermediate CA";

    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration OPENSSL_LIMIT = Duration.ofSeconds(60);

    /** One certificate a server can present: the chain it sends (leaf first) and the leaf's key. */
    static final class Served {
        final Path chain;
        final Path key;

        Served(Path chain, Path key) {
            this.chain = chain;
            this.key = key;
        }
    }

    final Path dir;
    final Path rootPem;
    final Path intermediatePem;
    final Path crlPem;
    final Served good;
    final Served expired;
    final Served notYetValid;
    final Served wrongHost;
    final Served unknownCa;
    final Served revoked;
    final Served selfSigned;
    final Served missingIntermediate;
    final Served clientOnly;
    final Served sha1;
    final Served rsa1024;

    private final Instant now = Instant.now();
    private int files;

    /** Generates everything into {@code dir} (which must exist and be empty). */
    static DemoPki generate(Path dir) throws IOException, InterruptedException {
        return new DemoPki(dir);
    }

    /** Only a root CA, for the real-server mode's "unknown CA" check. */
    static Path rootOnly(Path dir) throws IOException, InterruptedException {
        DemoPki pki = new DemoPki(dir, false);
        return pki.rootPem;
    }

    private DemoPki(Path dir) throws IOException, InterruptedException {
        this(dir, true);
    }

    private DemoPki(Path dir, boolean everything) throws IOException, InterruptedException {
        this.dir = dir;
        Files.writeString(dir.resolve("openssl.cnf"), CONFIG);
        Path rootKey = ecKey("root.key");
        rootPem = selfSignedCa("root", rootKey, ROOT_NAME);
        if (!everything) {
            intermediatePem = crlPem = null;
            good = expired = notYetValid = wrongHost = unknownCa = revoked = selfSigned = missingIntermediate
                    = clientOnly = sha1 = rsa1024 = null;
            return;
        }
        Path intermediateKey = ecKey("intermediate.key");
        intermediatePem = issue("root", rootPem, rootKey, intermediateKey, INTERMEDIATE_NAME, "ca_ext",
                days(-30), days(365), "sha256", "intermediate.pem");
        Path leafKey = ecKey("leaf.key");

        Path goodLeaf = leaf(leafKey, SERVER_NAME, "server_ext", days(-1), days(30), "sha256", "good.pem");
        good = served("good-chain.pem", leafKey, goodLeaf, intermediatePem);
        expired = served("expired-chain.pem", leafKey,
                leaf(leafKey, SERVER_NAME, "server_ext", days(-30), days(-1), "sha256", "expired.pem"), intermediatePem);
        notYetValid = served("future-chain.pem", leafKey,
                leaf(leafKey, SERVER_NAME, "server_ext", days(1), days(30), "sha256", "future.pem"), intermediatePem);
        wrongHost = served("wrong-host-chain.pem", leafKey,
                leaf(leafKey, "www.example.com", "wrong_host_ext", days(-1), days(30), "sha256", "wrong-host.pem"),
                intermediatePem);
        Path revokedLeaf = leaf(leafKey, SERVER_NAME, "server_ext", days(-1), days(30), "sha256", "revoked.pem");
        revoked = served("revoked-chain.pem", leafKey, revokedLeaf, intermediatePem);
        String[] intermediateCa = {"-batch", "-config", cnf(), "-name", "ca_intermediate",
            "-cert", intermediatePem.toString(), "-keyfile", intermediateKey.toString()};
        openssl(concat(concat(new String[] {"ca"}, intermediateCa), "-revoke", revokedLeaf.toString(),
                "-crl_reason", "keyCompromise"));
        crlPem = dir.resolve("intermediate.crl.pem");
        openssl(concat(concat(new String[] {"ca"}, intermediateCa), "-gencrl", "-crldays", "30", "-md", "sha256",
                "-out", crlPem.toString()));
        missingIntermediate = served("missing-intermediate-chain.pem", leafKey, goodLeaf);
        clientOnly = served("client-only-chain.pem", leafKey,
                leaf(leafKey, SERVER_NAME, "client_only_ext", days(-1), days(30), "sha256", "client-only.pem"),
                intermediatePem);
        sha1 = served("sha1-chain.pem", leafKey,
                leaf(leafKey, SERVER_NAME, "server_ext", days(-1), days(30), "sha1", "sha1.pem"), intermediatePem);
        Path weakKey = dir.resolve("rsa1024.key");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", weakKey.toString());
        rsa1024 = served("rsa1024-chain.pem", weakKey,
                leaf(weakKey, SERVER_NAME, "server_ext", days(-1), days(30), "sha256", "rsa1024.pem"), intermediatePem);

        Path otherRootKey = ecKey("impostor-root.key");
        Path otherRoot = selfSignedCa("impostor", otherRootKey, "mbedtls-jni demo impostor CA");
        Path impostorLeaf = issue("impostor", otherRoot, otherRootKey, leafKey, SERVER_NAME, "server_ext",
                days(-1), days(30), "sha256", "impostor-leaf.pem");
        unknownCa = served("unknown-ca-chain.pem", leafKey, impostorLeaf);

        Path selfSignedLeaf = dir.resolve("self-signed.pem");
        Path csr = csr(leafKey, SERVER_NAME);
        openssl("ca", "-batch", "-config", cnf(), "-name", "ca_selfsigned", "-selfsign", "-keyfile", leafKey.toString(),
                "-in", csr.toString(), "-startdate", days(-1), "-enddate", days(30), "-md", "sha256",
                "-extfile", cnf(), "-extensions", "server_ext", "-notext", "-out", selfSignedLeaf.toString());
        selfSigned = served("self-signed-chain.pem", leafKey, selfSignedLeaf);
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    private String days(int n) {
        return UTC_TIME.format(now.plus(Duration.ofDays(n)));
    }

    private String cnf() {
        return dir.resolve("openssl.cnf").toString();
    }

    private Path ecKey(String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name);
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        return key;
    }

    private Path csr(Path key, String commonName) throws IOException, InterruptedException {
        Path csr = dir.resolve("request-" + (++files) + ".csr");
        openssl("req", "-new", "-config", cnf(), "-key", key.toString(), "-subj", "/CN=" + commonName,
                "-out", csr.toString());
        return csr;
    }

    /** A CA directory for {@code openssl ca} (database, serial, CRL number) and its self-signed certificate. */
    private Path selfSignedCa(String ca, Path key, String commonName) throws IOException, InterruptedException {
        Path caDir = Files.createDirectories(dir.resolve(ca));
        Files.writeString(caDir.resolve("index.txt"), "");
        Files.writeString(caDir.resolve("serial"), "1000\n");
        Files.writeString(caDir.resolve("crlnumber"), "01\n");
        Path pem = dir.resolve(ca + ".pem");
        openssl("ca", "-batch", "-config", cnf(), "-name", "ca_" + ca, "-selfsign", "-keyfile", key.toString(),
                "-in", csr(key, commonName).toString(), "-startdate", days(-30), "-enddate", days(3650),
                "-md", "sha256", "-extfile", cnf(), "-extensions", "ca_ext", "-notext", "-out", pem.toString());
        if (ca.equals("root")) {
            // The intermediate's directory, issued from the root's.
            Path intermediateDir = Files.createDirectories(dir.resolve("intermediate"));
            Files.writeString(intermediateDir.resolve("index.txt"), "");
            Files.writeString(intermediateDir.resolve("serial"), "2000\n");
            Files.writeString(intermediateDir.resolve("crlnumber"), "01\n");
            Path selfDir = Files.createDirectories(dir.resolve("selfsigned"));
            Files.writeString(selfDir.resolve("index.txt"), "");
            Files.writeString(selfDir.resolve("serial"), "3000\n");
        }
        return pem;
    }

    private Path issue(String ca, Path caPem, Path caKey, Path subjectKey, String commonName, String extensions,
            String notBefore, String notAfter, String md, String out) throws IOException, InterruptedException {
        Path pem = dir.resolve(out);
        openssl("ca", "-batch", "-config", cnf(), "-name", "ca_" + ca, "-cert", caPem.toString(),
                "-keyfile", caKey.toString(), "-in", csr(subjectKey, commonName).toString(),
                "-startdate", notBefore, "-enddate", notAfter, "-md", md,
                "-extfile", cnf(), "-extensions", extensions, "-notext", "-out", pem.toString());
        return pem;
    }

    private Path leaf(Path key, String commonName, String extensions, String notBefore, String notAfter, String md,
            String out) throws IOException, InterruptedException {
        return issue("intermediate", intermediatePem, dir.resolve("intermediate.key"), key, commonName, extensions,
                notBefore, notAfter, md, out);
    }

    private Served served(String name, Path key, Path... certificates) throws IOException {
        StringBuilder chain = new StringBuilder();
        for (Path c : certificates) {
            chain.append(Files.readString(c, StandardCharsets.US_ASCII));
        }
        Path file = dir.resolve(name);
        Files.writeString(file, chain, StandardCharsets.US_ASCII);
        return new Served(file, key);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        run(dir, args);
    }

    /** Runs {@code openssl args...} in {@code dir}; returns its output, or throws with the output if it failed. */
    static String run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException("cannot run openssl (install it: apt-get install openssl): " + e.getMessage(), e);
        }
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(OPENSSL_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl did not finish: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl failed (exit " + p.exitValue() + "): " + String.join(" ", command)
                    + "\n" + output.strip());
        }
        return output;
    }

    /** One configuration for every step; the CA sections differ in their directory only. */
    private static final String CONFIG = String.join("\n",
            "[ req ]",
            "distinguished_name = dn",
            "prompt = no",
            "[ dn ]",
            "CN = unused",
            "",
            caSection("root"),
            caSection("intermediate"),
            caSection("impostor"),
            caSection("selfsigned"),
            "[ policy_any ]",
            "commonName = supplied",
            "",
            "[ ca_ext ]",
            "basicConstraints = critical, CA:TRUE",
            "keyUsage = critical, keyCertSign, cRLSign",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid:always",
            "",
            "[ server_ext ]",
            "basicConstraints = critical, CA:FALSE",
            "keyUsage = critical, digitalSignature",
            "extendedKeyUsage = serverAuth",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid",
            "subjectAltName = DNS:localhost, IP:127.0.0.1",
            "",
            "[ wrong_host_ext ]",
            "basicConstraints = critical, CA:FALSE",
            "keyUsage = critical, digitalSignature",
            "extendedKeyUsage = serverAuth",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid",
            "subjectAltName = DNS:www.example.com",
            "",
            "[ client_only_ext ]",
            "basicConstraints = critical, CA:FALSE",
            "keyUsage = critical, digitalSignature",
            "extendedKeyUsage = clientAuth",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid",
            "subjectAltName = DNS:localhost, IP:127.0.0.1",
            "");

    /** The openssl ca section {@code ca_<dir>}: a CA whose files live in {@code <dir>/}. */
    private static String caSection(String dir) {
        return String.join("\n",
                "[ ca_" + dir + " ]",
                "dir = " + dir,
                "database = $dir/index.txt",
                "new_certs_dir = $dir",
                "serial = $dir/serial",
                "crlnumber = $dir/crlnumber",
                "default_md = sha256",
                "policy = policy_any",
                "unique_subject = no",
                "copy_extensions = none",
                "");
    }
}
