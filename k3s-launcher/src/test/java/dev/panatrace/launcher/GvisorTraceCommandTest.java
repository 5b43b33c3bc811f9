package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.Gvisor;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code bin/k3s-launcher trace} inside gVisor ({@code runsc do}), on both roots: the exit statuses of
 * {@link TraceCommandTest}, and per-syscall counts equal to those of {@code strace -f -c} run in the same sandbox on
 * the same busybox loop. gVisor's kernel is not Linux: its ptrace, seccomp and /proc/PID/mem differ (see
 * gvisor-notes.md), and these are the checks that say the engine copes.
 */
@Timeout(180)
class GvisorTraceCommandTest {
    private static final Duration SANDBOX_TIMEOUT = Duration.ofSeconds(150);

    @TempDir
    Path temp;

    private String busybox;

    @BeforeEach
    void requirements() {
        Gvisor.assumeRunnable();
        busybox = Tracees.busybox().toString();
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void exitsWithTheCommandsStatus128PlusItsSignalOr127(Gvisor.Root root) {
        // The last command is exec'd, so runsc's own exit status is the launcher's.
        String script = """
                L=$1 B=$2
                "$L" trace -- "$B" sh -c 'exit 7'; echo "exit 7: $?"
                "$L" trace -- "$B" sh -c 'kill -TERM $$'; echo "SIGTERM: $?"
                "$L" trace -- "$B" sh -c 'kill -KILL $$'; echo "SIGKILL: $?"
                "$L" trace -- panatrace-no-such-command 2>&1; echo "not found: $?"
                exec "$L" trace -- "$B" sh -c 'echo last; exit 3'
                """;

        ProcessResult result = Gvisor.runScript(root, SANDBOX_TIMEOUT, script,
                List.of(LauncherProcess.script().toString(), busybox), environment -> { });

        assertEquals(3, result.exitCode(), result.stderr());
        assertEquals("""
                exit 7: 7
                SIGTERM: 143
                SIGKILL: 137
                k3s-launcher: command not found: panatrace-no-such-command
                not found: 127
                last
                """, result.stdout());
        // Each run whose command ended adds strace -c's table on standard error, and nothing else.
        assertEquals(4, result.stderr().lines().filter(line -> line.startsWith("% time ")).count(), result.stderr());
        assertTrue(result.stderr().lines().allMatch(line -> line.matches("% time .*|-{6} .*| *\\d+\\.\\d\\d .*")),
                result.stderr());
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void countsTheSameSyscallsAsStraceInTheSameSandbox(Gvisor.Root root) {
        // Files written on the overlay root vanish with the sandbox, so the script prints them.
        String script = """
                L=$1 B=$2 T=$3 S=$4 LOOP=$5
                "$L" trace --summary-json "$T/summary.json" -- "$B" sh -c "$LOOP" || exit
                "$S" -f -c -o "$T/strace.txt" "$B" sh -c "$LOOP" || exit
                echo "@@@ summary"; cat "$T/summary.json"
                echo "@@@ strace"; cat "$T/strace.txt"
                """;

        ProcessResult result = Gvisor.runScript(root, SANDBOX_TIMEOUT, script, List.of(LauncherProcess.script().toString(),
                busybox, temp.toString(), StraceTable.strace(), TraceCommandTest.SHELL_LOOP), environment -> { });

        assertEquals(0, result.exitCode(), result.toString());
        Map<String, String> sections = ScriptSections.parse(result.stdout());
        assertEquals(List.of("", "summary", "strace"), ScriptSections.names(sections), result.stdout());
        TraceCommandTest.assertShellLoopCountedAsStrace(TraceSummaryJson.parse(sections.get("summary")),
                StraceTable.parse(sections.get("strace")));
    }
}
