package io.github.mbedtlsjni.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.util.Locale;

/**
 * How the demo marks things: ✔/✘ and a few other characters when the output's charset is UTF-8,
 * {@code [ok]}/{@code [FAIL]} otherwise; ANSI colors only on a terminal (never with
 * {@code NO_COLOR} set or {@code TERM=dumb}). {@code MBEDTLS_JNI_ASCII=1} forces plain ASCII.
 */
final class Style {
    final boolean unicode;
    final boolean color;
    /** The charset the output is written in. */
    final Charset charset;

    Style(boolean unicode, boolean color, Charset charset) {
        this.unicode = unicode;
        this.color = color;
        this.charset = charset;
    }

    /** The style for this process's standard output. */
    static Style detect() {
        Charset charset = outputCharset();
        boolean unicode = charset.name().toUpperCase(Locale.ROOT).replace("-", "").equals("UTF8")
                && !"1".equals(System.getenv("MBEDTLS_JNI_ASCII"));
        String term = System.getenv("TERM");
        boolean color = isTerminal() && System.getenv("NO_COLOR") == null && term != null && !term.equals("dumb");
        return new Style(unicode, color, charset);
    }

    /** The charset {@code System.out} encodes with, as the JDK decided from the locale. */
    static Charset outputCharset() {
        for (String property : new String[] {"stdout.encoding", "sun.stdout.encoding", "native.encoding", "file.encoding"}) {
            String name = System.getProperty(property);
            if (name != null) {
                try {
                    return Charset.forName(name);
                } catch (RuntimeException e) {
                    // try the next
                }
            }
        }
        return Charset.defaultCharset();
    }

    private static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // JDK 22+ may return a console for redirected output; it then tells by isTerminal().
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Success: ✔, or [ok] padded to the marks' width. */
    String ok() {
        return green(unicode ? "✔" : "[ok]") + (unicode ? "" : "  ");
    }

    /** Failure: ✘, or [FAIL]. */
    String fail() {
        return red(unicode ? "✘" : "[FAIL]");
    }

    /** Something unexpected: !, or [!!] padded. */
    String warn() {
        return yellow(unicode ? "!" : "[!!]") + (unicode ? "" : "  ");
    }

    /** No mark, as wide as one. */
    String noMark() {
        return unicode ? " " : "      ";
    }

    String arrow() {
        return unicode ? "→" : "->";
    }

    String ellipsis() {
        return unicode ? "…" : "...";
    }

    String dash() {
        return unicode ? "—" : "-";
    }

    String bold(String s) {
        return ansi("1", s);
    }

    String dim(String s) {
        return ansi("2", s);
    }

    String green(String s) {
        return ansi("32", s);
    }

    String red(String s) {
        return ansi("31", s);
    }

    String yellow(String s) {
        return ansi("33", s);
    }

    private String ansi(String code, String s) {
        return color ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }

}
