package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code trace -o}, {@code -e}, {@code -s}, {@code -c} and {@code -p}, held to strace where strace has the same. */
@Timeout(300)
class SyscallLogTest {
    /** Busybox applets whose calls do not depend on time or on what ran before; relative paths stay in the run's directory. */
    private static final List<String> APPLETS = List.of("ls /", "cat /etc/hostname", "cat /nonexistent", "stat /",
            "echo hi", "true", "false", "mkdir -p d/a", "rmdir d/a", "wc -c /etc/passwd", "head -c 10 /etc/passwd",
            "ls /nonexistent", "touch f", "rm f");
    /** The calls the Go program makes itself, on its main thread; the runtime's others vary from run to run. */
    private static final Set<String> GO_PROGRAM_CALLS = Set.of("openat", "read", "write", "close", "newfstatat",
            "fstat", "mkdirat", "unlinkat", "getdents64", "readlinkat", "execve", "exit_group");

    @TempDir
    Path temp;

    private String busybox;
    private final AtomicInteger runs = new AtomicInteger();

    @BeforeEach
    void requirements() {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
    }

    /** For shell scripts of random applets, each thread's calls and results are strace's. */
    @Test
    void busyboxScriptsLogTheCallsStraceLogs() {
        qt().withExamples(6).withShrinkCycles(3)
                .forAll(lists().of(integers().between(0, APPLETS.size() - 1)).ofSizeBetween(1, 3))
                .checkAssert(picks -> {
                    String script = picks.stream().map(i -> busybox + " " + APPLETS.get(i))
                            .collect(Collectors.joining("; "));
                    List<String> command = List.of(busybox, "sh", "-c", script);
                    assertEquals(sorted(straceCalls(command)), sorted(launcherCalls(command)), script);
                });
    }

    /** A static Go program: its main thread's own calls and results are strace's. */
    @Test
    void aGoProgramsOwnCallsAreStraces() {
        String program = Tracees.go("filecalls").toString();
        Map<Integer, List<String>> traced = StraceLogLines.callsByThread(traceLog(List.of(program, "."), "-o"));
        Map<Integer, List<String>> straced = StraceLogLines.callsByThread(straceLog(List.of(program, ".")));
        List<String> ours = leaderCalls(traced);
        assertEquals(leaderCalls(straced), ours);
        // Not vacuous: the program's failures are there.
        assertTrue(ours.contains("newfstatat -1 ENOENT"), ours.toString());
        assertTrue(ours.contains("mkdirat -1 EEXIST"), ours.toString());
        assertEquals("exit_group ?", ours.getLast());
    }

    @Test
    void linesFollowStracesConventions() throws IOException {
        Path log = temp.resolve("log");
        ProcessResult result = LauncherProcess.run("trace", "-o", log.toString(), "-s", "4", "--", busybox, "sh", "-c",
                "echo hello; cat /nonexistent; exit $?");
        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("", result.stderr().replace("cat: can't open '/nonexistent': No such file or directory\n", ""),
                "with -o and no -c, no table");
        // Every line starts with the thread's id, padded as strace pads it; then the alignment is taken out.
        List<String> lines = Files.readAllLines(log).stream().map(line -> line.replaceFirst("^\\d+ +", "")
                .replaceFirst("\\) +=", ") =")).toList();
        assertTrue(lines.getFirst().startsWith("execve(\"" + busybox + "\", [\"" + busybox.substring(0, 4) + "\"..., "
                + "\"sh\", \"-c\", \"echo\"...], 0x"), lines.getFirst());
        assertTrue(lines.contains("write(1, \"hell\"..., 6) = 6"), lines.toString());
        assertTrue(lines.contains("openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)"),
                lines.toString());
        assertTrue(lines.stream().anyMatch(line -> line.startsWith("<... wait4 resumed>[{WIFEXITED(s) && "
                + "WEXITSTATUS(s) == 1}], 0, NULL) = ")), lines.toString());
        assertTrue(lines.contains("--- SIGCHLD {si_signo=SIGCHLD} ---"), lines.toString());
        assertEquals("+++ exited with 1 +++", lines.getLast());
    }

    /** Only the selected calls are logged, and only they stop: the engine counts fewer stops. */
    @Test
    void aSelectionLogsAndStopsOnlyItsCalls() throws IOException {
        Path log = temp.resolve("log");
        Path summary = temp.resolve("summary.json");
        ProcessResult result = LauncherProcess.run("trace", "-o", log.toString(), "-e", "trace=openat,%process",
                "--summary-json", summary.toString(), "--", busybox, "cat", "/etc/hostname");
        assertEquals(0, result.exitCode(), result.stderr());
        Set<String> names = StraceLogLines.callsByThread(Files.readString(log)).values().stream()
                .flatMap(List::stream).map(call -> call.split(" ")[0]).collect(Collectors.toSet());
        assertEquals(Set.of("execve", "openat", "exit_group"), names);
        TraceSummaryJson counted = TraceSummaryJson.parse(Files.readString(summary));
        assertEquals(Set.of("execve", "openat", "exit_group"), counted.syscalls().keySet());
        long stops = counted.stops();
        assertTrue(stops < 20, "stops only at the selected calls: " + stops);
    }

