package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Javadoc of the public API, read from the sources with the compiler's tree API: every public
 * and protected type and member of the exported packages has a doc comment (the build's
 * {@code javadoc} runs doclint for broken links and bad HTML, but without its "missing" group,
 * which would also demand a {@code @param} and {@code @return} on every method), and every type
 * that owns native memory says in its comment who frees it.
 */
class JavadocTest {
    private static final List<Element> API = new ArrayList<>();
    private static DocTrees docs;
    private static Elements elements;
    private static Types types;

    @BeforeAll
    static void readTheSources() throws Exception {
        Path src = Path.of(System.getProperty("mbedtlsjni.basedir", ".")).resolve("src/main/java");
        List<Path> files = new ArrayList<>();
        for (String pkg : ApiTest.exportedPackages()) {
            try (Stream<Path> s = Files.list(src.resolve(pkg.replace('.', '/')))) {
                s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StandardJavaFileManager fm = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavacTask task = (JavacTask) javac.getTask(null, fm, diagnostics,
                List.of("-proc:none", "--release", "11", "-sourcepath", src.toString(),
                        "-classpath", System.getProperty("java.class.path")),
                null, fm.getJavaFileObjectsFromPaths(files));
        docs = DocTrees.instance(task);
        elements = task.getElements();
        types = task.getTypes();
        for (Element e : task.analyze()) {
            if (e instanceof TypeElement) {
                collect((TypeElement) e);
            }
        }
        assertEquals(List.of(), diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.toString()).collect(Collectors.toList()), "the sources compile");
        assertTrue(API.size() > 300, "read the API: " + API.size() + " elements");
    }

    private static boolean visible(Element e) {
        return e.getModifiers().contains(Modifier.PUBLIC) || e.getModifiers().contains(Modifier.PROTECTED);
    }

    private static void collect(TypeElement type) {
        if (!visible(type)) {
            return;
        }
        API.add(type);
        for (Element member : type.getEnclosedElements()) {
            if (member instanceof TypeElement) {
                collect((TypeElement) member);
            } else if (visible(member) && elements.getOrigin(member) == Elements.Origin.EXPLICIT && !overrides(member)
                    && !implicitInEnum(member)) {
                API.add(member);
            }
        }
    }

    /** An enum's {@code values()} and {@code valueOf(String)}, which Javadoc documents itself. */
    private static boolean implicitInEnum(Element member) {
        if (member.getEnclosingElement().getKind() != ElementKind.ENUM || member.getKind() != ElementKind.METHOD) {
            return false;
        }
        String signature = member.toString();
        return signature.equals("values()") || signature.equals("valueOf(java.lang.String)");
    }

    /** An overriding method inherits its comment, as Javadoc shows it. */
    private static boolean overrides(Element member) {
        if (member.getKind() != ElementKind.METHOD) {
            return false;
        }
        ExecutableElement method = (ExecutableElement) member;
        TypeElement owner = (TypeElement) method.getEnclosingElement();
        for (TypeElement t = superclass(owner); t != null; t = superclass(t)) {
            if (overridden(method, owner, t)) {
                return true;
            }
        }
        return interfaces(owner).stream().anyMatch(i -> overridden(method, owner, i));
    }

    private static boolean overridden(ExecutableElement method, TypeElement owner, TypeElement in) {
        for (Element e : in.getEnclosedElements()) {
            if (e.getKind() == ElementKind.METHOD && elements.overrides(method, (ExecutableElement) e, owner)) {
                return true;
            }
        }
        return false;
    }

    private static TypeElement superclass(TypeElement t) {
        Element e = types.asElement(t.getSuperclass());
        return e instanceof TypeElement ? (TypeElement) e : null;
    }

    private static Set<TypeElement> interfaces(TypeElement t) {
        Set<TypeElement> all = new LinkedHashSet<>();
        for (TypeElement k = t; k != null; k = superclass(k)) {
            for (TypeMirror i : k.getInterfaces()) {
                addWithSupers((TypeElement) types.asElement(i), all);
            }
        }
        return all;
    }

    private static void addWithSupers(TypeElement i, Set<TypeElement> all) {
        if (all.add(i)) {
            for (TypeMirror s : i.getInterfaces()) {
                addWithSupers((TypeElement) types.asElement(s), all);
            }
        }
    }

    private static String name(Element e) {
        if (e instanceof TypeElement) {
            return ((TypeElement) e).getQualifiedName().toString();
        }
        return name(e.getEnclosingElement()) + "." + e;
    }

    private static String comment(Element e) {
        String text = elements.getDocComment(e);
        return text == null ? "" : text;
    }

    @Test
    void everyPublicTypeAndMemberHasADocComment() {
        Set<String> missing = new TreeSet<>();
        for (Element e : API) {
            if (docs.getDocCommentTree(e) == null || comment(e).isBlank()) {
                missing.add(name(e));
            }
        }
        assertEquals(Set.of(), missing, "public API without a doc comment");
    }

    /**
     * A type that owns native memory (it is {@link AutoCloseable}) says who frees it: its
     * comment names {@code close()}, a {@code *_free} function or the Cleaner.
     */
    @Test
    void everyCloseableTypeSaysWhoFreesWhat() {
        TypeElement closeable = elements.getTypeElement(AutoCloseable.class.getName());
        List<String> silent = API.stream()
                .filter(e -> e instanceof TypeElement && types.isAssignable(e.asType(), types.erasure(closeable.asType())))
                .filter(e -> !comment(e).matches("(?s).*(close\\(\\)|_free\\b|Cleaner).*"))
                .map(JavadocTest::name)
                .collect(Collectors.toList());
        assertEquals(List.of(), silent, "AutoCloseable types whose comment does not say who frees their native memory");
    }

    /** The test reads what it should: a type and a member it knows. */
    @Test
    void theApiReadIncludesKnownElements() throws IOException {
        List<String> names = API.stream().map(JavadocTest::name).collect(Collectors.toList());
        assertTrue(names.contains("io.github.mbedtlsjni.TlsClient"), names::toString);
        assertTrue(names.contains("io.github.mbedtlsjni.TlsClient.Builder.build()"), names::toString);
        assertTrue(names.contains("io.github.mbedtlsjni.mbedtls.AuthMode.REQUIRED"), "enum constants count");
        assertTrue(names.stream().noneMatch(n -> n.contains(".internal.")), "nothing of internal");
        assertTrue(names.stream().noneMatch(n -> n.endsWith(".values()")), "no implicit enum methods");
    }
}
