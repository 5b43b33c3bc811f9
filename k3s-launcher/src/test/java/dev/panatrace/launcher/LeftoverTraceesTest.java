package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessTable;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A command that ends on a forwarded signal but leaves traced processes behind does not keep the launcher waiting. */
@Timeout(60)
class LeftoverTraceesTest {
    private static final Duration PROMPTLY = TracedRun.LEFTOVER_GRACE.plusSeconds(10);

    @TempDir
    Path temp;

    private Process launcher;

    @AfterEach
    void cleanUp() {
        if (launcher != null && launcher.isAlive()) {
            LauncherProcess.kill(launcher);
        }
    }

    @Test
    void killsWhatASignalledCommandLeftBehindAfterTheGracePeriod() throws Exception {
        Tracees.assumePtraceAllowed();
        String busybox = Tracees.busybox().toString();
        List<String> leftover = List.of(busybox, "sleep", "600");
        Path stderr = temp.resolve("stderr");
        // The shell dies of the forwarded SIGTERM; its background sleep never sees it.
        launcher = LauncherProcess.builder("run", "--", busybox, "sh", "-c", String.join(" ", leftover) + " & wait")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile())
                .start();
        long sleeper = awaitDescendant(leftover);
        assertEquals(Optional.of(launcher.pid()), ProcessTable.tracerProcess(sleeper), "the sleep is not traced by the launcher");

        Instant signalled = Instant.now();
        launcher.destroy();

        assertTrue(launcher.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS), "launcher still running");
        Duration took = Duration.between(signalled, Instant.now());
        assertEquals(128 + 15, launcher.exitValue(), Files.readString(stderr));
        assertTrue(took.compareTo(TracedRun.LEFTOVER_GRACE) >= 0, "killed after " + took + ", before the grace period");
        assertTrue(Files.readString(stderr).contains("killing the traced processes it left behind"),
                Files.readString(stderr));
        assertFalse(ProcessTable.isAlive(sleeper), "sleep " + sleeper + " outlived the launcher");
    }

    private long awaitDescendant(List<String> commandLine) throws InterruptedException {
        Instant deadline = Instant.now().plus(LauncherProcess.TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            assertTrue(launcher.isAlive(), "the launcher ended early");
            Optional<Long> found = launcher.descendants()
                    .map(ProcessHandle::pid)
                    .filter(pid -> ProcessTable.commandLine(pid).equals(commandLine))
                    .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the launcher never started " + commandLine);
    }

}
