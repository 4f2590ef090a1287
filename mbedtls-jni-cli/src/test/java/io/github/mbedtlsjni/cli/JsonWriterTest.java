package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.MiniJson;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link JsonWriter}: layout and RFC 8259 string escaping. */
class JsonWriterTest {
    @Test
    void writesMembersInOrderOnOneLine() {
        String json = new JsonWriter().add("handshake", "ok").add("error_code", -9984).add("error", null).toString();
        assertEquals("{\"handshake\":\"ok\",\"error_code\":-9984,\"error\":null}", json);
    }

    @Test
    void writesStringArrays() {
        String json = new JsonWriter().addStrings("names", java.util.List.of("a\"b", "c")).addStrings("none", java.util.List.of()).toString();
        assertEquals("{\"names\":[\"a\\\"b\",\"c\"],\"none\":[]}", json);
    }

    @Test
    void writesBooleansAndArraysOfObjects() {
        String json = new JsonWriter().add("resumed", true).add("offered", false)
                .addObjects("chain", java.util.List.of(new JsonWriter().add("subject", "CN=a").add("n", 1), new JsonWriter()))
                .addObjects("none", java.util.List.of()).toString();
        assertEquals("{\"resumed\":true,\"offered\":false,\"chain\":[{\"subject\":\"CN=a\",\"n\":1},{}],\"none\":[]}", json);
        Map<String, Object> parsed = MiniJson.parseObject(json);
        assertEquals(Boolean.TRUE, parsed.get("resumed"));
        assertEquals(java.util.List.of(Map.of("subject", "CN=a", "n", 1L), Map.of()), parsed.get("chain"));
    }

    @Test
    void emptyObject() {
        assertEquals("{}", new JsonWriter().toString());
    }

    @Test
    void escapesQuoteAndBackslash() {
        assertEquals("\"a\\\"b\\\\c\"", JsonWriter.quote("a\"b\\c"));
    }

    @Test
    void escapesControlCharacters() {
        assertEquals("\"\\n\\r\\t\\b\\f\"", JsonWriter.quote("\n\r\t\b\f"));
        assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", JsonWriter.quote("\u0000\u0001\u001f\u007f"));
    }

    @Test
    void writesPlainAsciiOnly() {
        assertEquals("\"/ ~ \\u007f\\u00e9\\u20ac\\ud83d\\ude00\\u2028\"", JsonWriter.quote("/ ~ \u007fé€\uD83D\uDE00\u2028"));
        assertEquals("\"\\ud83d x \\ude00\"", JsonWriter.quote("\uD83D x \uDE00"), "lone surrogates too");
    }

    @Test
    void escapesNames() {
        assertEquals("{\"a\\\"b\":1}", new JsonWriter().add("a\"b", 1).toString());
    }

    @Test
    void everyCharacterRoundTripsThroughAStrictParser() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0xFFFF; c++) {
            all.append(c);
        }
        String json = new JsonWriter().add("text", all.toString()).add("n", Long.MIN_VALUE).toString();
        Map<String, Object> parsed = MiniJson.parseObject(json);
        assertEquals(all.toString(), parsed.get("text"));
        assertEquals(Long.MIN_VALUE, parsed.get("n"));
        assertTrue(json.chars().allMatch(c -> c >= 0x20 && c < 0x7F), "one line of printable ASCII");
    }
}
