package dev.panatrace.ptrace.decode;

/**
 * Bytes written as strace writes them: a C string literal in double quotes, with {@code \t \n \v \f \r},
 * {@code \"} and {@code \\} escaped by letter, other bytes outside {@code ' '..'~'} as octal escapes of as
 * few digits as stay unambiguous, and {@code ...} after the closing quote when the bytes were cut.
 *
 * <pre>{@code
 * QuotedString.of("a\tb\u0001c".getBytes(), 32)       // "a\tb\1c"
 * QuotedString.of("0123456789".getBytes(), 4)         // "0123"...
 * }</pre>
 */
public final class QuotedString {
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    private QuotedString() {}

    /**
     * {@return the first {@code limit} bytes of {@code bytes} quoted, followed by {@code ...} when there are more}
     *
     * @param bytes the bytes
     * @param limit how many to show at most (strace's {@code -s})
     */
    public static String of(byte[] bytes, int limit) {
        return of(bytes, Math.min(bytes.length, limit), bytes.length > limit);
    }

    /**
     * {@return the first {@code length} bytes of {@code bytes} quoted, followed by {@code ...} when {@code cut}}
     *
     * @param bytes the bytes
     * @param length how many of them to show
     * @param cut whether the string went on beyond what is shown
     */
    public static String of(byte[] bytes, int length, boolean cut) {
        StringBuilder out = new StringBuilder(length + 8).append('"');
        for (int i = 0; i < length; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case 0x0b -> out.append("\\v");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (b >= ' ' && b <= '~') {
                        out.append((char) b);
                    } else {
                        // "\1" is unambiguous only when no octal digit follows it.
                        boolean digitFollows = i + 1 < length && bytes[i + 1] >= '0' && bytes[i + 1] <= '7';
                        String octal = Integer.toOctalString(b);
                        out.append('\\').append(digitFollows ? "000".substring(octal.length()) + octal : octal);
                    }
                }
            }
        }
        out.append('"');
        return cut ? out.append("...").toString() : out.toString();
    }

    /**
     * {@return {@code bytes} quoted with every byte as a {@code \xNN} escape, as strace shows random bytes}
     *
     * @param bytes the bytes
     * @param limit how many to show at most
     */
    public static String hex(byte[] bytes, int limit) {
        int length = Math.min(bytes.length, limit);
        StringBuilder out = new StringBuilder(length * 4 + 5).append('"');
        for (int i = 0; i < length; i++) {
            out.append("\\x").append(HEX_DIGITS[(bytes[i] >> 4) & 0xf]).append(HEX_DIGITS[bytes[i] & 0xf]);
        }
        out.append('"');
        return bytes.length > limit ? out.append("...").toString() : out.toString();
    }
}
