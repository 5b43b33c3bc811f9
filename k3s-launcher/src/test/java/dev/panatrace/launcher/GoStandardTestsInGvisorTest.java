package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.launcher.GoStandardTests.Mode;
import dev.panatrace.launcher.GoStandardTests.Outcome;
import dev.panatrace.ptrace.testing.Gvisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GoStandardTests} inside gVisor, on both roots: one sandbox runs the four packages untraced, one under
 * {@code trace}, one under {@code run --profile k3s}; every test that passes untraced in the sandbox must pass under
 * the launcher there. The tests in {@link GoStandardTests#HANG_UNDER_PTRACE_IN_GVISOR} are left out of all three.
 * On the overlay root the tests' writes vanish with the sandbox; over 9p they reach the host, as on the host.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class GoStandardTestsInGvisorTest {
    /** Four packages, each killed after 270 s. Measured here (2 CPUs): 17 s untraced, 75 s traced, per sandbox. */
    private static final Duration SANDBOX_TIMEOUT = Duration.ofMinutes(19);

    /** The untraced outcomes per root, run once for both traced modes. */
    private static final Map<Gvisor.Root, Map<String, Outcome>> UNTRACED = new EnumMap<>(Gvisor.Root.class);

    @TempDir
    Path temp;

    @BeforeEach
    void requirements() {
        Gvisor.assumeRunnable();
    }

    static Stream<Arguments> rootsAndModes() {
        return Stream.of(Gvisor.Root.values()).flatMap(root ->
                Stream.of(Mode.TRACE, Mode.RUN_PROFILE_K3S).map(mode -> Arguments.of(root, mode)));
    }

    @ParameterizedTest
    @MethodSource("rootsAndModes")
    void everyTestThatPassesUntracedPassesUnderTheLauncher(Gvisor.Root root, Mode mode) throws IOException {
        Map<String, Outcome> untraced = untraced(root);
        Map<String, Outcome> traced = run(root, mode);
        System.out.print(GoStandardTests.summary(where(root), mode, traced));

        assertEquals(List.of(), GoStandardTests.regressions(where(root), untraced, mode, traced));
    }

    private Map<String, Outcome> untraced(Gvisor.Root root) throws IOException {
        synchronized (UNTRACED) {
            if (!UNTRACED.containsKey(root)) {
                Map<String, Outcome> outcomes = run(root, Mode.UNTRACED);
                System.out.print(GoStandardTests.summary(where(root), Mode.UNTRACED, outcomes));
                UNTRACED.put(root, outcomes);
            }
            return UNTRACED.get(root);
        }
    }

    private Map<String, Outcome> run(Gvisor.Root root, Mode mode) throws IOException {
        Path work = Files.createDirectories(temp.resolve(root + "-" + mode.name()));
        return GoStandardTests.run(mode, GoStandardTests.HANG_UNDER_PTRACE_IN_GVISOR, work,
                (command, environment) -> Gvisor.run(root, SANDBOX_TIMEOUT, command, environment));
    }

    private static String where(Gvisor.Root root) {
        return "gVisor " + (root == Gvisor.Root.OVERLAY ? "overlay" : "9p") + " root";
    }
}
