package dev.panatrace.launcher;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceeLocal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Counts the syscalls of every traced thread by name: entries (so exit and exit_group, which never return,
 * are counted too), and, as {@code strace -c} does, the calls that returned, those that failed and the time
 * from entry stop to exit stop.
 */
final class SyscallCounter implements TraceHandler {
    /** Calls that returned: how many, how many failed, how long they took in all. */
    static final class Returned {
        long calls;
        long errors;
        long nanos;
    }

    private final Set<String> selected;
    /** Touched only on the tracer thread while the trace runs, as the maps below. */
    private final Map<String, Long> entries = new HashMap<>();
    private final Map<String, Returned> returned = new HashMap<>();
    private final TraceeLocal<Long> enteredAt = TraceeLocal.perSyscall();

    /** @param selected the syscalls to count, or null for all */
    SyscallCounter(Set<String> selected) {
        this.selected = selected;
    }

    SyscallCounter() {
        this(null);
    }

    @Override
    public SyscallSet syscalls() {
        return selected == null ? SyscallSet.all() : SyscallSet.of(selected);
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        entries.merge(call.name(), 1L, Long::sum);
        call.tracee().set(enteredAt, System.nanoTime());
        return EntryAction.OBSERVE_EXIT;
    }

    @Override
    public void onSyscallExit(Syscall call) {
        Long start = call.tracee().get(enteredAt);
        Returned counts = returned.computeIfAbsent(call.name(), name -> new Returned());
        counts.calls++;
        long result = call.result();
        if (result < 0 && result >= -4095) {
            counts.errors++;
        }
        if (start != null) {
            counts.nanos += System.nanoTime() - start;
        }
    }

    /**
     * The entries by syscall name. Call only after the trace has ended: waiting for it is what makes
     * the tracer thread's counts visible here.
     */
    SortedMap<String, Long> counts() {
        return new TreeMap<>(entries);
    }

    /** The calls that returned, by name; after the trace, as {@link #counts()}. */
    SortedMap<String, Returned> returned() {
        return new TreeMap<>(returned);
    }
}
