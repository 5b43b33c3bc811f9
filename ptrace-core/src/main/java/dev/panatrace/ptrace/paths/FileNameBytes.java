package dev.panatrace.ptrace.paths;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;

/** Converts between {@link Path}s and the bytes that name them in the kernel, and shows bytes as text. */
final class FileNameBytes {
    private static final byte SLASH = '/';

    private FileNameBytes() {}

    /**
     * The exact bytes of an absolute path, without a trailing slash unless it is {@code /}.
     * {@link Path#toString} decodes them with the platform charset, which replaces a sequence that is
     * not valid in it; the path's URI percent-encodes every byte outside ASCII instead, so they survive.
     *
     * @throws IllegalArgumentException if {@code path} is not absolute
     */
    static byte[] of(Path path) {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        // The URI of an existing directory ends with a slash; the path's bytes do not.
        String encoded = path.toUri().getRawPath();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                bytes.write(Integer.parseInt(encoded, i + 1, i + 3, 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        byte[] raw = bytes.toByteArray();
        if (raw.length > 1 && raw[raw.length - 1] == SLASH) {
            return Arrays.copyOf(raw, raw.length - 1);
        }
        return raw;
    }

    /**
     * {@code bytes} as one word of text: bytes from {@code !} to {@code ~} as themselves, every other byte
     * (space, controls, non-ASCII) and the backslash as {@code \xNN}, so the text never holds a space and
     * the bytes can be recovered from it.
     */
    static String escape(byte[] bytes) {
        StringBuilder text = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c > ' ' && c < 0x7f && c != '\\') {
                text.append((char) c);
            } else {
                text.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        return text.toString();
    }
}
