package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.DocSnippets;
import io.github.mbedtlsjni.testing.DocSnippets.Snippet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of {@code README.md} and {@code docs/*.md} compiles against the
 * library (and the client libraries its provider examples show: OkHttp, Netty, Paho, on the test
 * class path), so that a snippet with a missing import, a missing semicolon or an undefined name
 * fails the build. How blocks become sources, and how a fragment names the context it needs,
 * is {@link DocSnippets}'s convention (also in docs/testing.md, "Code in the documentation").
 */
class DocSnippetsTest {
    @TempDir
    static Path work;

    private static Path repositoryRoot() {
        return Path.of(System.getProperty("mbedtlsjni.basedir", ".")).toAbsolutePath().getParent();
    }

    private static List<Path> documents() throws Exception {
        List<Path> docs = new ArrayList<>();
        docs.add(repositoryRoot().resolve("README.md"));
        try (Stream<Path> s = Files.list(repositoryRoot().resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    @TestFactory
    List<DynamicTest> everyJavaBlockCompiles() throws Exception {
        List<Snippet> snippets = new ArrayList<>();
        for (Path doc : documents()) {
            snippets.addAll(DocSnippets.read(doc, repositoryRoot()));
        }
        assertFalse(snippets.isEmpty(), "no ```java block in " + documents());
        Map<Snippet, List<String>> errors = DocSnippets.compile(snippets, work);
        return snippets.stream()
                .map(s -> DynamicTest.dynamicTest(s.toString(),
                        () -> assertEquals(List.of(), errors.get(s), "the block at " + s + " does not compile")))
                .collect(Collectors.toList());
    }

    /** The check can fail: what a broken snippet gives, with the document's line numbers. */
    @Test
    void aBrokenSnippetIsReportedAtItsLineInTheDocument() throws Exception {
        Path doc = work.resolve("broken.md");
        Files.writeString(doc, String.join("\n",
                "# A page",
                "",
                "```java",
                "import io.github.mbedtlsjni.mbedtls.*;",
                "",
                "try (X509Crt ca = new X509Crt()) {",
                "    ca.parseFile(Path.of(\"ca.pem\"));",           // line 7: Path not imported
                "}",
                "```",
                "",
                "<!-- java-context",
                "TlsClient client;",
                "-->",
                "```java",
                "TlsConnection c = client.connect(\"example.org\", 443)",  // line 15: no semicolon
                "```",
                "",
                "```java",
                "tls.init(null, trustManagerFactory.getTrustManagers(), null);",  // line 19: undefined names
                "```",
                "",
                "```text",
                "not Java at all {",
                "```",
                "",
                "<!-- java-context",
                "import java.nio.file.Path;",
                "TlsClient client;",
                "-->",
                "```java",
                "TlsClient.builder().trustPemFile(Path.of(\"ca.pem\")).build();",
                "client.close();",
                "```",
                "",
                "```java",
                "public final class Whole {",
                "    public static void main(String[] args) {",
                "        System.out.println(MbedTls.version());", // line 38: a whole class gets no implicit import
                "    }",
                "}",
                "```",
                ""));
        List<Snippet> snippets = DocSnippets.read(doc, work);
        assertEquals(5, snippets.size(), "the text block is not Java: " + snippets);
        Map<Snippet, List<String>> errors = DocSnippets.compile(snippets, work.resolve("out"));
        assertLinesReported(errors.get(snippets.get(0)), "broken.md:7:", "cannot find symbol");
        assertLinesReported(errors.get(snippets.get(1)), "broken.md:15:", "';' expected");
        assertLinesReported(errors.get(snippets.get(2)), "broken.md:19:", "cannot find symbol");
        assertEquals(List.of(), errors.get(snippets.get(3)), "a fragment with its context compiles");
        assertLinesReported(errors.get(snippets.get(4)), "broken.md:38:", "cannot find symbol");
    }

    private static void assertLinesReported(List<String> errors, String where, String what) {
        assertTrue(errors != null && !errors.isEmpty(), "expected an error at " + where);
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(where) && e.contains(what)), where + " " + what + ": " + errors);
    }
}
