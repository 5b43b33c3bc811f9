package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** System.Logger's messages in the launcher's JVM: one line each on standard error, at the levels -v and -q set. */
@Timeout(30)
class StderrLoggerFinderTest {
    private static final System.Logger ENGINE = new StderrLoggerFinder().getLogger("dev.panatrace.ptrace", null);
    private static final System.Logger JDK = new StderrLoggerFinder().getLogger("jdk.event.security", null);

    @AfterEach
    void defaults() {
        StderrLoggerFinder.show(Level.INFO, Level.INFO);
    }

    @Test
    void theLauncherJvmFindsIt() {
        assertInstanceOf(StderrLoggerFinder.class, System.LoggerFinder.getLoggerFinder());
    }

    @Test
    void aMessageIsOneLineWithItsLevelAndPlainNumbers() {
        String err = stderr(() -> {
            ENGINE.log(Level.WARNING, "pid {0}: descriptor {1} outside [{2}, {3})", 21138, 3, 1000, 1064);
            ENGINE.log(Level.INFO, "no parameters: {0} stays");
            ENGINE.log(Level.DEBUG, "hidden by default");
        });
        assertEquals("k3s-launcher: warning: pid 21138: descriptor 3 outside [1000, 1064)\n"
                + "k3s-launcher: info: no parameters: {0} stays\n", err);
    }

    @Test
    void aThrowableFollowsItsLine() {
        String err = stderr(() -> ENGINE.log(Level.ERROR, "the trace failed", new IllegalStateException("boom")));
        assertTrue(err.startsWith("k3s-launcher: error: the trace failed\njava.lang.IllegalStateException: boom\n"
                + "\tat "), err);
    }

    @Test
    void verboseShowsPanatracesDebugButNotTheJdks() {
        StderrLoggerFinder.show(Level.DEBUG, Level.INFO);
        String err = stderr(() -> {
            ENGINE.log(Level.DEBUG, "engine detail");
            JDK.log(Level.DEBUG, "jdk detail");
            ENGINE.log(Level.TRACE, "finer still");
        });
        assertEquals("k3s-launcher: debug: engine detail\n", err);
    }

    @Test
    void quietShowsErrorsOnly() {
        StderrLoggerFinder.show(Level.ERROR, Level.ERROR);
        String err = stderr(() -> {
            ENGINE.log(Level.WARNING, "engine warning");
            JDK.log(Level.WARNING, "jdk warning");
            JDK.log(Level.ERROR, "jdk error");
        });
        assertEquals("k3s-launcher: error: jdk error\n", err);
    }

    private static String stderr(Runnable logging) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
