package dev.panatrace.launcher;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table {@code trace -c} prints when the command ends, in {@code strace -c}'s layout: % time, seconds,
 * usecs/call, calls, errors (blank when none) and the syscall, busiest first, then a total row. Time is the
 * wall-clock time from each call's entry stop to its exit stop, as {@code strace -c -w} measures it; only
 * calls that returned are listed, so exit and exit_group are not, as in strace's table.
 */
final class SyscallTimeTable {
    private static final String RULE = "------ ----------- ----------- --------- --------- ----------------";

    private SyscallTimeTable() {}

    static void print(Map<String, SyscallCounter.Returned> returned, PrintWriter out) {
        List<Map.Entry<String, SyscallCounter.Returned>> rows = new ArrayList<>(returned.entrySet());
        rows.sort(Comparator.<Map.Entry<String, SyscallCounter.Returned>>comparingLong(row -> -row.getValue().nanos)
                .thenComparingLong(row -> -row.getValue().calls).thenComparing(Map.Entry::getKey));
        long totalNanos = rows.stream().mapToLong(row -> row.getValue().nanos).sum();
        long totalCalls = rows.stream().mapToLong(row -> row.getValue().calls).sum();
        long totalErrors = rows.stream().mapToLong(row -> row.getValue().errors).sum();
        out.printf(Locale.ROOT, "%6s %11s %11s %9s %9s %s%n", "% time", "seconds", "usecs/call", "calls", "errors", "syscall");
        out.println(RULE);
        for (Map.Entry<String, SyscallCounter.Returned> row : rows) {
            SyscallCounter.Returned counts = row.getValue();
            printRow(out, totalNanos == 0 ? 0 : 100.0 * counts.nanos / totalNanos, counts.nanos, counts.calls,
                    counts.errors, row.getKey());
        }
        out.println(RULE);
        printRow(out, totalCalls == 0 ? 0 : 100.0, totalNanos, totalCalls, totalErrors, "total");
        out.flush();
    }

    private static void printRow(PrintWriter out, double percent, long nanos, long calls, long errors, String name) {
        out.printf(Locale.ROOT, "%6.2f %11.6f %11d %9d %9s %s%n", percent, nanos / 1e9, calls == 0 ? 0 : nanos / 1000 / calls, calls,
                errors == 0 ? "" : Long.toString(errors), name);
    }
}
