package dev.panatrace.ptrace.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Quoting as strace quotes: checked on strace's own output, and read back as a C compiler would read it. */
@Timeout(30)
class QuotedStringTest {
    @Test
    void escapesAsStraceDoes() {
        byte[] bytes = "a\tb\u0001c\n\u00ff\u0000\u00017\"q\\z\u000b\f\r".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("\"a\\tb\\1c\\n\\377\\0\\0017\\\"q\\\\z\\v\\f\\r\"", QuotedString.of(bytes, 100));
        assertEquals("\"a\\tb\\1c\\n\\377\\0\"...", QuotedString.of(bytes, 8));
        assertEquals("\"\"...", QuotedString.of(bytes, 0));
        assertEquals("\"\"", QuotedString.of(new byte[0], 32));
        assertEquals("\"\\x00\\xff\"...", QuotedString.hex(new byte[] {0, -1, 2}, 2));
    }

    /** Whatever the bytes, the literal means them, up to the limit, and says when it stopped short. */
    @Test
    void theLiteralReadsBackAsTheBytes() {
        qt().withExamples(2000)
                .forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 64), integers().between(0, 70))
                .checkAssert((values, limit) -> {
                    byte[] bytes = new byte[values.size()];
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = (byte) (int) values.get(i);
                    }
                    String quoted = QuotedString.of(bytes, limit);
                    boolean cut = bytes.length > limit;
                    assertEquals(cut, quoted.endsWith("\"..."), quoted);
                    String literal = cut ? quoted.substring(0, quoted.length() - 3) : quoted;
                    byte[] shown = Arrays.copyOf(bytes, Math.min(limit, bytes.length));
                    assertArrayEquals(shown, unquote(literal), quoted);
                    assertTrue(literal.chars().allMatch(c -> c >= ' ' && c <= '~'), quoted);
                });
    }

    /** C's reading of a string literal: the escapes strace writes, octal of one to three digits. */
    private static byte[] unquote(String literal) {
        assertTrue(literal.startsWith("\"") && literal.endsWith("\"") && literal.length() >= 2, literal);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String body = literal.substring(1, literal.length() - 1);
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '"') {
                throw new AssertionError("an unescaped quote in " + literal);
            }
            if (c != '\\') {
                bytes.write(c);
                continue;
            }
            char escaped = body.charAt(++i);
            int octalEnd = i;
            while (octalEnd < body.length() && octalEnd < i + 3 && body.charAt(octalEnd) >= '0'
                    && body.charAt(octalEnd) <= '7') {
                octalEnd++;
            }
            if (octalEnd > i) {
                bytes.write(Integer.parseInt(body.substring(i, octalEnd), 8));
                i = octalEnd - 1;
                continue;
            }
            bytes.write(switch (escaped) {
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'v' -> 0x0b;
                case 'f' -> '\f';
                case 'r' -> '\r';
                case '"' -> '"';
                case '\\' -> '\\';
                default -> throw new AssertionError("unknown escape \\" + escaped + " in " + literal);
            });
        }
        return bytes.toByteArray();
    }
}
