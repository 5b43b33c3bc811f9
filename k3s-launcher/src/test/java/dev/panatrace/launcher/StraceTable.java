package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * strace's {@code -c} table: a header, a dashed rule, one row per syscall, a rule, a total row. The launcher's
 * {@code trace} counts must equal its counts, on the host and inside gVisor.
 */
final class StraceTable {
    private StraceTable() {}

    /** strace on the PATH; fails the test when it is missing. */
    static String strace() {
        return Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "strace"))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new AssertionError("strace is not installed (Debian package strace)"));
    }

    /**
     * The counts that {@code strace -c} can show: it counts a syscall when it returns, so exit and exit_group,
     * which never return, are missing from its table, while the launcher counts entries. Checked (strace 6.1,
     * Linux 6.18): {@code strace -f} prints 11 exit_group calls for a shell loop of ten children, {@code strace
     * -f -c} lists none.
     *
     * @param counts calls per syscall name, from either
     * @return a copy without exit and exit_group
     */
    static Map<String, Long> returningCalls(Map<String, Long> counts) {
        Map<String, Long> returning = new TreeMap<>(counts);
        returning.remove("exit_group");
        returning.remove("exit");
        return returning;
    }

    static Map<String, Long> parse(String table) {
        List<String> lines = table.lines().toList();
        int firstRule = indexOfRule(lines, 0);
        int secondRule = indexOfRule(lines, firstRule + 1);
        Map<String, Long> counts = new TreeMap<>();
        for (String row : lines.subList(firstRule + 1, secondRule)) {
            // % time, seconds, usecs/call, calls, [errors,] syscall: errors is blank when zero.
            String[] cells = row.strip().split("\\s+");
            counts.put(cells[cells.length - 1], Long.parseLong(cells[3]));
        }
        String[] total = lines.get(secondRule + 1).strip().split("\\s+");
        assertEquals("total", total[total.length - 1], "strace table ends with a total row: " + table);
        long sum = counts.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(Long.parseLong(total[3]), sum, "the rows add up to the total row: " + table);
        return counts;
    }

    private static int indexOfRule(List<String> lines, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith("------")) {
                return i;
            }
        }
        throw new AssertionError("no dashed rule in strace table: " + String.join("\n", lines));
    }
}
