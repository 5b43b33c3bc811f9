package dev.panatrace.launcher;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.TraceHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Counts every syscall entry of every traced thread by name. Entries are counted, not exits, so exit
 * and exit_group, which never return, are counted too.
 */
final class SyscallCounter implements TraceHandler {
    /** Touched only on the tracer thread while the trace runs. */
    private final Map<String, Long> entries = new HashMap<>();

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        entries.merge(call.name(), 1L, Long::sum);
        return EntryAction.CONTINUE;
    }

    /**
     * The counts by syscall name. Call only after the trace has ended: waiting for it is what makes
     * the tracer thread's counts visible here.
     */
    SortedMap<String, Long> counts() {
        return new TreeMap<>(entries);
    }
}
