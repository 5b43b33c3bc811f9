package dev.panatrace.ptrace;

import dev.panatrace.ptrace.testing.BackgroundTicker;
import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a {@link TraceSession} promises about waiting, detaching and failing, held to real tracees. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionLifecycleTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void needPtrace() {
        Tracees.assumePtraceAllowed();
    }

    @Test
    void waitingWithATimeoutIsEmptyWhileTheProgramRuns() throws Exception {
        try (TraceSession session = Tracer.builder().spawn(List.of(Tracees.busybox().toString(), "sleep", "10"))) {
            assertEquals(Optional.empty(), session.waitFor(Duration.ofMillis(100)));
            session.kill();
            assertEquals(Optional.of(ExitStatus.killed(Signals.SIGKILL, false)), session.waitFor(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aSignalTheKernelRefusesIsAnError() throws Exception {
        try (TraceSession session = Tracer.builder().spawn(List.of(Tracees.busybox().toString(), "sleep", "10"))) {
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> session.signal(12345)).errno());
            session.signal(Signals.SIGTERM);
            assertEquals(Optional.of(ExitStatus.killed(Signals.SIGTERM, false)), session.waitFor(Duration.ofSeconds(10)));
        }
    }

    /**
     * Once the engine has reaped a tracee its pid is free, and the next process may get it. Here it does
     * for sure: the pid counter (kernel.ns_last_pid) is set so that a process started while the engine
     * reports the exit gets the reaped pid. kill() at that moment must not reach the stranger.
     */
    @Test
    void killAfterTheEngineReapedAPidSparesTheProcessThatReusesIt() throws Exception {
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(lastPid),
                "needs root to set the pid counter (kernel.ns_last_pid)");
        Process[] stranger = new Process[1];
        TraceSession[] session = new TraceSession[1];
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        TraceHandler reuser = new TraceHandler() {
            @Override
            public void onExit(int tid, int pid, ExitStatus status) {
                try {
                    started.await();
                    for (int attempt = 0; attempt < 20 && stranger[0] == null; attempt++) {
                        Files.writeString(lastPid, Integer.toString(pid - 1));
                        Process p = new ProcessBuilder(Tracees.busybox().toString(), "sleep", "30").start();
                        if (p.pid() == pid) {
                            stranger[0] = p;
                        } else {
                            p.destroyForcibly().waitFor();
                        }
                    }
                    session[0].kill();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        try (TraceSession traced = Tracer.builder().handler(reuser).spawn(List.of(Tracees.busybox().toString(), "true"))) {
            session[0] = traced;
            started.countDown();
            assertEquals(Optional.of(ExitStatus.exited(0)), traced.waitFor(Duration.ofSeconds(30)));
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(stranger[0] != null,
                "another process took the reaped pid first, 20 times");
        try {
            assertTrue(stranger[0].isAlive(), "the process that reused pid " + stranger[0].pid() + " was killed");
        } finally {
            stranger[0].destroyForcibly().waitFor();
        }
    }

    /** The kernel keeps a seccomp filter; without its tracer, the syscalls it traces would fail with ENOSYS. */
    @Test
    void aSpawnedSeccompTraceRefusesToDetachAndKeepsTracing() throws Exception {
        Path out = tmp.resolve("out");
        TraceHandler wantsOpen = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("openat", "open");
            }
        };
        String busybox = Tracees.busybox().toString();
        try (TraceSession session = Tracer.builder().handler(wantsOpen).stdout(out)
                .spawn(List.of(busybox, "sh", "-c", busybox + " sleep 1; " + busybox + " cat /proc/self/comm"))) {
            assertEquals(TraceMode.SECCOMP, session.mode());
            IllegalStateException refused = assertThrows(IllegalStateException.class, session::detach);
            assertTrue(refused.getMessage().contains("seccomp"), refused.getMessage());
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor(Duration.ofSeconds(20)));
        }
        assertEquals("busybox\n", Files.readString(out));
    }

    @Test
    void aSpawnedSyscallModeTraceDetachesAndTheProgramGoesOnUntracedWithItsCpus() throws Exception {
        Path out = tmp.resolve("out");
        String busybox = Tracees.busybox().toString();
        // Pinned by the engine while traced (CpuPlacement), it gets back the CPUs it would have had.
        String cpus = Tracees.runUntraced(Duration.ofSeconds(30),
                List.of(busybox, "grep", "Cpus_allowed_list", "/proc/self/status")).stdout();
        try (TraceSession session = Tracer.builder().mode(TraceMode.SYSCALL).stdout(out)
                .spawn(List.of(busybox, "sh", "-c",
                        busybox + " sleep 1; grep -E '^(TracerPid|Cpus_allowed_list)' /proc/self/status"))) {
            session.detach();
            assertEquals(Optional.empty(), session.waitFor(Duration.ofSeconds(10)));
        }
        assertTrue(cpus.startsWith("Cpus_allowed_list:"), cpus);
        assertEquals("TracerPid:\t0\n" + cpus, Tracees.awaitContent(out, Duration.ofSeconds(20)));
    }

    /**
     * An engine failure (here an Error from the handler, which the engine does not catch) ends the trace.
     * An attached process is left running, as strace leaves it; only spawned ones die with their trace.
     */
    @Test
    void anEngineFailureLeavesAnAttachedProcessRunning() throws Exception {
        try (BackgroundTicker ticker = BackgroundTicker.start(4, 3, tmp.resolve("ready"))) {
            TraceHandler failing = new TraceHandler() {
                @Override
                public EntryAction onSyscallEntry(Syscall call) {
                    throw new EngineBreaker();
                }
            };
            TraceSession session = Tracer.builder().handler(failing).attach(ticker.pid());
            TraceFailedException failure = assertThrows(TraceFailedException.class,
                    () -> session.waitFor(Duration.ofSeconds(10)));
            assertTrue(failure.getCause() instanceof EngineBreaker, failure.toString());
            assertTrue(ticker.finish(20).endsWith("done\nexit 0"), "the attached ticker ran to its end");
        }
    }

    /**
     * An injected syscall that waits (here pause(2), forever) is interrupted at the injection timeout; the
     * handler gets ETIMEDOUT, the thread's registers are back, and the program goes on unharmed.
     */
    @Test
    void anInjectedSyscallThatWaitsIsInterruptedAtTheTimeout() throws Exception {
        List<Object> outcomes = new java.util.ArrayList<>();
        TraceHandler injectsPause = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("uname");
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                return EntryAction.OBSERVE_EXIT;
            }

            @Override
            public void onSyscallExit(Syscall call) {
                SyscallTable table = SyscallTable.of(call.tracee().arch());
                long started = System.nanoTime();
                try {
                    outcomes.add(call.inject(table.numberOf("pause")));
                } catch (ErrnoException e) {
                    outcomes.add(Errno.name(e.errno()));
                }
                outcomes.add(Duration.ofNanos(System.nanoTime() - started).toMillis() < 5_000);
                outcomes.add(call.inject(table.numberOf("getpid")) == call.tracee().pid());
            }
        };
        Path out = tmp.resolve("out");
        try (TraceSession session = Tracer.builder().handler(injectsPause).injectionTimeout(Duration.ofMillis(300))
                .stdout(out).spawn(List.of(Tracees.busybox().toString(), "uname", "-s"))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor(Duration.ofSeconds(30)));
        }
        assertEquals(List.of("ETIMEDOUT", true, true), outcomes);
        assertEquals("Linux\n", Files.readString(out));
    }

    /**
     * Job control while the handler injects a syscall at every stat: SIGSTOP from outside stops every thread
     * (none makes a syscall while stopped), SIGCONT lets them go on, and the program ends as untraced. The
     * injected poll(NULL, 0, 20) keeps threads inside injections most of the time, so the stops arrive there.
     */
    @Test
    void stopAndContinueFromOutsideWhileInjectingBehaveAsUntraced() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Arch.current() == Arch.X86_64, "poll(2) is x86_64's");
        java.util.concurrent.atomic.AtomicInteger stats = new java.util.concurrent.atomic.AtomicInteger();
        TraceHandler injecting = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("newfstatat", "stat", "statx");
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                stats.incrementAndGet();
                return EntryAction.OBSERVE_EXIT;
            }

            @Override
            public void onSyscallExit(Syscall call) {
                call.inject(SyscallTable.of(call.tracee().arch()).numberOf("poll"), 0, 0, 20);
            }
        };
        Path out = tmp.resolve("out");
        try (TraceSession session = Tracer.builder().handler(injecting).stdout(out)
                .spawn(List.of(Tracees.go("ticker").toString(), "-threads", "4", "-seconds", "3"))) {
            Thread.sleep(700);
            String pid = Integer.toString(session.pid());
            for (int round = 0; round < 3; round++) {
                assertEquals(0, new ProcessBuilder(Tracees.busybox().toString(), "kill", "-STOP", pid).start().waitFor());
                Thread.sleep(300);
                int before = stats.get();
                Thread.sleep(400);
                assertEquals(before, stats.get(), "no syscall while stopped (round " + round + ")");
                assertEquals(0, new ProcessBuilder(Tracees.busybox().toString(), "kill", "-CONT", pid).start().waitFor());
                Thread.sleep(200);
            }
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor(Duration.ofSeconds(30)));
        }
        assertTrue(Files.readString(out).endsWith("done\n"), Files.readString(out));
    }

    /** An Error the engine does not catch from handlers. */
    private static final class EngineBreaker extends Error {
        EngineBreaker() {
            super("a failure inside the engine, for the test");
        }
    }
}
