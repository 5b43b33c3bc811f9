package dev.panatrace.procsys;

/**
 * What values a key accepts, and how a written value is stored: the way the kernel parses and prints
 * it, so that a read after a write returns what the kernel would have returned.
 *
 * <ul>
 *   <li>{@link #text()}: a string. As with the kernel's {@code proc_dostring}, the value ends at the
 *       first newline or NUL, so {@code abc\n} stores {@code abc}.
 *   <li>{@link #integer()}, {@link #integerRange(int, int)}, {@link #integerVector(int)},
 *       {@link #integerVector(int, int, int)}: one or a fixed count of C {@code int}s, parsed as the
 *       kernel's {@code proc_dointvec} does: whitespace before, between and after the numbers is
 *       skipped, a number is an optional {@code -} and digits in base 10, or base 16 after {@code 0x},
 *       or base 8 after a leading {@code 0}. The value is stored in decimal with the numbers separated
 *       by a tab, as the kernel prints int vectors: {@code " 0x10 "} stores {@code 16} and
 *       {@code "0 2147483647\n"} stores {@code "0\t2147483647"}.
 * </ul>
 *
 * <p>A value that does not parse, has the wrong count of numbers or a number out of range is rejected
 * as a whole ({@code EINVAL} from {@link SysctlTree#write(String, String)}).
 */
public final class Validator {
    private static final Validator TEXT = new Validator(0, 0, 0, "any text");
    private static final Validator INTEGER = new Validator(1, Integer.MIN_VALUE, Integer.MAX_VALUE, "an integer");

    /** Count of integers, or 0 for text. */
    private final int count;
    private final int min;
    private final int max;
    private final String description;

    private Validator(int count, int min, int max, String description) {
        this.count = count;
        this.min = min;
        this.max = max;
        this.description = description;
    }

    /**
     * Any text, cut at the first newline or NUL.
     *
     * @return the validator
     */
    public static Validator text() {
        return TEXT;
    }

    /**
     * One C {@code int}.
     *
     * @return the validator
     */
    public static Validator integer() {
        return INTEGER;
    }

    /**
     * One C {@code int} in a range, such as {@code 0..1} for a boolean.
     *
     * @param min the least value accepted
     * @param max the greatest value accepted
     * @return the validator
     * @throws IllegalArgumentException if {@code min > max}
     */
    public static Validator integerRange(int min, int max) {
        checkRange(min, max);
        return new Validator(1, min, max, "an integer in " + min + ".." + max);
    }

    /**
     * Exactly {@code count} C {@code int}s.
     *
     * @param count how many numbers a value has
     * @return the validator
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public static Validator integerVector(int count) {
        checkCount(count);
        return new Validator(count, Integer.MIN_VALUE, Integer.MAX_VALUE, count + " integers");
    }

    /**
     * Exactly {@code count} C {@code int}s, each in a range.
     *
     * @param count how many numbers a value has
     * @param min the least value accepted for each number
     * @param max the greatest value accepted for each number
     * @return the validator
     * @throws IllegalArgumentException if {@code count < 1} or {@code min > max}
     */
    public static Validator integerVector(int count, int min, int max) {
        checkCount(count);
        checkRange(min, max);
        return new Validator(count, min, max, count + " integers in " + min + ".." + max);
    }

    /**
     * What the validator expects, for error messages.
     *
     * @return such as {@code an integer in 0..2} or {@code 2 integers}
     */
    public String description() {
        return description;
    }

    /** Returns {@link #description()}. */
    @Override
    public String toString() {
        return description;
    }

    /** The value as the kernel would store and print it, or null if the kernel would refuse it. */
    String normalize(String input) {
        return count == 0 ? normalizeText(input) : normalizeIntegers(input);
    }

    private static String normalizeText(String input) {
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            if (c == '\n' || c == '\0') {
                return input.substring(0, i);
            }
        }
        return input;
    }

    private String normalizeIntegers(String input) {
        int n = input.length();
        int pos = skipSpaces(input, 0);
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < count; k++) {
            if (k > 0) {
                int next = skipSpaces(input, pos);
                if (next == pos) {
                    return null;
                }
                pos = next;
            }
            if (pos == n) {
                return null;
            }
            boolean negative = input.charAt(pos) == '-';
            if (negative) {
                pos++;
            }
            if (pos == n || digit(input.charAt(pos), 10) < 0) {
                return null;
            }
            int radix = 10;
            if (input.charAt(pos) == '0') {
                if (pos + 2 < n && (input.charAt(pos + 1) | 0x20) == 'x' && digit(input.charAt(pos + 2), 16) >= 0) {
                    radix = 16;
                    pos += 2;
                } else {
                    radix = 8;
                }
            }
            long magnitude = 0;
            for (int d; pos < n && (d = digit(input.charAt(pos), radix)) >= 0; pos++) {
                magnitude = magnitude * radix + d;
                if (magnitude > 1L << 31) {
                    return null;
                }
            }
            long value = negative ? -magnitude : magnitude;
            if (value < min || value > max) {
                return null;
            }
            if (k > 0) {
                out.append('\t');
            }
            out.append(value);
        }
        return skipSpaces(input, pos) == n ? out.toString() : null;
    }

    /** Skips what C's isspace() accepts, as the kernel's proc_skip_spaces does. */
    private static int skipSpaces(String s, int pos) {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && (c < '\t' || c > '\r')) {
                break;
            }
            pos++;
        }
        return pos;
    }

    /** An ASCII digit's value in a radix up to 16, or -1 (Character.digit would accept other scripts). */
    private static int digit(char c, int radix) {
        int value;
        if (c >= '0' && c <= '9') {
            value = c - '0';
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            value = (c | 0x20) - 'a' + 10;
        } else {
            return -1;
        }
        return value < radix ? value : -1;
    }

    private static void checkCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("an integer vector needs at least one element, not " + count);
        }
    }

    private static void checkRange(int min, int max) {
        if (min > max) {
            throw new IllegalArgumentException("empty range " + min + ".." + max);
        }
    }
}
