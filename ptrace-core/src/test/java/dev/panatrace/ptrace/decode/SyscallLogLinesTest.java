package dev.panatrace.ptrace.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The log's lines around the calls: threads, interleaving, exits, and what a wrapped handler changed. */
@Timeout(10)
class SyscallLogLinesTest {
    private static final long PATH = 0x7ffc00001000L;

    private final StringWriter out = new StringWriter();

    @Test
    void aCallInterruptedByAnotherThreadsLineIsUnfinishedThenResumed() throws IOException {
        SyscallLog log = SyscallLog.builder(out).build();
        log.onNewTracee(10, 11, 11);
        MemoryCall wait = MemoryCall.of("wait4", -1, 0, 0, 0).thread(10);
        log.onSyscallEntry(wait.entry());
        MemoryCall exit = MemoryCall.of("exit_group", 1).thread(11);
        log.onSyscallEntry(exit.entry());
        log.onExit(11, 11, ExitStatus.exited(1));
        log.onSyscallExit(wait.exit(11));
        log.onExit(10, 10, ExitStatus.killed(15, false));
        log.finish();
        assertEquals("[pid    10] wait4(-1,  <unfinished ...>\n"
                + "[pid    11] exit_group(1)" + " ".repeat(15) + "= ?\n"
                + "[pid    11] +++ exited with 1 +++\n"
                + "<... wait4 resumed>NULL, 0, NULL)" + " ".repeat(7) + "= 11\n"
                + "+++ killed by SIGTERM +++\n",
                out.toString());
    }

    @Test
    void aFileLogNamesTheThreadOnEveryLine() throws IOException {
        SyscallLog log = SyscallLog.builder(out).threadPrefix(SyscallLog.ThreadPrefix.ALWAYS).build();
        MemoryCall close = MemoryCall.of("close", 3).thread(4242);
        log.onSyscallEntry(close.entry());
        log.onSyscallExit(close.exit(-9));
        log.finish();
        assertEquals("4242  close(3)                          = -1 EBADF (Bad file descriptor)\n", out.toString());
    }

    /** A wrapped handler's rewrite shows the path the kernel saw and the one the tracee gave; a skipped call is INJECTED. */
    @Test
    void whatAWrappedHandlerChangedIsShown() throws IOException {
        long replacement = 0x7ffc00009000L;
        MemoryCall open = MemoryCall.of("openat", -100, PATH, 0).string(PATH, "/proc/sys/kernel/ostype");
        TraceHandler redirector = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("openat", "openat2");
            }

            @Override
            public boolean usesScratchMemory() {
                return true;
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                if (call.name().equals("openat2")) {
                    return EntryAction.failing(38);
                }
                open.string(replacement, "/tmp/served/kernel/ostype").pointTo(1, replacement);
                return EntryAction.CONTINUE;
            }
        };
        SyscallLog log = SyscallLog.builder(out).select(Set.of("openat", "openat2")).around(redirector).build();
        log.onSyscallEntry(open.entry());
        log.onSyscallExit(open.exit(3));
        log.onSyscallEntry(MemoryCall.of("openat2", -100, PATH, 0, 24).string(PATH, "/proc/sys/kernel/ostype").entry());
        log.finish();
        assertEquals("openat(AT_FDCWD, \"/tmp/served/kernel/ostype\" /* redirected from \"/proc/sys/kernel/ostype\" */, "
                + "O_RDONLY) = 3\nopenat2(AT_FDCWD, \"/proc/sys/kernel/ostype\", NULL, 24) = -1 ENOSYS (Function not "
                + "implemented) (INJECTED)\n", out.toString());
        assertEquals(SyscallSet.of("openat", "openat2").names(), log.syscalls().names());
    }

    @Test
    void aCallInProgressWhenTheTraceLetsGoIsDetached() throws IOException {
        SyscallLog log = SyscallLog.builder(out).build();
        log.onSyscallEntry(MemoryCall.of("pause").thread(7).entry());
        log.finish();
        assertEquals("pause( <detached ...>\n", out.toString());
    }
}
