package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.fail;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code bin/k3s-launcher} script as a subprocess, the way a user does. Output goes to
 * temporary files, so a launcher that writes a lot cannot block on a full pipe.
 */
final class LauncherProcess {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private LauncherProcess() {}

    /** The script under test. */
    static Path script() {
        return Tracees.repo().resolve("bin/k3s-launcher");
    }

    /** A builder for {@code bin/k3s-launcher ARGS...} with standard input from /dev/null. */
    static ProcessBuilder builder(String... args) {
        List<String> command = new ArrayList<>();
        command.add(script().toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    /** Runs {@code bin/k3s-launcher ARGS...} to completion. */
    static ProcessResult run(String... args) {
        return run(builder(args), null);
    }

    /**
     * Runs {@code builder} to completion, failing the test if it takes longer than {@link #TIMEOUT}.
     *
     * @param stdin what to write to its standard input through a pipe, or null to keep the builder's
     */
    static ProcessResult run(ProcessBuilder builder, String stdin) {
        Path stdout = null;
        Path stderr = null;
        Process process = null;
        try {
            stdout = Files.createTempFile("launcher-", ".stdout");
            stderr = Files.createTempFile("launcher-", ".stderr");
            builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            if (stdin != null) {
                builder.redirectInput(ProcessBuilder.Redirect.PIPE);
            }
            process = builder.start();
            if (stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                return fail(builder.command() + " did not exit within " + TIMEOUT
                        + "\nstdout: " + Files.readString(stdout) + "\nstderr: " + Files.readString(stderr));
            }
            return new ProcessResult(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } catch (IOException e) {
            throw new UncheckedIOException("running " + builder.command(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + builder.command(), e);
        } finally {
            if (process != null && process.isAlive()) {
                kill(process);
            }
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    /**
     * The JVM flags the launcher {@code builder} starts runs with, its {@code PANATRACE_JAVA_OPTS} being
     * {@code javaOptions}: name to value, as {@code -XX:+PrintFlagsFinal} prints them.
     */
    static Map<String, String> finalJvmFlags(ProcessBuilder builder, String javaOptions) {
        builder.environment().put("PANATRACE_JAVA_OPTS", javaOptions + " -XX:+PrintFlagsFinal");
        ProcessResult result = run(builder, null);
        if (result.exitCode() != 0) {
            return fail(builder.command() + " with PANATRACE_JAVA_OPTS=" + javaOptions + " exited "
                    + result.exitCode() + ": " + result.stderr());
        }
        // Lines such as: "     bool UseSerialGC                              = true        {product} {command line}"
        Map<String, String> flags = new HashMap<>();
        result.stdout().lines()
                .map(line -> line.strip().split("\\s+"))
                .filter(fields -> fields.length >= 4 && fields[2].equals("="))
                .forEach(fields -> flags.put(fields[1], fields[3]));
        return flags;
    }

    /** Kills {@code process} and whatever it started. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temporary file is harmless; the result already holds its contents.
        }
    }
}
