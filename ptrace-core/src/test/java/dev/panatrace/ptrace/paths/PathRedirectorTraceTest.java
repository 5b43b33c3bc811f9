package dev.panatrace.ptrace.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PathRedirector} under the engine, on static Go tracees: a temporary directory shown at
 * {@code /proc/sys}, with a trap file beside it that no guest path may reach.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PathRedirectorTraceTest {
    private static final String FAKE_OSTYPE = "Panatrace\n";
    private static final String FAKE_OSRELEASE = "9.9.9-fake\n";

    @TempDir
    Path temp;

    private Path host;
    private BindMap binds;

    @BeforeAll
    static void needPtrace() {
        Tracees.assumePtraceAllowed();
    }

    @BeforeEach
    void fakeProcSys() throws Exception {
        host = Files.createDirectories(temp.resolve("sys/kernel")).getParent().toRealPath();
        Files.writeString(host.resolve("kernel/ostype"), FAKE_OSTYPE);
        Files.writeString(host.resolve("kernel/osrelease"), FAKE_OSRELEASE);
        // HOST's parent holds a "version": ".." from the top of HOST must find /proc/version instead.
        Files.writeString(temp.resolve("version"), "TRAP\n");
        binds = BindMap.builder().bind(host, Path.of("/proc/sys")).build();
    }

    private record Traced(ExitStatus status, String stdout, String stderr) {}

    private Traced trace(TraceMode mode, PathRedirector redirector, List<String> command) throws Exception {
        Path out = temp.resolve("stdout");
        Path err = temp.resolve("stderr");
        try (TraceSession session = Tracer.builder().mode(mode).handler(redirector).stdout(out).stderr(err)
                .spawn(command)) {
            session.waitFor(Duration.ofSeconds(100));
            assertTrue(session.isDone(), "trace of " + command + " did not end");
            Optional<ExitStatus> status = session.waitFor();
            return new Traced(status.orElseThrow(), Files.readString(out), Files.readString(err));
        }
    }

    @ParameterizedTest
    @EnumSource(TraceMode.class)
    void sixtyFourThreadsReadTheHostFilesAtTheGuestPaths(TraceMode mode) throws Exception {
        List<String> command = List.of(Tracees.go("threadreader").toString(), "-threads", "64", "-iterations", "100",
                "-expect", "/proc/sys/kernel/ostype=" + FAKE_OSTYPE.replace("\n", "\\n"),
                "-expect", "/proc/sys/kernel/osrelease=" + FAKE_OSRELEASE.replace("\n", "\\n"));
        Traced traced = trace(mode, new PathRedirector(binds), command);
        assertEquals("reads=12800 failures=0 wrong=0\n", traced.stdout(), traced.stderr());
        assertEquals(ExitStatus.exited(0), traced.status(), traced.stderr());
    }

    @Test
    void vforkChildrenThatRewriteGiveTheirScratchSlotsBack() throws Exception {
        // More children than an address space has slots: each vfork child's slot must be freed at its exec.
        Traced traced = trace(TraceMode.SECCOMP, new PathRedirector(binds),
                List.of(Tracees.go("vforkchdir").toString(), "-n", "600", host.resolve("kernel").toString()));
        assertEquals("wrong=0\n", traced.stdout(), traced.stderr());
    }

    @ParameterizedTest
    @EnumSource(TraceMode.class)
    void failuresAreTheKernelsAsWithoutTracer(TraceMode mode) throws Exception {
        List<String> probes = List.of("badpointer", "unmapped", "crossing:/proc/sys/kernel/ostype",
                "long:/proc/sys/kernel/ostype:5000", "long:/proc/sys/kernel/ostype:4096",
                "renamebad:/proc/sys/kernel/ostype", "empty", "read:/proc/sys/kernel/no-such-key",
                "readat:/proc/sys:../version", "read:/proc/sys/../../etc/hostname");
        List<String> command = new ArrayList<>(List.of(Tracees.go("pathprobe").toString()));
        command.addAll(probes);
        ProcessResult untraced = Tracees.runUntraced(Duration.ofSeconds(30), command);
        assertEquals(0, untraced.exitCode(), untraced.stderr());
        Traced traced = trace(mode, new PathRedirector(binds), command);
        assertEquals(untraced.stdout(), traced.stdout(), traced.stderr());
        // Not vacuous: the untraced run did fail these as the kernel does.
        assertTrue(untraced.stdout().contains("badpointer = errno EFAULT\n"), untraced.stdout());
        assertTrue(untraced.stdout().contains("long:/proc/sys/kernel/ostype:5000 = errno ENAMETOOLONG\n"),
                untraced.stdout());
        assertTrue(untraced.stdout().contains("crossing:/proc/sys/kernel/ostype = errno EFAULT\n"), untraced.stdout());
    }

    @ParameterizedTest
    @EnumSource(TraceMode.class)
    void relativePathsFromARedirectedDirectoryDescriptorStayInTheGuestView(TraceMode mode) throws Exception {
        List<Rewrite> log = Collections.synchronizedList(new ArrayList<>());
        Traced traced = trace(mode, new PathRedirector(binds, log::add), List.of(Tracees.go("pathprobe").toString(),
                "readat:/proc/sys/kernel:ostype", "readat:/proc/sys/kernel:../kernel/ostype",
                "readat:/proc/sys/kernel:../../sys/kernel/osrelease", "readat:/proc/sys:../version",
                "long:/proc/sys/kernel/ostype:4095"));
        String version = Files.readString(Path.of("/proc/version"));
        assertEquals("readat:/proc/sys/kernel:ostype = ok \"Panatrace\\n\"\n"
                + "readat:/proc/sys/kernel:../kernel/ostype = ok \"Panatrace\\n\"\n"
                + "readat:/proc/sys/kernel:../../sys/kernel/osrelease = ok \"9.9.9-fake\\n\"\n"
                + "readat:/proc/sys:../version = ok " + goQuote(version) + "\n"
                + "long:/proc/sys/kernel/ostype:4095 = ok \"Panatrace\\n\"\n", traced.stdout(), traced.stderr());
        // The ".." from the top of HOST was rewritten to the guest's /proc/version, and the log saw it.
        assertTrue(log.stream().anyMatch(rewrite -> rewrite.syscall().equals("openat")
                && new String(rewrite.original(), StandardCharsets.UTF_8).equals("../version")
                && new String(rewrite.replacement(), StandardCharsets.UTF_8).equals("/proc/version")
                && rewrite.result() >= 0), log.toString());
    }

    @Test
    void theLogReportsEachRewriteWithTheSyscallsResult() throws Exception {
        List<Rewrite> log = Collections.synchronizedList(new ArrayList<>());
        Traced traced = trace(TraceMode.SECCOMP, new PathRedirector(binds, log::add), List.of(
                Tracees.go("pathprobe").toString(), "read:/proc/sys/kernel/ostype", "read:/proc/sys/kernel/absent",
                "read:/etc/hostname"));
        assertEquals(ExitStatus.exited(0), traced.status(), traced.stderr());
        List<String> lines = log.stream().map(rewrite -> rewrite.toString().replaceFirst("^\\d+ ", "TID ")).toList();
        assertEquals(List.of(
                "TID openat /proc/sys/kernel/ostype -> " + host + "/kernel/ostype = 3",
                "TID openat /proc/sys/kernel/absent -> " + host + "/kernel/absent = -2 ENOENT"), lines);
    }

    @Test
    void anExecFromAThreadAtAGuestPathIsReportedUnderTheProcessId() throws Exception {
        Files.copy(Tracees.busybox(), host.resolve("busybox"));
        List<Rewrite> log = Collections.synchronizedList(new ArrayList<>());
        Path out = temp.resolve("stdout");
        try (TraceSession session = Tracer.builder().handler(new PathRedirector(binds, log::add)).stdout(out)
                .spawn(List.of(Tracees.go("execthread").toString(), "-exec", "/proc/sys/busybox", "cat",
                        "/proc/sys/kernel/ostype"))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor(Duration.ofSeconds(60)));
            assertEquals(FAKE_OSTYPE, Files.readString(out));
            // The execing thread took over the leader's tid, which is the pid.
            assertEquals(List.of(
                    session.pid() + " execve /proc/sys/busybox -> " + host + "/busybox = 0",
                    session.pid() + " openat /proc/sys/kernel/ostype -> " + host + "/kernel/ostype = 3"),
                    log.stream().map(Rewrite::toString).toList());
        }
    }

    /** Go's %q of ASCII text: quotes, with backslash, quote and newline escaped. */
    private static String goQuote(String ascii) {
        return '"' + ascii.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
