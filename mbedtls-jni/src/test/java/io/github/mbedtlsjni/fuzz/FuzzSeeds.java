package io.github.mbedtlsjni.fuzz;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Pem;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;

/**
 * Seed inputs for the fuzz tests, generated at test time (no certificate or key files are kept in
 * the repository): written from a {@code @BeforeAll} into the test's inputs directory on the test
 * class path ({@code target/test-classes/.../<Class>Inputs/<method>/}), where Jazzer's replay and
 * fuzzing pick them up next to the committed regression inputs of {@code src/test/resources}.
 */
final class FuzzSeeds {
    private FuzzSeeds() {}

    /** Certificates and chains, PEM and DER, EC and RSA. */
    static Map<String, byte[]> certificates() {
        TestPki ec = pki(KeyType.EC_P256);
        TestPki rsa = pki(KeyType.RSA_2048);
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("ec-leaf.der", ec.leaf().der());
        seeds.put("ec-chain.pem", read(ec.serverChainPem()));
        seeds.put("rsa-root.pem", rsa.root().pem().getBytes(StandardCharsets.US_ASCII));
        seeds.put("rsa-intermediate.der", rsa.intermediate().der());
        return seeds;
    }

    /** CRLs, PEM and DER, EC and RSA issuers. */
    static Map<String, byte[]> crls() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("ec.pem", pki(KeyType.EC_P256).crl().pem().getBytes(StandardCharsets.US_ASCII));
        seeds.put("rsa.der", pki(KeyType.RSA_2048).crl().der());
        return seeds;
    }

    /** Requests: EC with every requested extension X509Csr reads (PEM), RSA without any (DER). */
    static Map<String, byte[]> csrs() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("ec-extensions.pem", io.github.mbedtlsjni.testing.CsrBuilder.subject("CN=fuzz,O=Example")
                .keyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature).nsCertType(0x80)
                .dnsSan("fuzz.example").extension("1.3.6.1.4.1.55555.1.1", true, new byte[] {5, 0})
                .buildPem().getBytes(StandardCharsets.US_ASCII));
        seeds.put("rsa.der", io.github.mbedtlsjni.testing.CsrBuilder.subject("CN=rsa").keyType(KeyType.RSA_1024).buildDer());
        return seeds;
    }

    /** Private keys: PKCS#8 (PEM, DER, encrypted PEM), SEC1 and PKCS#1. */
    static Map<String, byte[]> keys() {
        PrivateKey ecKey = KeyType.EC_P256.cached("fuzz").getPrivate();
        PrivateKey rsaKey = KeyType.RSA_1024.cached("fuzz").getPrivate();
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("ec-pkcs8.pem", Pem.privateKey(ecKey).getBytes(StandardCharsets.US_ASCII));
        seeds.put("ec-sec1.der", inner(ecKey));
        seeds.put("rsa1024-pkcs8.der", rsaKey.getEncoded());
        seeds.put("rsa1024-pkcs1.der", inner(rsaKey));
        seeds.put("ec-encrypted-pkcs8.pem", encrypted(ecKey));
        return seeds;
    }

    /** Writes {@code seeds} into the inputs directory of {@code test}'s fuzz method {@code method}. */
    static void write(Class<?> test, String method, Map<String, byte[]> seeds) {
        try {
            Path classes = Path.of(test.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = classes.resolve(test.getPackageName().replace('.', '/'))
                    .resolve(test.getSimpleName() + "Inputs").resolve(method);
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
                Files.write(dir.resolve("seed-" + seed.getKey()), seed.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static TestPki pki(KeyType type) {
        try {
            Path dir = Files.createTempDirectory("fuzz-seeds-");
            dir.toFile().deleteOnExit();
            TestPki pki = TestPki.create(dir, type);
            pki.crl(); // everything a seed needs, written now so that deleteOnExit covers it
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().deleteOnExit());
            }
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The algorithm-specific encoding inside PKCS#8: SEC1 for EC, PKCS#1 for RSA. */
    private static byte[] inner(PrivateKey key) {
        try {
            return PrivateKeyInfo.getInstance(key.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encrypted(PrivateKey key) {
        try {
            StringWriter out = new StringWriter();
            try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
                pem.writeObject(new JcaPKCS8Generator(key,
                        new JceOpenSSLPKCS8EncryptorBuilder(org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                                .setProvider(new BouncyCastleProvider())
                                .setPassword("fuzz".toCharArray()).setIterationCount(2048).build()));
            }
            return out.toString().getBytes(StandardCharsets.US_ASCII);
        } catch (Exception e) {
            throw new IllegalStateException("cannot encrypt the seed key: " + e, e);
        }
    }

}