    /** Under run, a redirected path is logged as the kernel saw it, with the one the program gave in a comment. */
    @Test
    void runLogsRedirectedPathsAsTheKernelSawThem() throws IOException {
        Path log = temp.resolve("log");
        ProcessResult result = LauncherProcess.run("run", "--profile", "k3s", "-o", log.toString(), "-e", "openat",
                "--", busybox, "cat", "/proc/sys/kernel/pid_max");
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> opens = Files.readAllLines(log).stream().filter(line -> line.contains("pid_max")).toList();
        assertEquals(1, opens.size(), opens.toString());
        assertTrue(opens.getFirst().matches("\\d+ +openat\\(AT_FDCWD, \"/[^\"]+/kernel/pid_max\" /\\* redirected from "
                + "\"/proc/sys/kernel/pid_max\" \\*/, O_RDONLY\\) += 3"), opens.getFirst());
        assertFalse(opens.getFirst().startsWith("\"/proc/sys"), opens.getFirst());
    }

    /** The node commands take the long forms; k3s keeps its own -o and -s. */
    @Test
    void anAgentLogsWhatK3sDid() throws IOException {
        Path log = temp.resolve("log");
        ProcessBuilder agent = LauncherProcess.builder("agent", "--k3s", Tracees.go("k3sstandin").toString(),
                "--output", log.toString(), "--trace", "%file", "--string-limit", "64", "--server", "https://cp:6443",
                "--token", "t", "--standin-exit=0");
        agent.environment().put("K3SSTANDIN_RECORD", temp.resolve("record").toString());
        agent.environment().remove("PANATRACE_SYSCTL_TRACED");
        ProcessResult result = LauncherProcess.run(agent, null);
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = Files.readAllLines(log);
        assertTrue(lines.stream().anyMatch(line -> line.contains(" /* redirected from \"/proc/sys/")), lines.toString());
        assertTrue(lines.stream().allMatch(line -> line.matches("\\d+ +(\\+\\+\\+ |--- |<\\.\\.\\. |[a-z0-9_]+\\().*")),
                lines.toString());
        assertFalse(lines.stream().anyMatch(line -> line.matches("\\d+ +(read|write|mmap)\\(.*")), "only %file");
    }

    @Test
    void anUnknownSyscallIsAUsageErrorAndNothingRuns() {
        Path marker = temp.resolve("marker");
        ProcessResult result = LauncherProcess.run("trace", "-e", "trace=openat,nosuchcall", "--", busybox, "touch",
                marker.toString());
        assertEquals(ExitCodes.USAGE, result.exitCode());
        assertTrue(result.stderr().contains("-e trace=openat,nosuchcall: unknown syscall 'nosuchcall'"),
                result.stderr());
        assertFalse(Files.exists(marker));
    }

    @Test
    void anUncreatableLogIsSaidAtOnceAndNothingRuns() {
        Path marker = temp.resolve("marker");
        Path log = temp.resolve("missing-dir/log");
        ProcessResult result = LauncherProcess.run("trace", "-o", log.toString(), "--", busybox, "touch",
                marker.toString());
        assertEquals(ExitCodes.USAGE, result.exitCode());
        assertEquals("k3s-launcher trace: cannot create the syscall log " + log + ": No such file or directory\n",
                result.stderr());
        assertFalse(Files.exists(marker));
    }

    /** Without -o, the strace -c table ends standard error; its counts are strace's. */
    @Test
    void theTableIsPrintedAtTheEndWithStracesCounts() throws Exception {
        List<String> command = List.of(busybox, "sh", "-c", TraceCommandTest.SHELL_LOOP);
        ProcessResult result = LauncherProcess.run(inDirectory(LauncherProcess.builder(
                Stream.concat(Stream.of("trace", "--"), command.stream()).toArray(String[]::new)), temp), null);
        assertEquals(0, result.exitCode(), result.stderr());
        Map<String, Long> ours = StraceTable.parse(result.stderr());
        Path table = temp.resolve("strace-table");
        run(Stream.concat(Stream.of("env", "--default-signal", StraceTable.strace(), "-f", "-c", "-o", table.toString()),
                command.stream()).toList(), temp);
        assertEquals(StraceTable.parse(Files.readString(table)), ours);
    }

