package dev.panatrace.launcher;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Words written so that sh(1) reads them back unchanged, for command lines the user may copy. */
final class ShellWords {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellWords() {}

    /** The words joined by spaces, each single-quoted unless it needs no quotes. */
    static String quote(List<String> words) {
        return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }

    /** One word, single-quoted unless it needs no quotes; a {@code '} inside becomes {@code '\''}. */
    static String quote(String word) {
        return SAFE.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
