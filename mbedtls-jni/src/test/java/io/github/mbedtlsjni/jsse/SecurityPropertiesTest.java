package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider as the JVM's default, configured as a user would: the {@code java.security}
 * lines docs/provider.md gives (read from that page, so the page cannot drift), in a child JVM
 * started with {@code -Djava.security.properties=<file>}, through {@code SSLContext.getDefault()}
 * and {@code HttpsURLConnection} against nginx. And the provider's own needs: with no provider
 * of the JDK's random generator at all, it sets up and makes a ClientHello (Mbed TLS's DRBG, not
 * another provider's SecureRandom).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityPropertiesTest {
    private static final Pattern DOCUMENTED =
            Pattern.compile("<!-- java\\.security lines[^>]*-->\\s*```properties\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /** The block of docs/provider.md that says which lines to use. */
    static List<String> documentedLines() throws Exception {
        Path page = Path.of(System.getProperty("mbedtlsjni.basedir"), "..", "docs", "provider.md");
        Matcher m = DOCUMENTED.matcher(Files.readString(page));
        assertTrue(m.find(), "docs/provider.md has the java.security block");
        return Arrays.asList(m.group(1).strip().split("\n"));
    }

    private static String runChild(Class<?> main, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theDocumentedLinesMakeItTheDefaultForSslContextAndHttpsUrlConnection() throws Exception {
        List<String> lines = documentedLines();
        assertEquals("security.provider.1=MbedTLS", lines.get(0));
        assertTrue(lines.contains("security.provider.2=SUN"), "the JDK's providers kept: " + lines);
        Path properties = dir.resolve("mbedtls.security");
        Files.write(properties, lines);
        Path trustStore = dir.resolve("trust.p12");
        KeyStore ks = SslContexts.trustStore(pki.root().certificate());
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            ks.store(out, "changeit".toCharArray());
        }
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-default"), pki).start()) {
            String url = "https://" + TestPki.SERVER_NAME + ":" + nginx.port() + "/default";
            String out = runChild(DefaultContextChild.class, "-Djava.security.properties=" + properties,
                    "-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
                    "-Durl=" + url);
            assertTrue(out.contains("default provider MbedTLS\n"), out);
            assertTrue(out.contains("first provider MbedTLS\n"), out);
            assertTrue(out.contains("status 200\n"), out);
            assertTrue(out.contains("body " + Nginx.body("/default", "HTTP/1.1", "")), out);
            assertTrue(out.contains("session " + MbedTlsSession.class.getName() + " TLSv1."), out);
        }
    }

    /** Run with the documented lines: the default context and HttpsURLConnection, printed. */
    public static final class DefaultContextChild {
        public static void main(String[] args) throws Exception {
            System.out.println("first provider " + Security.getProviders()[0].getName());
            System.out.println("default provider " + SSLContext.getDefault().getProvider().getName());
            HttpsURLConnection c = (HttpsURLConnection) new URL(System.getProperty("url")).openConnection();
            c.setConnectTimeout(30_000);
            c.setReadTimeout(30_000);
            System.out.println("status " + c.getResponseCode());
            SSLSession s = c.getSSLSession().orElseThrow();
            System.out.println("session " + s.getClass().getName() + " " + s.getProtocol());
            try (InputStream in = c.getInputStream()) {
                System.out.println("body " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            c.disconnect();
        }
    }

    /**
     * No provider of a SecureRandom at all (SUN left out; the whole java.security replaced): the
     * provider still sets up a context and an engine and makes a ClientHello, its randomness
     * Mbed TLS's own.
     */
    @Test
    void theProviderNeedsNoOtherProvidersSecureRandom() throws Exception {
        Path properties = dir.resolve("no-sun.security");
        Files.write(properties, List.of("security.provider.1=MbedTLS", "security.provider.2=SunRsaSign",
                "security.provider.3=SunEC", "security.provider.4=SunJSSE", "security.provider.5=SunJCE"));
        String out = runChild(NoSecureRandomChild.class, "-Djava.security.properties==" + properties);
        assertTrue(out.contains("SecureRandom providers: []\n"), out);
        Matcher m = Pattern.compile("ClientHello (\\d+) bytes").matcher(out);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) > 100, out);
    }

    /** Run without SUN: a context, an engine, a ClientHello. */
    public static final class NoSecureRandomChild {
        public static void main(String[] args) throws Exception {
            List<String> randoms = new ArrayList<>();
            for (java.security.Provider p : Security.getProviders()) {
                for (java.security.Provider.Service s : p.getServices()) {
                    if (s.getType().equals("SecureRandom")) {
                        randoms.add(p.getName() + ":" + s.getAlgorithm());
                    }
                }
            }
            System.out.println("SecureRandom providers: " + randoms);
            X509TrustManager noAnchors = new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            };
            SSLContext tls = SSLContext.getInstance("TLS", "MbedTLS");
            tls.init(null, new TrustManager[] {noAnchors}, null);
            SSLEngine e = tls.createSSLEngine("localhost", 443);
            ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            e.wrap(ByteBuffer.allocate(0), out);
            System.out.println("ClientHello " + out.position() + " bytes");
        }
    }
}