    /** -p attaches to a running process; SIGINT detaches and leaves it running and working. */
    @Test
    void attachesAndDetachesOnCtrlC() throws Exception {
        Path ticks = temp.resolve("ticks");
        Process target = new ProcessBuilder(busybox, "sh", "-c",
                "while :; do echo tick >> " + ticks + "; " + busybox + " sleep 0.1; done")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            // "-o -" writes each line as it comes: the test sees the trace at work before it detaches.
            Path log = temp.resolve("log");
            Process launcher = LauncherProcess.builder("trace", "-o", "-", "-p", Long.toString(target.pid()))
                    .redirectOutput(log.toFile()).redirectError(temp.resolve("stderr").toFile()).start();
            waitUntil(() -> Files.readString(log).contains("+++ exited with 0 +++"));
            new ProcessBuilder("kill", "-INT", Long.toString(launcher.pid())).start().waitFor();
            assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "the launcher detaches and ends");
            assertEquals(0, launcher.exitValue(), Files.readString(temp.resolve("stderr")));
            String logged = Files.readString(log);
            assertTrue(logged.contains("wait4(-1, "), logged);
            assertTrue(logged.contains("\"sleep\", \"0.1\"], "), "the sleeps it starts: " + logged);

            assertTrue(target.isAlive(), "still running after the detach");
            long before = lineCount(ticks);
            waitUntil(() -> lineCount(ticks) >= before + 3);
            assertEquals("", Files.readString(Path.of("/proc", Long.toString(target.pid()), "status")).lines()
                    .filter(line -> line.startsWith("TracerPid:")).map(line -> line.split("\\s+")[1])
                    .filter(tracer -> !tracer.equals("0")).collect(Collectors.joining()), "no tracer left");
        } finally {
            LauncherProcess.kill(target);
        }
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    private static void waitUntil(Condition condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static long lineCount(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    private static List<String> leaderCalls(Map<Integer, List<String>> calls) {
        return calls.values().iterator().next().stream()
                .filter(call -> GO_PROGRAM_CALLS.contains(call.split(" ")[0])).toList();
    }

    private static List<List<String>> sorted(Map<Integer, List<String>> calls) {
        List<List<String>> threads = new ArrayList<>(calls.values());
        threads.sort(Comparator.comparing(List::toString));
        return threads;
    }

    private Map<Integer, List<String>> launcherCalls(List<String> command) {
        return StraceLogLines.callsByThread(traceLog(command, "-o"));
    }

    private Map<Integer, List<String>> straceCalls(List<String> command) {
        return StraceLogLines.callsByThread(straceLog(command));
    }

    /** The launcher's log of {@code command}, run in a directory of its own. */
    private String traceLog(List<String> command, String option) {
        Path directory = freshDirectory("launcher");
        Path log = temp.resolve("launcher-" + runs.get() + ".log");
        List<String> args = Stream.concat(Stream.of("trace", option, log.toString(), "--"), command.stream()).toList();
        ProcessResult result = LauncherProcess.run(
                inDirectory(LauncherProcess.builder(args.toArray(String[]::new)), directory), null);
        assertTrue(result.exitCode() < 125, result.stderr());
        return read(log);
    }

    /** strace's log of {@code command}, run as the launcher runs it: in a fresh directory, signals at default. */
    private String straceLog(List<String> command) {
        Path directory = freshDirectory("strace");
        Path log = temp.resolve("strace-" + runs.get() + ".log");
        run(Stream.concat(Stream.of("env", "--default-signal", StraceTable.strace(), "-f", "-o", log.toString()),
                command.stream()).toList(), directory);
        return read(log);
    }

    /**
     * {@code builder} running in {@code directory}, with PWD saying so: busybox sh calls getcwd when PWD is
     * another directory, and the two tools must see the same.
     */
    private static ProcessBuilder inDirectory(ProcessBuilder builder, Path directory) {
        builder.directory(directory.toFile()).environment().put("PWD", directory.toString());
        return builder;
    }

    /** A new directory whose path is as long as every other tool's and run's, for calls that return its length. */
    private Path freshDirectory(String tool) {
        try {
            return Files.createDirectories(temp.resolve(tool.charAt(0) + String.format("%04d", runs.incrementAndGet())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command, Path directory) {
        try {
            Process process = inDirectory(new ProcessBuilder(command), directory)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    // Files, as the launcher's output in LauncherProcess: programs ask a terminal, or /dev/null,
                    // more than a file.
                    .redirectOutput(directory.resolveSibling(directory.getFileName() + ".stdout").toFile())
                    .redirectError(directory.resolveSibling(directory.getFileName() + ".stderr").toFile()).start();
            if (!process.waitFor(LauncherProcess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LauncherProcess.kill(process);
                throw new AssertionError(command + " did not finish");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
