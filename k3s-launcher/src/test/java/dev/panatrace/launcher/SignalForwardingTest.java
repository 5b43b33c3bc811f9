package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.panatrace.ptrace.testing.ProcessTable;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Signals sent to a tracing launcher reach the traced command, and the command never outlives the launcher. */
@Timeout(60)
class SignalForwardingTest {
    /** Far longer than any wait below, so a command that ends in time was ended by the signal. */
    private static final String SLEEP_SECONDS = "30";
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path temp;

    private String busybox;
    private Process launcher;

    @BeforeEach
    void requirements() {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
    }

    @AfterEach
    void cleanUp() {
        if (launcher != null && launcher.isAlive()) {
            LauncherProcess.kill(launcher);
        }
    }

    @ParameterizedTest
    @CsvSource({"TERM, 15", "HUP, 1", "INT, 2"})
    void forwardsTheSignalToTheTracedCommand(String name, int number) throws Exception {
        Path summaryFile = temp.resolve("summary.json");
        launcher = LauncherProcess.builder("trace", "--summary-json", summaryFile.toString(),
                        busybox, "sleep", SLEEP_SECONDS)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(temp.resolve("stderr").toFile())
                .start();
        long sleeper = awaitSleepingChild();
        // A signal ignored when the launcher started stays ignored, as in any program (a non-interactive
        // shell starts background jobs with SIGINT ignored).
        assumeFalse(ignores(launcher.pid(), number), "the launcher was started with SIG" + name + " ignored");

        send(name, launcher.pid());

        assertTrue(launcher.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS), "launcher still running");
        assertEquals(128 + number, launcher.exitValue(), Files.readString(temp.resolve("stderr")));
        // The summary is written only when the launcher saw the command end: the signal did not kill the JVM.
        assertTrue(Files.readString(summaryFile).startsWith("{\"exitCode\": " + (128 + number) + ","),
                Files.readString(summaryFile));
        assertFalse(ProcessTable.isAlive(sleeper), "sleep " + sleeper + " outlived the launcher");
    }

    @Test
    void theCommandDiesWithTheLauncherWhenTheJvmCannotHandleSignals() throws Exception {
        ProcessBuilder builder = LauncherProcess.builder("trace", busybox, "sleep", SLEEP_SECONDS)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        // -Xrs leaves SIGTERM's default action in place: it kills the JVM outright, without shutdown hooks.
        builder.environment().put("PANATRACE_JAVA_OPTS", "-Xrs");
        launcher = builder.start();
        long sleeper = awaitSleepingChild();

        send("TERM", launcher.pid());

        assertTrue(launcher.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS), "launcher still running");
        assertEquals(128 + 15, launcher.exitValue());
        Instant deadline = Instant.now().plus(PROMPTLY);
        while (ProcessTable.isAlive(sleeper) && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        assertFalse(ProcessTable.isAlive(sleeper), "sleep " + sleeper + " outlived the launcher");
    }

    /** The pid of the launcher's child once it runs {@code busybox sleep}. */
    private long awaitSleepingChild() throws Exception {
        Instant deadline = Instant.now().plus(LauncherProcess.TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!launcher.isAlive()) {
                throw new AssertionError("the launcher ended early with status " + launcher.exitValue());
            }
            Optional<Long> sleeper = launcher.children()
                    .map(ProcessHandle::pid)
                    .filter(pid -> ProcessTable.commandLine(pid).equals(List.of(busybox, "sleep", SLEEP_SECONDS)))
                    .findFirst();
            if (sleeper.isPresent()) {
                return sleeper.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the launcher never started busybox sleep");
    }

    private static boolean ignores(long pid, int signal) throws IOException {
        return (Long.parseUnsignedLong(ProcessTable.statusField(pid, "SigIgn"), 16) & (1L << (signal - 1))) != 0;
    }

    private void send(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder(busybox, "kill", "-" + signal, Long.toString(pid))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        assertTrue(kill.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(0, kill.exitValue(), new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
