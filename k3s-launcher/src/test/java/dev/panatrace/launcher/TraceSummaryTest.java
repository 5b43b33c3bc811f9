package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.panatrace.ptrace.TraceStats;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code --summary-json} text. */
@Timeout(30)
class TraceSummaryTest {
    @Test
    void writesTheDocumentedLayoutWithSyscallsSortedByName() {
        Map<String, Long> counts = Map.of("openat", 123L, "close", 7L, "brk", 1L);
        TraceSummary summary = new TraceSummary(143, new TreeMap<>(counts), new TraceStats(900, 3, 5));
        assertEquals("{\"exitCode\": 143, \"syscalls\": {\"brk\": 1, \"close\": 7, \"openat\": 123}, "
                + "\"processes\": 3, \"threads\": 5, \"stops\": 900}", summary.toJson());
    }

    @Test
    void writesAnEmptyObjectWithoutSyscalls() {
        TraceSummary summary = new TraceSummary(0, new TreeMap<>(), new TraceStats(0, 1, 1));
        assertEquals("{\"exitCode\": 0, \"syscalls\": {}, \"processes\": 1, \"threads\": 1, \"stops\": 0}",
                summary.toJson());
    }

    @Test
    void escapesWhatJsonStringsCannotHoldLiterally() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001f\\u001f\\b\\f\\r\"", TraceSummary.quote("a\"b\\c\nd\te\u0001f\u001f\b\f\r"));
        assertEquals("\"/\u00e9\u2028\ud83d\ude00\"", TraceSummary.quote("/\u00e9\u2028\ud83d\ude00"));
    }

    @Test
    void quotedStringsDecodeToTheOriginal() {
        qt().forAll(strings().allPossible().ofLengthBetween(0, 40)).checkAssert(text -> {
            String quoted = TraceSummary.quote(text);
            assertTrue(quoted.chars().noneMatch(c -> c < 0x20), quoted);
            assertEquals(text, decodeJsonString(quoted));
        });
    }

    /** Decodes one JSON string literal (RFC 8259 section 7), rejecting anything else. */
    private static String decodeJsonString(String literal) {
        if (literal.length() < 2 || literal.charAt(0) != '"' || literal.charAt(literal.length() - 1) != '"') {
            throw new AssertionError("not a string literal: " + literal);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c == '"' || c < 0x20) {
                throw new AssertionError("unescaped " + (int) c + " at " + i + " in " + literal);
            }
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char escape = literal.charAt(++i);
            switch (escape) {
                case '"', '\\', '/' -> text.append(escape);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    text.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("bad escape \\" + escape + " in " + literal);
            }
        }
        return text.toString();
    }
}
