package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.launcher.GoStandardTests.Mode;
import dev.panatrace.launcher.GoStandardTests.Outcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading {@code go test -v} output, from recorded lines of Go 1.19's os/signal and syscall tests. */
@Timeout(10)
class GoStandardTestsOutcomeTest {
    /** TestNohup as it came out once inside gVisor: nohup-2 ran, printed its log, and got no result line. */
    private static final String NOHUP = """
            === RUN   TestNohup
            === RUN   TestNohup/uncaught-1
            === PAUSE TestNohup/uncaught-1
            === RUN   TestNohup/nohup-2
            === PAUSE TestNohup/nohup-2
            === CONT  TestNohup/uncaught-1
            === CONT  TestNohup/nohup-2
                signal_test.go:505: ran test with -send_uncaught_sighup=2 under nohup.
                    Output:
                    --- PASS: TestStop (0.02s)
            --- PASS: TestNohup (1.66s)
                --- PASS: TestNohup/uncaught-1 (0.71s)
            === RUN   TestSCMCredentials
                creds_test.go:110: ReadMsgUnix flags = 0x0, want 0x40000000 (MSG_CMSG_CLOEXEC)
            --- FAIL: TestSCMCredentials (0.11s)
            === RUN   TestSyscallNoError
                syscall_linux_test.go:187: skipping on non-32bit architecture
            --- SKIP: TestSyscallNoError (0.00s)
            === RUN   TestLongPath
            === RUN   TestLongPath/length=247
            --- FAIL: TestLongPath (0.06s)
                --- FAIL: TestLongPath/length=247 (0.01s)
            === RUN   TestAllThreadsSyscall
            """;

    @Test
    void sortsResultsAndVouchesForASubtestOnlyThroughItsPassingParent() {
        Outcome outcome = Outcome.parse(137, NOHUP);

        // TestStop's line is the child's output, logged by TestNohup: a name like any other here.
        assertEquals(Set.of("TestNohup", "TestNohup/uncaught-1", "TestNohup/nohup-2", "TestStop"), outcome.passed());
        assertEquals(Set.of("TestNohup/nohup-2"), outcome.passedByParent());
        assertEquals(Set.of("TestSCMCredentials", "TestLongPath", "TestLongPath/length=247"), outcome.failed());
        assertEquals(Set.of("TestSyscallNoError"), outcome.skipped());
        assertEquals(Set.of("TestAllThreadsSyscall"), outcome.unfinished());
        assertEquals(137, outcome.status());
    }

    @Test
    void aTestThatPassedUntracedAndNotUnderTheLauncherIsARegressionWithItsOutput() {
        Map<String, Outcome> untraced = outcomes("--- PASS: TestA (0.00s)\n--- PASS: TestB (0.00s)\n");
        Map<String, Outcome> traced = outcomes("--- PASS: TestA (0.00s)\n=== RUN   TestB\n    b_test.go:9: boom\n"
                + "--- FAIL: TestB (0.00s)\n");

        List<String> problems = GoStandardTests.regressions("here", untraced, Mode.TRACE, traced);

        assertEquals(GoStandardTests.PACKAGES.size(), problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("here, trace, os: 1 tests passed untraced but not under the launcher: "
                + "[TestB]\n"), problems.get(0));
        assertTrue(problems.get(0).endsWith("  --- TestB:\n    === RUN   TestB\n        b_test.go:9: boom\n"
                + "    --- FAIL: TestB (0.00s)\n"), problems.get(0));
        assertEquals(List.of(), GoStandardTests.regressions("here", untraced, Mode.TRACE, untraced));
    }

    @Test
    void aBinaryThatPanickedShowsItsPanicAndNoExcerptOfTestsThatNeverStarted() {
        Map<String, Outcome> untraced = outcomes("--- PASS: TestA (0.00s)\n--- PASS: TestB (0.00s)\n");
        Map<String, Outcome> traced = outcomes("=== RUN   TestA\npanic: test timed out after 2m0s\n\n"
                + "goroutine 7 [syscall]:\nsyscall.Syscall(0x0, 0x3)\n");

        String problem = GoStandardTests.regressions("here", untraced, Mode.TRACE, traced).get(0);

        assertTrue(problem.contains("  --- the binary's panic:\n    panic: test timed out after 2m0s\n    \n"
                + "    goroutine 7 [syscall]:\n    syscall.Syscall(0x0, 0x3)\n"), problem);
        assertTrue(problem.contains("  --- TestA:\n    === RUN   TestA\n"), problem);
        assertFalse(problem.contains("  --- TestB:"), problem);
    }

    /** Every package with the same output, and at least the passes an untraced run must show. */
    private static Map<String, Outcome> outcomes(String output) {
        StringBuilder padded = new StringBuilder(output);
        for (int i = 0; i < 10; i++) {
            padded.append("--- PASS: TestPad").append(i).append(" (0.00s)\n");
        }
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        GoStandardTests.PACKAGES.forEach(pkg -> outcomes.put(pkg, Outcome.parse(0, padded.toString())));
        return outcomes;
    }
}
