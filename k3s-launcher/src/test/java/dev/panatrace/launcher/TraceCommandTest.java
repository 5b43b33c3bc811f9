package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/k3s-launcher trace}, run as a user runs it, on real commands. */
@Timeout(60)
class TraceCommandTest {
    /** Ten children, each exec'd and exiting, under one shell: 11 processes, the same syscalls every run. */
    static final String SHELL_LOOP =
            "for i in 1 2 3 4 5; do busybox true; busybox cat /etc/hostname >/dev/null; done";

    @TempDir
    Path temp;

    private String busybox;

    @BeforeEach
    void requirements() {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
    }

    @Test
    void countsTheSameSyscallsAsStrace() throws Exception {
        Path summaryFile = temp.resolve("summary.json");
        ProcessResult traced = LauncherProcess.run(
                "trace", "--summary-json", summaryFile.toString(), "--", busybox, "sh", "-c", SHELL_LOOP);
        assertEquals(0, traced.exitCode(), traced.stderr());
        TraceSummaryJson summary = TraceSummaryJson.parse(Files.readString(summaryFile));

        Map<String, Long> strace = straceCounts(List.of(busybox, "sh", "-c", SHELL_LOOP));

        assertShellLoopCountedAsStrace(summary, strace);
    }

    /** The summary of a traced {@link #SHELL_LOOP} against {@code strace -f -c}'s table of it. */
    static void assertShellLoopCountedAsStrace(TraceSummaryJson summary, Map<String, Long> strace) {
        assertEquals(StraceTable.returningCalls(strace), StraceTable.returningCalls(summary.syscalls()));
        assertEquals(0, summary.exitCode());
        assertEquals(11, summary.processes());
        assertEquals(11, summary.threads());
        assertEquals(11L, summary.syscalls().get("exit_group"), "every process ends with exit_group");
        // Not vacuous: the loop's ten children were each cloned and exec'd.
        assertEquals(10L, summary.syscalls().get("clone"), summary.toString());
        assertTrue(summary.syscalls().get("execve") >= 11, summary.toString());
        long entries = summary.syscalls().values().stream().mapToLong(Long::longValue).sum();
        assertTrue(summary.stops() >= entries, "each counted entry is a stop: " + summary.stops() + " < " + entries);
    }

    @Test
    void exitsWithTheCommandsStatus() throws IOException {
        Path summaryFile = temp.resolve("summary.json");
        ProcessResult result = LauncherProcess.run("trace", "--summary-json", summaryFile.toString(),
                "sh", "-c", "exit 7");
        assertEquals(7, result.exitCode(), result.stderr());
        assertEquals(7, TraceSummaryJson.parse(Files.readString(summaryFile)).exitCode());
    }

    @Test
    void exitsWith128PlusTheSignalThatKilledTheCommand() throws IOException {
        Path summaryFile = temp.resolve("summary.json");
        ProcessResult result = LauncherProcess.run("trace", "--summary-json", summaryFile.toString(),
                "sh", "-c", "kill -TERM $$");
        assertEquals(143, result.exitCode(), result.stderr());
        assertEquals(143, TraceSummaryJson.parse(Files.readString(summaryFile)).exitCode());
    }

    @Test
    void commandNotFoundExits127() {
        ProcessResult result = LauncherProcess.run("trace", "--", "panatrace-no-such-command");
        assertEquals(127, result.exitCode());
        assertEquals("k3s-launcher: command not found: panatrace-no-such-command\n", result.stderr());
        assertEquals("", result.stdout());
    }

    @Test
    void passesStandardOutputAndErrorThrough() {
        ProcessResult result = LauncherProcess.run(
                "trace", busybox, "sh", "-c", "echo to-stdout; echo to-stderr >&2; echo more-stdout");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("to-stdout\nmore-stdout\n", result.stdout());
        // Then strace -c's table, which the launcher adds once the command has ended.
        assertTrue(result.stderr().startsWith("to-stderr\n% time "), result.stderr());
    }

    @Test
    void passesStandardInputThrough() {
        String input = "first line\nsecond line, with \u00e9\n";
        ProcessResult result = LauncherProcess.run(LauncherProcess.builder("trace", busybox, "cat"), input);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(input, result.stdout());
    }

    @Test
    void optionsAfterTheCommandBelongToTheCommand() {
        ProcessResult result = LauncherProcess.run("trace", busybox, "echo", "-n", "--summary-json");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("--summary-json", result.stdout());
    }

    @Test
    void runsTheCommandInTheLaunchersWorkingDirectory() throws IOException {
        Path directory = Files.createDirectory(temp.resolve("work dir"));
        ProcessResult result = LauncherProcess.run(
                LauncherProcess.builder("trace", busybox, "pwd").directory(directory.toFile()), null);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(directory.toRealPath() + "\n", result.stdout());
    }

    /** A summary file that cannot be created is said at once, in one line, and the command does not run. */
    @Test
    void anUncreatableSummaryFileStopsTheRunBeforeTheCommand() {
        Path summaryFile = temp.resolve("missing-dir/summary.json");
        ProcessResult result = LauncherProcess.run(
                "trace", "--summary-json", summaryFile.toString(), busybox, "echo", "ran");
        assertEquals(ExitCodes.USAGE, result.exitCode());
        assertEquals("", result.stdout());
        assertEquals("k3s-launcher trace: cannot create the summary file " + summaryFile
                + ": No such file or directory\n", result.stderr());
        assertFalse(Files.exists(summaryFile));
    }

    /** {@code --summary-json -} writes the summary to standard output, after the command's own output. */
    @Test
    void aDashSummaryGoesToStandardOutput() {
        ProcessResult result = LauncherProcess.run("trace", "--summary-json", "-", busybox, "echo", "ran");
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals("ran", lines.getFirst());
        assertEquals(0, TraceSummaryJson.parse(lines.get(1) + "\n").exitCode());
        assertEquals(2, lines.size(), result.stdout());
        assertFalse(Files.exists(Path.of("-")), "no file named '-'");
    }

    /**
     * The per-syscall call counts from {@code strace -f -c} for {@code command}, started as the launcher starts
     * it: with every signal at its default action. Inherited, an ignored SIGINT (a background job's) would
     * spare busybox sh one rt_sigaction that it makes under the launcher.
     */
    private Map<String, Long> straceCounts(List<String> command) throws IOException, InterruptedException {
        String strace = StraceTable.strace();
        Path table = temp.resolve("strace.txt");
        List<String> straceCommand = Stream.concat(
                Stream.of("env", "--default-signal", strace, "-f", "-c", "-o", table.toString()), command.stream())
                .toList();
        Process process = new ProcessBuilder(straceCommand)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(temp.resolve("strace.stderr").toFile())
                .start();
        if (!process.waitFor(LauncherProcess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            LauncherProcess.kill(process);
            throw new AssertionError("strace did not finish");
        }
        assertEquals(0, process.exitValue(), Files.readString(temp.resolve("strace.stderr")));
        return StraceTable.parse(Files.readString(table));
    }
}
