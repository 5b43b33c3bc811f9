package dev.panatrace.ptrace.paths;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Scratch slots stay one per thread across an exec from a non-leader thread, the way k3s re-executes
 * itself. Before the exec, eight spinning threads each hold a slot (the handler injects a syscall at
 * their getpid, which runs at the thread's stub). The threads the exec removes are reported ended
 * after it, possibly after the new program's threads took slots in the new address space; their slots
 * belong to the old one. After the exec, 64 threads read redirected paths; every rewritten path's
 * address is a thread's slot, and no two live threads may be given the same one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScratchSlotsAcrossExecTest {
    @TempDir
    Path temp;

    @BeforeAll
    static void needPtrace() {
        Tracees.assumePtraceAllowed();
    }

    @RepeatedTest(3)
    void liveThreadsNeverShareASlot() throws Exception {
        Path host = Files.createDirectories(temp.resolve("host"));
        Files.writeString(host.resolve("a"), "first file\n");
        Files.writeString(host.resolve("b"), "second\nfile\n");
        PathRedirector redirector = new PathRedirector(BindMap.builder().bind(host, Path.of("/guest")).build());
        SlotWatcher watcher = new SlotWatcher(redirector);
        Path out = temp.resolve("out");
        try (TraceSession session = Tracer.builder().handler(watcher).stdout(out).spawn(List.of(
                Tracees.go("execthread").toString(), "-exec", Tracees.go("threadreader").toString(), "--",
                "-threads", "64", "-iterations", "100", "-files", "/guest/a,/guest/b"))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor(Duration.ofSeconds(100)));
        }
        assertEquals("reads=12800 failures=0 wrong=0\n", Files.readString(out));
        assertEquals(List.of(), watcher.shared);
        assertEquals(true, watcher.slotsBeforeExec >= 2, "spinners held slots before the exec: " + watcher.slotsBeforeExec);
    }

    /** Wraps the redirector: holds slots with injections before the exec, checks slot owners after. */
    private static final class SlotWatcher implements TraceHandler {
        private final PathRedirector redirector;
        private final Map<Long, Integer> owners = new HashMap<>();
        private final Map<Integer, Long> slotOf = new HashMap<>();
        private final Set<Integer> injected = new HashSet<>();
        final List<String> shared = new ArrayList<>();
        int slotsBeforeExec;
        /** The spawn's exec of execthread, then execthread's exec of threadreader. */
        private int execs;

        SlotWatcher(PathRedirector redirector) {
            this.redirector = redirector;
        }

        @Override
        public SyscallSet syscalls() {
            Set<String> names = new HashSet<>(redirector.syscalls().names());
            names.add("getpid");
            return SyscallSet.of(names);
        }

        @Override
        public boolean usesScratchMemory() {
            return true;
        }

        @Override
        public EntryAction onSyscallEntry(Syscall call) {
            if (call.name().equals("getpid")) {
                return execs > 1 || injected.contains(call.tracee().tid()) ? EntryAction.CONTINUE : EntryAction.OBSERVE_EXIT;
            }
            long before = call.name().equals("openat") ? call.arg(1) : 0;
            EntryAction action = redirector.onSyscallEntry(call);
            if (call.name().equals("openat") && call.arg(1) != before) {
                int tid = call.tracee().tid();
                Integer owner = owners.put(call.arg(1), tid);
                if (owner != null && owner != tid) {
                    shared.add("tid " + tid + " got the slot of live tid " + owner + " at 0x" + Long.toHexString(call.arg(1)));
                }
                Long old = slotOf.put(tid, call.arg(1));
                if (old != null && old != call.arg(1)) {
                    owners.remove(old, tid);
                }
            }
            return action;
        }

        @Override
        public void onSyscallExit(Syscall call) {
            if (call.name().equals("getpid") && injected.add(call.tracee().tid())) {
                call.inject(SyscallTable.of(call.tracee().arch()).numberOf("getppid"));
                slotsBeforeExec++;
            } else {
                redirector.onSyscallExit(call);
            }
        }

        @Override
        public void onExec(dev.panatrace.ptrace.Tracee tracee, int formerTid) {
            execs++;
            redirector.onExec(tracee, formerTid);
        }

        @Override
        public void onExit(int tid, int pid, ExitStatus status) {
            Long slot = slotOf.remove(tid);
            if (slot != null) {
                owners.remove(slot, tid);
            }
            redirector.onExit(tid, pid, status);
        }
    }
}
