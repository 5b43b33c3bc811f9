package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ValidatorTest {
    @Test
    void integerRangeAcceptsExactlyTheRange() {
        Validator range = Validator.integerRange(-5, 1000);
        qt().forAll(integers().all()).checkAssert(value -> {
            String normalized = range.normalize(Integer.toString(value));
            if (value >= -5 && value <= 1000) {
                assertEquals(Integer.toString(value), normalized);
            } else {
                assertNull(normalized, "accepted " + value);
            }
        });
    }

    @Test
    void integerAcceptsEveryIntAndNothingBeyond() {
        qt().forAll(integers().all()).checkAssert(value ->
                assertEquals(Integer.toString(value), Validator.integer().normalize(" " + value + "\n")));
        assertNull(Validator.integer().normalize("2147483648"));
        assertNull(Validator.integer().normalize("-2147483649"));
        assertNull(Validator.integer().normalize("99999999999999999999999"));
        assertEquals("-2147483648", Validator.integer().normalize("-2147483648"));
    }

    @Test
    void integersParseAsTheKernelDoes() {
        Validator integer = Validator.integer();
        assertEquals("1", integer.normalize("1"));
        assertEquals("1", integer.normalize("1\n"));
        assertEquals("1", integer.normalize("  \t1 \n\n"));
        assertEquals("16", integer.normalize("0x10"));
        assertEquals("255", integer.normalize("0XfF"));
        assertEquals("8", integer.normalize("010"));
        assertEquals("0", integer.normalize("0"));
        assertEquals("0", integer.normalize("-0"));
        assertEquals("-7", integer.normalize("-7\n"));
        for (String bad : List.of("", "\n", "abc", "1a", "+1", "-", "1.5", "08", "0x", "1 2", "one", "1\n2", "１")) {
            assertNull(integer.normalize(bad), bad);
        }
    }

    @Test
    void vectorsAreStoredTabSeparated() {
        Validator pair = Validator.integerVector(2, 0, Integer.MAX_VALUE);
        assertEquals("0\t2147483647", pair.normalize("0 2147483647"));
        assertEquals("0\t2147483647", pair.normalize("0 2147483647\n"));
        assertEquals("1\t0", pair.normalize("  1 \t  0\n"));
        assertEquals("1\t0", pair.normalize("1\t0"));
        assertEquals("16\t8", pair.normalize("0x10 010"));
        for (String bad : List.of("1", "1 2 3", "1,2", "-1 5", "1 2147483648", "12", "")) {
            assertNull(pair.normalize(bad), bad);
        }
        qt().forAll(integers().all(), integers().all(), integers().between(1, 4)).checkAssert((a, b, spaces) -> {
            String gap = " ".repeat(spaces);
            assertEquals(a + "\t" + b, Validator.integerVector(2).normalize(a + gap + b + "\n"));
        });
    }

    @Test
    void textEndsAtTheFirstNewlineOrNul() {
        Validator text = Validator.text();
        assertEquals("abc", text.normalize("abc"));
        assertEquals("abc", text.normalize("abc\n"));
        assertEquals(" a b ", text.normalize(" a b \n"));
        assertEquals("a", text.normalize("a\nb\n"));
        assertEquals("a", text.normalize("a\0b"));
        assertEquals("", text.normalize("\n"));
    }

    @Test
    void descriptionsSayWhatIsExpected() {
        assertEquals("an integer", Validator.integer().description());
        assertEquals("an integer in 0..2", Validator.integerRange(0, 2).description());
        assertEquals("2 integers", Validator.integerVector(2).description());
        assertEquals("2 integers in 0..9", Validator.integerVector(2, 0, 9).description());
        assertThrows(IllegalArgumentException.class, () -> Validator.integerRange(2, 1));
        assertThrows(IllegalArgumentException.class, () -> Validator.integerVector(0));
    }
}
