package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line itself: help, version, and what a user sees after a mistake. */
@Timeout(60)
class UsageTest {
    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of(), "k3s-launcher: missing command (see 'k3s-launcher --help')"),
                Arguments.of(List.of("frob"), "k3s-launcher: unknown command 'frob' (see 'k3s-launcher --help')"),
                Arguments.of(List.of("--bogus"),
                        "k3s-launcher: Unknown option: '--bogus' (see 'k3s-launcher --help')"),
                Arguments.of(List.of("trace"),
                        "k3s-launcher trace: Missing required parameter: 'CMD' (see 'k3s-launcher trace --help')"),
                Arguments.of(List.of("trace", "--"),
                        "k3s-launcher trace: Missing required parameter: 'CMD' (see 'k3s-launcher trace --help')"),
                Arguments.of(List.of("trace", "--bogus", "true"),
                        "k3s-launcher trace: Unknown option: '--bogus' (see 'k3s-launcher trace --help')"),
                Arguments.of(List.of("trace", "--bogus"),
                        "k3s-launcher trace: Unknown option: '--bogus' (see 'k3s-launcher trace --help')"),
                Arguments.of(List.of("trace", "--summary-json"),
                        "k3s-launcher trace: Missing required parameter for option '--summary-json' (FILE) "
                                + "(see 'k3s-launcher trace --help')"));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void usageErrorsExit2WithOneLine(List<String> args, String message) {
        ProcessResult result = LauncherProcess.run(args.toArray(String[]::new));
        assertEquals(2, result.exitCode());
        assertEquals(message + "\n", result.stderr());
        assertEquals("", result.stdout());
    }

    @Test
    void helpListsTheTraceCommand() {
        ProcessResult result = LauncherProcess.run("--help");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().startsWith("Usage: k3s-launcher "), result.stdout());
        assertTrue(result.stdout().lines().anyMatch(line -> line.strip().startsWith("trace ")), result.stdout());
        assertEquals("", result.stderr());
    }

    @Test
    void helpListsEveryExitStatus() {
        ProcessResult result = LauncherProcess.run("--help");

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        List<String> statuses = lines.subList(lines.indexOf("Exit status:") + 1, lines.size()).stream()
                .map(line -> line.strip().split(" ")[0]).toList();
        assertEquals(List.of("0", "N", "128+N", "1", "2", "125", "126", "127"), statuses, result.stdout());
    }

    @Test
    void traceHelpDescribesExitStatuses() {
        ProcessResult result = LauncherProcess.run("trace", "--help");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().startsWith("Usage: k3s-launcher trace "), result.stdout());
        assertTrue(result.stdout().contains("--summary-json=FILE"), result.stdout());
        assertTrue(result.stdout().lines().anyMatch(line -> line.strip().startsWith("127 ")), result.stdout());
    }

    @Test
    void versionNamesLauncherJavaKernelAndSeccomp() throws IOException {
        Tracees.assumePtraceAllowed();
        ProcessResult result = LauncherProcess.run("--version");
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals(4, lines.size(), result.stdout());
        assertTrue(lines.get(0).matches("k3s-launcher \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines.get(0));
        assertTrue(lines.get(1).matches("Java \\d+\\S* \\(.*\\) at /.+"), lines.get(1));
        int feature = Integer.parseInt(lines.get(1).substring("Java ".length()).split("\\D")[0]);
        assertTrue(feature >= 22, lines.get(1));
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        assertEquals("Linux kernel " + release, lines.get(2));
        // This machine runs the engine's seccomp tests, so the filter installs here.
        assertEquals("seccomp acceleration: available", lines.get(3));
    }
}
