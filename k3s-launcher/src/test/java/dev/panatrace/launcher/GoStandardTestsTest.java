package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.launcher.GoStandardTests.Mode;
import dev.panatrace.launcher.GoStandardTests.Outcome;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link GoStandardTests} on the host: every test of os, os/exec, os/signal and syscall that passes untraced passes
 * under {@code trace} and under {@code run --profile k3s}. Nothing is left out here.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GoStandardTestsTest {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(8);

    /** Run once for both modes. */
    private static Map<String, Outcome> untraced;

    @TempDir
    Path temp;

    @BeforeEach
    void requirements() {
        Tracees.assumePtraceAllowed();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"TRACE", "RUN_PROFILE_K3S"})
    void everyTestThatPassesUntracedPassesUnderTheLauncher(Mode mode) throws IOException {
        Map<String, Outcome> baseline = untraced();
        Map<String, Outcome> traced = run(mode);
        System.out.print(GoStandardTests.summary("host", mode, traced));

        assertEquals(List.of(), GoStandardTests.regressions("host", baseline, mode, traced));
    }

    private Map<String, Outcome> untraced() throws IOException {
        synchronized (GoStandardTestsTest.class) {
            if (untraced == null) {
                untraced = run(Mode.UNTRACED);
                System.out.print(GoStandardTests.summary("host", Mode.UNTRACED, untraced));
            }
            return untraced;
        }
    }

    private Map<String, Outcome> run(Mode mode) throws IOException {
        Path work = Files.createDirectories(temp.resolve(mode.name()));
        return GoStandardTests.run(mode, Map.of(), work,
                (command, environment) -> Tracees.runUntraced(SCRIPT_TIMEOUT, command, environment));
    }
}
