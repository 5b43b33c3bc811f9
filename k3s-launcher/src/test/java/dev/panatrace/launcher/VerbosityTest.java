package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The top-level -v/--verbose and -q/--quiet options. */
@Timeout(120)
class VerbosityTest {
    /**
     * A key opened for writing where the descriptor limit keeps it from the watched range: the server
     * logs a warning.
     */
    private static final String[] REFUSED_WRITE = {"run", "--profile", "k3s", "--", "/bin/sh", "-c",
        "ulimit -n 512; echo 1 > /proc/sys/vm/overcommit_memory"};
    private static final String WARNING = "writes to it go to the file unvalidated; logged once";

    @BeforeAll
    static void ptraceAllowed() {
        Tracees.assumePtraceAllowed();
    }

    @Test
    void warningsAreShownByDefault() {
        ProcessResult result = LauncherProcess.run(REFUSED_WRITE);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().lines().anyMatch(line -> line.startsWith("k3s-launcher: warning: pid ")
                && line.endsWith(WARNING)), result.stderr());
        assertFalse(result.stderr().contains(": debug: "), result.stderr());
    }

    @Test
    void quietHidesWarnings() {
        for (String quiet : new String[] {"-q", "--quiet"}) {
            ProcessResult result = LauncherProcess.run(prepend(quiet, REFUSED_WRITE));
            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals("", result.stderr());
        }
    }

    @Test
    void quietStillReportsErrors() {
        ProcessResult result = LauncherProcess.run("-q", "trace", "panatrace-no-such-command");
        assertEquals(127, result.exitCode(), result.stderr());
        assertEquals("k3s-launcher: command not found: panatrace-no-such-command\n", result.stderr());
    }

    @Test
    void verboseShowsPanatracesDebugMessagesOnly() {
        for (String verbose : new String[] {"-v", "--verbose"}) {
            ProcessResult result = LauncherProcess.run(verbose, "trace", "true");
            assertEquals(0, result.exitCode(), result.stderr());
            assertTrue(result.stderr().lines()
                    .anyMatch(line -> line.matches("k3s-launcher: debug: tracing \\[true\\] as pid \\d+")),
                    result.stderr());
            // The JDK's own debug messages (Runtime.exit logs a stack trace) stay off.
            assertFalse(result.stderr().contains("Runtime.exit"), result.stderr());
        }
    }

    @Test
    void verboseAndQuietExcludeEachOther() {
        ProcessResult result = LauncherProcess.run("-v", "-q", "trace", "true");
        assertEquals(2, result.exitCode(), result.stderr());
        assertEquals("k3s-launcher: --verbose and --quiet exclude each other (see 'k3s-launcher --help')\n",
                result.stderr());
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
