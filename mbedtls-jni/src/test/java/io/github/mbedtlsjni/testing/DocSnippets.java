package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The {@code ```java} blocks of a Markdown document as Java sources, and their compilation.
 *
 * <p>The convention the documentation follows:
 * <ul>
 *   <li>Every block fenced as {@code ```java} is compiled; blocks fenced otherwise
 *       ({@code ```text}, {@code ```sh}, {@code ```xml}, ...) are not. Code that is not meant to
 *       compile is not {@code java}.
 *   <li>A block with a type declaration at the start of a line ({@code class}, {@code interface},
 *       {@code enum}, {@code record}, with modifiers) is a whole compilation unit and is compiled as
 *       written: its imports are all it gets.
 *   <li>Any other block is a fragment: its {@code import} lines are imports, the rest becomes the
 *       body of a method that may throw any exception, in a class. A fragment may use the
 *       library's exported packages ({@code io.github.mbedtlsjni}, {@code .mbedtls}, {@code .jsse})
 *       without importing them; anything else it imports itself.
 *   <li>A fragment that uses names defined in the text around it declares them in an HTML comment
 *       (which Markdown does not show) ending on the line right before the fence:
 *       <pre>{@code
 * <!-- java-context
 * import java.nio.file.Path;
 * TlsClient client;
 * -->
 * }</pre>
 *       or on one line, {@code <!-- java-context: import java.nio.file.Path; Path ca; -->}. Its
 *       {@code import} declarations are added to the fragment's imports, the others become members
 *       of the class around the fragment (fields such as {@code TlsClient client;}).
 * </ul>
 * Errors are reported at the document's line, e.g. {@code README.md:160: cannot find symbol ...}.
 */
public final class DocSnippets {
    private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([A-Za-z0-9_+-]*).*$");
    private static final Pattern TYPE = Pattern.compile(
            "^(?:(?:public|protected|private|abstract|final|static|sealed|non-sealed|strictfp)\\s+)*"
                    + "(?:class|interface|enum|record|@interface)\\s+([A-Za-z_$][\\w$]*).*");
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "^public\\s+(?:(?:abstract|final|sealed|non-sealed|strictfp|static)\\s+)*(?:class|interface|enum|record|@interface)\\s+([A-Za-z_$][\\w$]*).*");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?[\\w.]+(\\.\\*)?\\s*;\\s*(//.*)?$");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+[\\w.]+\\s*;.*");
    static final List<String> LIBRARY_IMPORTS = List.of(
            "import io.github.mbedtlsjni.*;", "import io.github.mbedtlsjni.mbedtls.*;", "import io.github.mbedtlsjni.jsse.*;");

    private DocSnippets() {}

    /** One {@code ```java} block: where it is, its lines and the context declared for it. */
    public static final class Snippet {
        private final String document;
        private final int line; // of the first code line, 1-based
        private final List<String> code;
        private final int contextLine; // of the first context line, or 0
        private final List<String> context;
        private final List<String> source = new ArrayList<>();
        private final List<Integer> origin = new ArrayList<>(); // the document's line of each source line
        private String fileName = "Snippet.java";

        Snippet(String document, int line, List<String> code, int contextLine, List<String> context) {
            this.document = document;
            this.line = line;
            this.code = code;
            this.contextLine = contextLine;
            this.context = context;
        }

        /** The Java source the block became. */
        public String source() {
            return String.join("\n", source) + "\n";
        }

        /** Whether the block is a whole compilation unit (else a fragment). */
        public boolean isCompilationUnit() {
            return code.stream().anyMatch(l -> TYPE.matcher(l).matches());
        }

        private void add(String text, int documentLine) {
            source.add(text);
            origin.add(documentLine);
        }

        private void build(String pkg) {
            if (isCompilationUnit()) {
                if (code.stream().noneMatch(l -> PACKAGE.matcher(l).matches())) {
                    add("package " + pkg + ";", line);
                }
                for (int i = 0; i < code.size(); i++) {
                    String l = code.get(i);
                    Matcher m = PUBLIC_TYPE.matcher(l);
                    if (m.matches()) {
                        fileName = m.group(1) + ".java";
                    }
                    add(l, line + i);
                }
                return;
            }
            add("package " + pkg + ";", line);
            for (String imp : LIBRARY_IMPORTS) {
                add(imp, line);
            }
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < context.size(); i++) {
                if (IMPORT.matcher(context.get(i).strip()).matches()) {
                    add(context.get(i).strip(), contextLine + i);
                } else {
                    members.add(i);
                }
            }
            for (int i = 0; i < code.size(); i++) {
                if (IMPORT.matcher(code.get(i).strip()).matches()) {
                    add(code.get(i).strip(), line + i);
                }
            }
            add("@SuppressWarnings(\"all\") class Snippet {", line);
            for (int i : members) {
                add(context.get(i), contextLine + i);
            }
            add("void snippet() throws Exception {", line);
            for (int i = 0; i < code.size(); i++) {
                add(IMPORT.matcher(code.get(i).strip()).matches() ? "" : code.get(i), line + i);
            }
            add("}", line + code.size() - 1);
            add("}", line + code.size() - 1);
        }

        String where(long sourceLine) {
            int i = (int) sourceLine - 1;
            return document + ":" + (i >= 0 && i < origin.size() ? origin.get(i) : line);
        }

        @Override
        public String toString() {
            return document + ":" + line;
        }
    }

    /** The {@code ```java} blocks of {@code doc}, named by its path relative to {@code root}. */
    public static List<Snippet> read(Path doc, Path root) throws IOException {
        String name = root.relativize(doc.toAbsolutePath()).toString();
        List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        List<Snippet> snippets = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String indent = open.group(1);
            String fence = open.group(2);
            int end = i + 1;
            while (end < lines.size() && !isClosing(lines.get(end), fence)) {
                end++;
            }
            if (open.group(3).equalsIgnoreCase("java")) {
                List<String> code = new ArrayList<>();
                for (String l : lines.subList(i + 1, Math.min(end, lines.size()))) {
                    code.add(l.startsWith(indent) ? l.substring(indent.length()) : l.stripLeading());
                }
                List<String> context = new ArrayList<>();
                int contextLine = 0;
                if (i > 0 && lines.get(i - 1).strip().endsWith("-->")) {
                    int start = i - 1;
                    while (start >= 0 && !lines.get(start).strip().startsWith("<!--")) {
                        start--;
                    }
                    if (start >= 0 && lines.get(start).strip().startsWith("<!-- java-context")) {
                        if (start == i - 1) { // <!-- java-context: import a.B; B b; -->, one declaration per ';'
                            String one = lines.get(start).strip();
                            for (String part : one.substring("<!-- java-context".length(), one.length() - "-->".length())
                                    .replaceFirst("^\\s*:", "").split(";")) {
                                if (!part.isBlank()) {
                                    context.add(part.strip() + ";");
                                }
                            }
                            contextLine = start + 1;
                        } else {
                            context.addAll(lines.subList(start + 1, i - 1));
                            contextLine = start + 2;
                        }
                    }
                }
                snippets.add(new Snippet(name, i + 2, code, contextLine, context));
            }
            i = end;
        }
        return snippets;
    }

    private static boolean isClosing(String line, String fence) {
        String s = line.strip();
        return s.length() >= fence.length() && s.chars().allMatch(c -> c == fence.charAt(0));
    }

    /**
     * Compiles each snippet on its own ({@code --release 11}, the test class path), in
     * {@code work}; the errors of each, as {@code document:line: message}, none for a snippet that
     * compiles.
     */
    public static Map<Snippet, List<String>> compile(List<Snippet> snippets, Path work) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<Snippet, List<String>> result = new LinkedHashMap<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            int n = 0;
            for (Snippet s : snippets) {
                n++;
                if (s.source.isEmpty()) {
                    s.build("snippet" + n);
                }
                Path dir = work.resolve("snippet" + n);
                Files.createDirectories(dir.resolve("classes"));
                Path file = dir.resolve(s.fileName);
                Files.writeString(file, s.source());
                DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
                javac.getTask(null, fm, diagnostics,
                        List.of("--release", "11", "-proc:none", "-d", dir.resolve("classes").toString(),
                                "-classpath", System.getProperty("java.class.path")),
                        null, fm.getJavaFileObjects(file)).call();
                List<String> errors = new ArrayList<>();
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                    if (d.getKind() == Diagnostic.Kind.ERROR) {
                        errors.add(s.where(d.getLineNumber()) + ": " + d.getMessage(Locale.ROOT).replace("\n", " | "));
                    }
                }
                result.put(s, errors);
            }
        }
        return result;
    }
}
