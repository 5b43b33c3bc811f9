package dev.panatrace.ptrace;

import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Injection does not trust the bytes before the instruction pointer. gVisor's systrap platform rewrites
 * a program's syscall sites into jumps, so at a stop the two bytes before rip need not be a
 * {@code syscall}. The handler makes that so: at the exit of uname it overwrites them with
 * {@code int3 int3}, injects getpid, and puts the bytes back. Run there, the injection would trap
 * instead of returning the pid. With scratch memory the engine injects at its own stub; without, at a
 * {@code syscall} it found in the vDSO.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InjectionSiteTest {
    private static final byte[] SYSCALL = {0x0f, 0x05};
    private static final byte[] TRAPS = {(byte) 0xcc, (byte) 0xcc};

    @TempDir
    Path tmp;

    @BeforeAll
    static void needPtrace() {
        Tracees.assumePtraceAllowed();
        org.junit.jupiter.api.Assumptions.assumeTrue(Arch.current() == Arch.X86_64, "the bytes patched are x86_64's");
    }

    @ParameterizedTest(name = "scratch memory: {0}")
    @ValueSource(booleans = {true, false})
    void injectsWhereTheBytesBeforeRipAreNotASyscall(boolean scratch) throws Exception {
        List<Long> injected = new ArrayList<>();
        List<Integer> pids = new ArrayList<>();
        List<byte[]> before = new ArrayList<>();
        TraceHandler handler = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                // getuid comes first: with scratch memory, its entry maps the region and runs again at a
                // stub, so that uname later runs at busybox's own syscall instruction.
                return SyscallSet.of("getuid", "uname");
            }

            @Override
            public boolean usesScratchMemory() {
                return scratch;
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                return call.name().equals("uname") ? EntryAction.OBSERVE_EXIT : EntryAction.CONTINUE;
            }

            @Override
            public void onSyscallExit(Syscall call) {
                Tracee tracee = call.tracee();
                long site = tracee.registers().instructionPointer() - 2;
                before.add(tracee.read(site, 2));
                tracee.write(site, TRAPS);
                try {
                    injected.add(call.inject(SyscallTable.of(tracee.arch()).numberOf("getpid")));
                    pids.add(tracee.pid());
                } finally {
                    tracee.write(site, before.getLast());
                }
            }
        };
        Path out = tmp.resolve("out");
        // Text is read-only: process_vm_writev cannot patch it; /proc/PID/mem and POKEDATA can.
        try (TraceSession session = Tracer.builder().handler(handler).memoryAccess(MemoryAccess.PROC_MEM)
                .stdout(out).spawn(List.of(Tracees.busybox().toString(), "uname", "-s"))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor());
        }
        assertEquals(1, injected.size(), "uname exits seen");
        assertArrayEquals(SYSCALL, before.getFirst(), "before the patch, a syscall preceded rip");
        assertEquals((long) pids.getFirst(), injected.getFirst(), "getpid injected");
        assertEquals("Linux\n", Files.readString(out));
    }
}
