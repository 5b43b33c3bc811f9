package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.ProcessTable;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the engine sets NO_NEW_PRIVS on what it traces. The flag lets a process without CAP_SYS_ADMIN
 * install a seccomp filter, and also turns setuid off for the whole traced tree; so the engine sets it only
 * where the kernel wants it: when the trampoline lacks CAP_SYS_ADMIN, or when the kernel refuses the filter
 * with EACCES anyway, as gVisor does since 2025-08 and as a sandbox with rules of its own may. The refusing
 * kernel is played by {@code seccompgate}, which answers the traced tree's seccomp(2) calls itself
 * (SECCOMP_RET_USER_NOTIF) and reports each one with the caller's NoNewPrivs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NoNewPrivsTest {
    /** {@code <linux/capability.h>}: the capability that lets a process install a filter without the flag. */
    private static final int CAP_SYS_ADMIN = 21;
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needRoot() throws Exception {
        Tracees.assumePtraceAllowed();
        long caps = Long.parseUnsignedLong(ProcessTable.statusField(ProcessHandle.current().pid(), "CapEff"), 16);
        assumeTrue((caps & (1L << CAP_SYS_ADMIN)) != 0,
                "needs CAP_SYS_ADMIN: without it the engine always sets NO_NEW_PRIVS, and seccompgate cannot "
                        + "install its filter without the flag");
    }

    @Test
    void withCapSysAdminTheFilterGoesInWithoutTheFlagSoSetuidStillWorks() throws Exception {
        Path out = tmp.resolve("out");
        try (TraceSession session = Tracer.builder().mode(TraceMode.SECCOMP).stdout(out)
                .spawn(List.of(Tracees.busybox().toString(), "grep", "NoNewPrivs", "/proc/self/status"))) {
            assertEquals(0, session.waitFor().orElseThrow().shellStatus());
            assertEquals(TraceMode.SECCOMP, session.mode());
        }
        assertEquals("NoNewPrivs:\t0\n", Files.readString(out));
    }

    @Test
    void aKernelThatRefusesTheFilterWithoutTheFlagGetsItAndTheRetryGoesIn() throws Exception {
        Run run = traceUnderGate("without-nnp", List.of());
        assertEquals(List.of("NoNewPrivs 0: refused", "NoNewPrivs 1: allowed"), run.gateLines(), run.log());
        assertTrue(run.log().contains("NoNewPrivs:\t1\nmode SECCOMP, exit 0,"), run.log());
        assertTrue(!run.log().contains("no seccomp filter"), run.log());
    }

    @Test
    void withoutCapSysAdminTheFlagIsSetBeforeTheFirstTry() throws Exception {
        assumeTrue(Files.isExecutable(SETPRIV), "needs " + SETPRIV + " (Debian's util-linux) to drop CAP_SYS_ADMIN");
        // Root keeps at exec what its inheritable and bounding sets hold: take the capability out of both.
        Run run = traceUnderGate("without-nnp",
                List.of(SETPRIV.toString(), "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"));
        assertEquals(List.of("NoNewPrivs 1: allowed"), run.gateLines(), run.log());
        assertTrue(run.log().contains("NoNewPrivs:\t1\nmode SECCOMP, exit 0,"), run.log());
    }

    @Test
    void aKernelThatRefusesEveryFilterIsTracedAtEverySyscallAndSaysWhy() throws Exception {
        Run run = traceUnderGate("always", List.of());
        assertEquals(List.of("NoNewPrivs 0: refused", "NoNewPrivs 1: refused"), run.gateLines(), run.log());
        assertTrue(run.log().contains("NoNewPrivs:\t1\nmode SYSCALL, exit 0,"), run.log());
        assertEquals(1, run.log().lines().filter(line -> line.contains("no seccomp filter")
                && line.contains("EACCES") && line.contains("stopping at every syscall instead")).count(), run.log());
    }

    /** The child JVM's output, seccompgate's reports among it. */
    private record Run(String log) {
        List<String> gateLines() {
            List<String> lines = new ArrayList<>();
            log.lines().filter(line -> line.startsWith("seccompgate: "))
                    .forEach(line -> lines.add(line.substring("seccompgate: ".length())));
            return lines;
        }
    }

    /**
     * Runs a child JVM, behind {@code wrapper} and under seccompgate, that traces a program printing its own
     * NoNewPrivs, and returns everything they printed.
     */
    private Run traceUnderGate(String refuse, List<String> wrapper) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(Tracees.go("seccompgate").toString(), "-refuse", refuse));
        command.addAll(wrapper);
        command.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                TracerTest.TraceAndReportMode.class.getName(),
                Tracees.busybox().toString(), "grep", "NoNewPrivs", "/proc/self/status"));
        Path log = tmp.resolve("jvm.log");
        Process jvm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), "the child JVM ended");
        } finally {
            jvm.destroyForcibly();
        }
        String output = Files.readString(log);
        assertEquals(0, jvm.exitValue(), output);
        return new Run(output);
    }
}
