package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard output of a test script that runs several commands, cut into named sections: each section begins
 * with a line {@code @@@ NAME}, which the script prints with {@code echo "@@@ NAME"}, and holds every line up to
 * the next such line. Text before the first marker is kept under the name {@code ""}.
 */
final class ScriptSections {
    /** What a marker line starts with. */
    static final String MARK = "@@@ ";

    private ScriptSections() {}

    /**
     * The sections of {@code stdout}, in order, each with its lines and their newlines.
     *
     * @throws AssertionError if a name occurs twice
     */
    static Map<String, String> parse(String stdout) {
        Map<String, String> sections = new LinkedHashMap<>();
        String name = "";
        StringBuilder text = new StringBuilder();
        for (String line : stdout.split("\n", -1)) {
            if (line.startsWith(MARK)) {
                put(sections, name, text.toString(), stdout);
                name = line.substring(MARK.length());
                text.setLength(0);
            } else {
                text.append(line).append('\n');
            }
        }
        // split(-1) gives one empty string after a final newline: drop the newline it added.
        put(sections, name, text.substring(0, text.length() - 1), stdout);
        return sections;
    }

    /** The names of the sections, in order, for checking that a script ran to its end. */
    static List<String> names(Map<String, String> sections) {
        return new ArrayList<>(sections.keySet());
    }

    private static void put(Map<String, String> sections, String name, String text, String stdout) {
        String previous = sections.put(name, text);
        assertEquals(null, previous, () -> "section '" + name + "' occurs twice in\n" + stdout);
    }
}
