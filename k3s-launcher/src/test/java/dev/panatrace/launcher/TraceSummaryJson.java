package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --summary-json} file of {@code bin/k3s-launcher trace}, read back with patterns that accept only the
 * documented layout.
 */
record TraceSummaryJson(int exitCode, Map<String, Long> syscalls, long processes, long threads, long stops) {
    private static final Pattern LAYOUT = Pattern.compile(
            "\\{\"exitCode\": (\\d+), \"syscalls\": \\{([^}]*)}, \"processes\": (\\d+), "
                    + "\"threads\": (\\d+), \"stops\": (\\d+)}\n");
    private static final Pattern COUNT = Pattern.compile("\"([a-z0-9_]+)\": (\\d+)");

    static TraceSummaryJson parse(String json) {
        Matcher m = LAYOUT.matcher(json);
        assertTrue(m.matches(), "not the summary layout: " + json);
        Map<String, Long> syscalls = new TreeMap<>();
        List<String> names = new ArrayList<>();
        for (String entry : m.group(2).split(", ")) {
            Matcher count = COUNT.matcher(entry);
            assertTrue(count.matches(), "not a syscall count: " + entry + " in " + json);
            syscalls.put(count.group(1), Long.parseLong(count.group(2)));
            names.add(count.group(1));
        }
        assertEquals(names.stream().sorted().toList(), names, "syscalls sorted by name");
        return new TraceSummaryJson(Integer.parseInt(m.group(1)), syscalls, Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
    }
}
