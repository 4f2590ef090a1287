package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of some packages as text, read from their compiled classes with reflection
 * (no class is initialised, so no native code runs): one line per public or protected type,
 * then one indented line per public or protected field, constructor and method it declares or
 * inherits from a non-public superclass (those are reachable only through it), with the
 * modifiers that matter to a caller (not {@code synchronized} or {@code native}), generic types,
 * varargs and {@code throws}. Types are sorted by name and members by kind, then name, then
 * text, so the text depends on the classes only, not on the JDK that reads them. Synthetic and
 * bridge methods are left out: they are the compiler's, not the API's.
 */
public final class ApiDump {
    private final Map<String, List<String>> types = new TreeMap<>();
    private final Set<String> referenced = new TreeSet<>();
    private final String root;

    private ApiDump(String root) {
        this.root = root;
    }

    /** The dump, and the library types its signatures mention that are not part of it. */
    public static final class Result {
        public final List<String> lines;
        public final Set<String> hiddenTypesInSignatures;

        Result(List<String> lines, Set<String> hidden) {
            this.lines = lines;
            this.hiddenTypesInSignatures = hidden;
        }
    }

    /**
     * Dumps the top-level types (and their public or protected nested types) of each package in
     * {@code packages} found in the class directory {@code classes}, loading them through
     * {@code loader}; {@code root} is the prefix of the library's own packages, whose types the
     * signatures may only mention when they are dumped too.
     */
    public static Result of(Path classes, List<String> packages, ClassLoader loader, String root) throws IOException {
        ApiDump dump = new ApiDump(root);
        for (String pkg : packages) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            List<String> names;
            try (Stream<Path> files = Files.list(dir)) {
                names = files.map(p -> p.getFileName().toString())
                        .filter(n -> n.endsWith(".class") && !n.contains("$") && !n.contains("-"))
                        .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
                        .sorted()
                        .collect(Collectors.toList());
            }
            for (String name : names) {
                Class<?> c;
                try {
                    c = Class.forName(name, false, loader);
                } catch (ClassNotFoundException e) {
                    throw new IOException("cannot load " + name + " from " + classes, e);
                }
                dump.dumpType(c);
            }
        }
        List<String> lines = new ArrayList<>();
        for (List<String> type : dump.types.values()) {
            lines.addAll(type);
        }
        Set<String> hidden = new TreeSet<>(dump.referenced);
        hidden.removeAll(dump.types.keySet());
        return new Result(lines, hidden);
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private void dumpType(Class<?> c) {
        if (!visible(c.getModifiers()) || c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(header(c));
        Map<String, String> members = new TreeMap<>();
        Set<String> seen = new java.util.HashSet<>();
        // The class's own members, then those of non-public superclasses (reachable only here).
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k != c && visible(k.getModifiers())) {
                break;
            }
            for (Field f : k.getDeclaredFields()) {
                if (visible(f.getModifiers()) && !f.isSynthetic() && seen.add("f " + f.getName())) {
                    members.put("1 " + f.getName() + " " + field(f), field(f));
                }
            }
            if (k == c) {
                for (Constructor<?> ctor : c.getDeclaredConstructors()) {
                    if (visible(ctor.getModifiers()) && !ctor.isSynthetic()) {
                        String text = executable(ctor, c.getSimpleName(), null);
                        members.put("2 " + text, text);
                    }
                }
            }
            for (Method m : k.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()
                        && seen.add("m " + m.getName() + Arrays.toString(m.getParameterTypes()))) {
                    String text = executable(m, m.getName(), m);
                    members.put("3 " + m.getName() + " " + text, text);
                }
            }
        }
        for (String member : members.values()) {
            lines.add("  " + member);
        }
        types.put(name(c), lines);
        for (Class<?> nested : c.getDeclaredClasses()) {
            dumpType(nested);
        }
    }

    private String header(Class<?> c) {
        StringBuilder s = new StringBuilder(annotations(c.isAnnotationPresent(Deprecated.class)));
        int m = c.getModifiers();
        s.append(Modifier.isPublic(m) ? "public " : "protected ");
        if (c.isMemberClass() && Modifier.isStatic(m) && !c.isInterface() && !c.isEnum()) {
            s.append("static ");
        }
        if (c.isAnnotation()) {
            s.append("@interface ");
        } else if (c.isInterface()) {
            s.append("interface ");
        } else if (c.isEnum()) {
            s.append("enum ");
        } else {
            s.append(Modifier.isAbstract(m) ? "abstract " : "").append(Modifier.isFinal(m) ? "final " : "").append("class ");
        }
        s.append(name(c)).append(typeParameters(c.getTypeParameters()));
        Type superclass = c.getGenericSuperclass();
        // The first public superclass: a non-public one is an implementation detail.
        Class<?> k = c.getSuperclass();
        while (k != null && !visible(k.getModifiers())) {
            superclass = k.getGenericSuperclass();
            k = k.getSuperclass();
        }
        if (!c.isInterface() && !c.isEnum() && k != null && k != Object.class) {
            s.append(" extends ").append(type(superclass));
        }
        List<String> interfaces = new ArrayList<>();
        for (Class<?> i = c; i != null && (i == c || !visible(i.getModifiers())); i = i.getSuperclass()) {
            for (Type t : i.getGenericInterfaces()) {
                if (!(c.isAnnotation() && t == java.lang.annotation.Annotation.class)) {
                    interfaces.add(type(t));
                }
            }
        }
        if (!interfaces.isEmpty()) {
            s.append(c.isInterface() ? " extends " : " implements ").append(String.join(", ", new TreeSet<>(interfaces)));
        }
        return s.toString();
    }

    private String field(Field f) {
        return annotations(f.isAnnotationPresent(Deprecated.class)) + modifiers(f.getModifiers(), false, false)
                + type(f.getGenericType()) + " " + f.getName();
    }

    private String executable(Executable e, String name, Method method) {
        StringBuilder s = new StringBuilder(annotations(e.isAnnotationPresent(Deprecated.class)));
        boolean inInterface = e.getDeclaringClass().isInterface();
        s.append(modifiers(e.getModifiers(), inInterface, method != null && method.isDefault()));
        String typeParameters = typeParameters(e.getTypeParameters());
        if (!typeParameters.isEmpty()) {
            s.append(typeParameters).append(' ');
        }
        if (method != null) {
            s.append(type(method.getGenericReturnType())).append(' ');
        }
        s.append(name).append('(');
        Type[] parameters = e.getGenericParameterTypes();
        for (int i = 0; i < parameters.length; i++) {
            String p = type(parameters[i]);
            if (e.isVarArgs() && i == parameters.length - 1) {
                p = p.substring(0, p.length() - 2) + "...";
            }
            s.append(i > 0 ? ", " : "").append(p);
        }
        s.append(')');
        Type[] exceptions = e.getGenericExceptionTypes();
        if (exceptions.length > 0) {
            s.append(" throws ").append(Arrays.stream(exceptions).map(this::type).collect(Collectors.joining(", ")));
        }
        return s.toString();
    }

    private static String annotations(boolean deprecated) {
        return deprecated ? "@Deprecated " : "";
    }

    private static String modifiers(int m, boolean inInterface, boolean isDefault) {
        StringBuilder s = new StringBuilder(Modifier.isPublic(m) ? "public " : "protected ");
        if (isDefault) {
            s.append("default ");
        }
        if (Modifier.isStatic(m)) {
            s.append("static ");
        }
        if (Modifier.isAbstract(m)) {
            s.append("abstract ");
        }
        if (Modifier.isFinal(m)) {
            s.append("final ");
        }
        return s.toString();
    }

    private String typeParameters(TypeVariable<?>[] variables) {
        if (variables.length == 0) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (TypeVariable<?> v : variables) {
            List<String> bounds = new ArrayList<>();
            for (Type b : v.getBounds()) {
                if (b != Object.class) {
                    bounds.add(type(b));
                }
            }
            parts.add(v.getName() + (bounds.isEmpty() ? "" : " extends " + String.join(" & ", bounds)));
        }
        return "<" + String.join(", ", parts) + ">";
    }

    /** A type as Java source spells it, nested types with dots; the library's own are noted. */
    private String type(Type t) {
        if (t instanceof Class) {
            Class<?> c = (Class<?>) t;
            if (c.isArray()) {
                return type(c.getComponentType()) + "[]";
            }
            String name = name(c);
            if (name.startsWith(root)) {
                referenced.add(name);
            }
            return name;
        }
        if (t instanceof ParameterizedType) {
            ParameterizedType p = (ParameterizedType) t;
            String args = Arrays.stream(p.getActualTypeArguments()).map(this::type).collect(Collectors.joining(", "));
            return type(p.getRawType()) + "<" + args + ">";
        }
        if (t instanceof GenericArrayType) {
            return type(((GenericArrayType) t).getGenericComponentType()) + "[]";
        }
        if (t instanceof WildcardType) {
            WildcardType w = (WildcardType) t;
            if (w.getLowerBounds().length > 0) {
                return "? super " + type(w.getLowerBounds()[0]);
            }
            Type[] upper = w.getUpperBounds();
            return upper.length == 0 || upper[0] == Object.class ? "?" : "? extends " + type(upper[0]);
        }
        if (t instanceof TypeVariable) {
            return ((TypeVariable<?>) t).getName();
        }
        throw new IllegalArgumentException("unknown kind of type: " + t);
    }

    private static String name(Class<?> c) {
        String canonical = c.getCanonicalName();
        return canonical != null ? canonical : c.getName();
    }

    /** The lines of {@code expected} and {@code actual} that differ, as a unified-diff-like list. */
    public static List<String> diff(List<String> expected, List<String> actual) {
        // Grouped per type: the lines of a type that changed, with the type's header for context.
        Map<String, List<String>> before = byType(expected);
        Map<String, List<String>> after = byType(actual);
        Set<String> headers = new TreeSet<>(before.keySet());
        headers.addAll(after.keySet());
        List<String> out = new ArrayList<>();
        for (String header : headers) {
            List<String> b = before.getOrDefault(header, List.of());
            List<String> a = after.getOrDefault(header, List.of());
            if (b.equals(a)) {
                continue;
            }
            if (b.isEmpty() || a.isEmpty()) {
                String sign = b.isEmpty() ? "+ " : "- ";
                for (String line : b.isEmpty() ? a : b) {
                    out.add(sign + line);
                }
                continue;
            }
            if (b.get(0).equals(a.get(0))) {
                out.add("  " + b.get(0));
            } else {
                out.add("- " + b.get(0));
                out.add("+ " + a.get(0));
            }
            Set<String> removed = new TreeSet<>(b.subList(1, b.size()));
            removed.removeAll(a.subList(1, a.size()));
            Set<String> added = new TreeSet<>(a.subList(1, a.size()));
            added.removeAll(b.subList(1, b.size()));
            for (String line : removed) {
                out.add("- " + line);
            }
            for (String line : added) {
                out.add("+ " + line);
            }
        }
        return out;
    }

    /** Lines per type, keyed by the type's name (the header without its modifiers). */
    private static Map<String, List<String>> byType(List<String> lines) {
        Map<String, List<String>> types = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : lines) {
            if (!line.startsWith(" ")) {
                current = new ArrayList<>();
                types.put(typeName(line), current);
            }
            if (current != null) {
                current.add(line);
            }
        }
        return types;
    }

    private static String typeName(String header) {
        for (String word : header.split(" ")) {
            if (word.contains(".")) {
                return word.replaceAll("<.*", "");
            }
        }
        return header;
    }
}
