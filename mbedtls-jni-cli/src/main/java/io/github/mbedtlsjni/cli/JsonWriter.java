package io.github.mbedtlsjni.cli;

/**
 * Writes one JSON object (RFC 8259): string, integer, boolean, string-array, null and
 * array-of-object members, in the order added.
 *
 * <pre>{@code
 * new JsonWriter().add("handshake", "ok").add("error_code", 0).add("error", null).toString()
 * // {"handshake":"ok","error_code":0,"error":null}
 * }</pre>
 */
final class JsonWriter {
    private final StringBuilder json = new StringBuilder("{");

    /** Adds a string member; a null value is written as {@code null}. */
    JsonWriter add(String name, String value) {
        member(name);
        if (value == null) {
            json.append("null");
        } else {
            appendString(json, value);
        }
        return this;
    }

    /** Adds an array of strings. */
    JsonWriter addStrings(String name, java.util.List<String> values) {
        member(name);
        json.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            appendString(json, values.get(i));
        }
        json.append(']');
        return this;
    }

    /** Adds an integer member. */
    JsonWriter add(String name, long value) {
        member(name);
        json.append(value);
        return this;
    }

    /** Adds a boolean member. */
    JsonWriter add(String name, boolean value) {
        member(name);
        json.append(value);
        return this;
    }

    /** Adds an array of objects, each written by a {@link JsonWriter}. */
    JsonWriter addObjects(String name, java.util.List<JsonWriter> objects) {
        member(name);
        json.append('[');
        for (int i = 0; i < objects.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(objects.get(i));
        }
        json.append(']');
        return this;
    }

    /** The object, on one line. */
    @Override
    public String toString() {
        return json + "}";
    }

    /** {@code text} as a JSON string literal, quotes included. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2);
        appendString(sb, text);
        return sb.toString();
    }

    private void member(String name) {
        if (json.length() > 1) {
            json.append(',');
        }
        appendString(json, name);
        json.append(':');
    }

    /**
     * RFC 8259, section 7: quotation mark, reverse solidus and the control characters U+0000 to
     * U+001F must be escaped; the short escapes are used where JSON has them. Everything from
     * U+007F up is escaped as well (a surrogate pair as two escapes), so the output is plain ASCII
     * and reaches the reader intact whatever the platform's charset.
     */
    private static void appendString(StringBuilder sb, String text) {
        sb.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c >= 0x7F) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
