package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A command run to its end under a {@link ProcSysServer}, with its output.
 *
 * @param exitCode the shell's view of how it ended
 * @param stdout its standard output
 * @param stderr its standard error
 */
record ServedRun(int exitCode, String stdout, String stderr) {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Runs {@code command} in seccomp mode with {@code server} as handler; output goes through {@code temp}. */
    static ServedRun of(ProcSysServer server, Path temp, List<String> command) throws IOException, InterruptedException {
        return of(server, temp, TraceMode.SECCOMP, Map.of(), command);
    }

    /** Runs {@code command} under {@code server}, with {@code extraEnvironment} added to this JVM's. */
    static ServedRun of(ProcSysServer server, Path temp, TraceMode mode, Map<String, String> extraEnvironment,
            List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(temp, "stdout", ".txt");
        Path err = Files.createTempFile(temp, "stderr", ".txt");
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(extraEnvironment);
        try (TraceSession session = Tracer.builder().handler(server).mode(mode).environment(environment)
                .stdout(out).stderr(err).spawn(command)) {
            session.waitFor(TIMEOUT);
            assertTrue(session.isDone(), command + " did not end within " + TIMEOUT + "; stderr: " + Files.readString(err));
            Optional<ExitStatus> status = session.waitFor();
            return new ServedRun(status.orElseThrow().shellStatus(), Files.readString(out), Files.readString(err));
        }
    }
}
