package dev.panatrace.launcher;

import dev.panatrace.ptrace.TraceStats;
import java.util.Map;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * What {@code trace --summary-json} writes: the command's exit status, its syscall entries by name,
 * and the engine's counters.
 *
 * @param exitCode the command's status as a shell reports it (128 + N when signal N killed it)
 * @param syscalls entries per syscall name
 * @param stats the engine's counters at the end of the trace
 */
record TraceSummary(int exitCode, SortedMap<String, Long> syscalls, TraceStats stats) {
    TraceSummary {
        syscalls = new TreeMap<>(syscalls);
    }

    /**
     * One line of JSON, keys in a fixed order and syscalls sorted by name:
     * {@code {"exitCode": 0, "syscalls": {"close": 3, "openat": 2}, "processes": 1, "threads": 1, "stops": 9}}.
     */
    String toJson() {
        StringJoiner counts = new StringJoiner(", ", "{", "}");
        for (Map.Entry<String, Long> count : syscalls.entrySet()) {
            counts.add(quote(count.getKey()) + ": " + count.getValue());
        }
        return "{\"exitCode\": " + exitCode
                + ", \"syscalls\": " + counts
                + ", \"processes\": " + stats.processes()
                + ", \"threads\": " + stats.threads()
                + ", \"stops\": " + stats.stops() + "}";
    }

    /** {@code text} as a JSON string literal (RFC 8259 section 7). */
    static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
