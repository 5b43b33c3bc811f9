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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/k3s-launcher trace}, run as a user runs it, on real commands. */
@Timeout(60)
class TraceCommandTest {
    /** Ten children, each exec'd and exiting, under one shell: 11 processes, the same syscalls every run. */
    private static final String SHELL_LOOP =
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
        Summary summary = Summary.parse(Files.readString(summaryFile));

        Map<String, Long> strace = straceCounts(List.of(busybox, "sh", "-c", SHELL_LOOP));

        // strace -c counts a syscall when it returns, so exit and exit_group, which never return, are
        // missing from its table. Checked here (strace 6.1, Linux 6.18): `strace -f` prints 11
        // exit_group calls for this loop while `strace -f -c` lists none. The launcher counts entries.
        Map<String, Long> comparable = new TreeMap<>(summary.syscalls());
        Long exitGroups = comparable.remove("exit_group");
        comparable.remove("exit");
        strace.remove("exit_group");
        strace.remove("exit");
        assertEquals(strace, comparable);

        assertEquals(0, summary.exitCode());
        assertEquals(11, summary.processes());
        assertEquals(11, summary.threads());
        assertEquals(11L, exitGroups, "every process ends with exit_group");
        long entries = summary.syscalls().values().stream().mapToLong(Long::longValue).sum();
        assertTrue(summary.stops() >= entries, "each counted entry is a stop: " + summary.stops() + " < " + entries);
    }

    @Test
    void exitsWithTheCommandsStatus() throws IOException {
        Path summaryFile = temp.resolve("summary.json");
        ProcessResult result = LauncherProcess.run("trace", "--summary-json", summaryFile.toString(),
                "sh", "-c", "exit 7");
        assertEquals(7, result.exitCode(), result.stderr());
        assertEquals(7, Summary.parse(Files.readString(summaryFile)).exitCode());
    }

    @Test
    void exitsWith128PlusTheSignalThatKilledTheCommand() throws IOException {
        Path summaryFile = temp.resolve("summary.json");
        ProcessResult result = LauncherProcess.run("trace", "--summary-json", summaryFile.toString(),
                "sh", "-c", "kill -TERM $$");
        assertEquals(143, result.exitCode(), result.stderr());
        assertEquals(143, Summary.parse(Files.readString(summaryFile)).exitCode());
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
        assertEquals("to-stderr\n", result.stderr());
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

    @Test
    void unwritableSummaryIsReportedAfterTheCommandRan() {
        Path summaryFile = temp.resolve("missing-dir/summary.json");
        ProcessResult result = LauncherProcess.run(
                "trace", "--summary-json", summaryFile.toString(), busybox, "echo", "ran");
        assertEquals(ExitCodes.LAUNCHER_FAILED, result.exitCode());
        assertEquals("ran\n", result.stdout());
        assertTrue(result.stderr().startsWith("k3s-launcher: cannot write the summary to " + summaryFile),
                result.stderr());
        assertFalse(Files.exists(summaryFile));
    }

    /** The per-syscall call counts from {@code strace -f -c} for {@code command}. */
    private Map<String, Long> straceCounts(List<String> command) throws IOException, InterruptedException {
        String strace = Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "strace"))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new AssertionError("strace is not installed (Debian package strace)"));
        Path table = temp.resolve("strace.txt");
        List<String> straceCommand = Stream.concat(
                Stream.of(strace, "-f", "-c", "-o", table.toString()), command.stream()).toList();
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

    /** The summary JSON, read back with patterns that accept only the documented layout. */
    record Summary(int exitCode, Map<String, Long> syscalls, long processes, long threads, long stops) {
        private static final Pattern LAYOUT = Pattern.compile(
                "\\{\"exitCode\": (\\d+), \"syscalls\": \\{([^}]*)}, \"processes\": (\\d+), "
                        + "\"threads\": (\\d+), \"stops\": (\\d+)}\n");
        private static final Pattern COUNT = Pattern.compile("\"([a-z0-9_]+)\": (\\d+)");

        static Summary parse(String json) {
            Matcher m = LAYOUT.matcher(json);
            assertTrue(m.matches(), "not the summary layout: " + json);
            Map<String, Long> syscalls = new TreeMap<>();
            List<String> names = new ArrayList<>();
            for (String entry : m.group(2).split(", ")) {
                Matcher count = COUNT.matcher(entry);
                assertTrue(count.matches(), "not a syscall count: " + entry + " in " + json);
                syscalls.put(count.group(1), Long.parseLong(count.group(2)));
                names.add(count.group(1));
            }
            assertEquals(names.stream().sorted().toList(), names, "syscalls sorted by name");
            return new Summary(Integer.parseInt(m.group(1)), syscalls, Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
        }
    }

    /** strace's {@code -c} table: a header, a dashed rule, one row per syscall, a rule, a total row. */
    static final class StraceTable {
        private StraceTable() {}

        static Map<String, Long> parse(String table) {
            List<String> lines = table.lines().toList();
            int firstRule = indexOfRule(lines, 0);
            int secondRule = indexOfRule(lines, firstRule + 1);
            Map<String, Long> counts = new TreeMap<>();
            for (String row : lines.subList(firstRule + 1, secondRule)) {
                // % time, seconds, usecs/call, calls, [errors,] syscall: errors is blank when zero.
                String[] cells = row.strip().split("\\s+");
                counts.put(cells[cells.length - 1], Long.parseLong(cells[3]));
            }
            String[] total = lines.get(secondRule + 1).strip().split("\\s+");
            assertEquals("total", total[total.length - 1], "strace table ends with a total row: " + table);
            long sum = counts.values().stream().mapToLong(Long::longValue).sum();
            assertEquals(Long.parseLong(total[3]), sum, "the rows add up to the total row: " + table);
            return counts;
        }

        private static int indexOfRule(List<String> lines, int from) {
            for (int i = from; i < lines.size(); i++) {
                if (lines.get(i).startsWith("------")) {
                    return i;
                }
            }
            throw new AssertionError("no dashed rule in strace table: " + String.join("\n", lines));
        }
    }
}
