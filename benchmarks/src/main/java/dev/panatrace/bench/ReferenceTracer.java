package dev.panatrace.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The reference tracer: a minimal path redirector in C ({@code reference-tracer.c}, a resource of this
 * module) that makes the engine's system calls per stop and nothing else, the limit the engine is measured
 * against. It is compiled with gcc into {@code benchmarks/target/c-bin/} on first use, and again when the
 * source differs from the one it was compiled from; the libraries themselves stay free of native code.
 */
public final class ReferenceTracer {
    private static final String SOURCE = "reference-tracer.c";
    private static final long BUILD_TIMEOUT_SECONDS = 120;

    private ReferenceTracer() {}

    /** Why the reference tracer cannot run here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        if (!System.getProperty("os.arch").equals("amd64")) {
            return Optional.of("the reference tracer is written for x86_64, this is " + System.getProperty("os.arch"));
        }
        return Executables.onPath("gcc").isPresent()
                ? Optional.empty()
                : Optional.of("gcc is not installed (Debian package gcc)");
    }

    /**
     * The executable, compiled if missing or stale.
     *
     * @param repo the repository root
     * @throws IllegalStateException if gcc is missing or fails (with its output)
     */
    public static synchronized Path build(Path repo) throws IOException, InterruptedException {
        byte[] source;
        try (InputStream in = ReferenceTracer.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " is missing from the benchmarks' resources");
            }
            source = in.readAllBytes();
        }
        Path directory = repo.resolve("benchmarks/target/c-bin");
        Path binary = directory.resolve("reference-tracer");
        Path compiledFrom = directory.resolve(SOURCE);
        if (Files.isExecutable(binary) && Files.isRegularFile(compiledFrom)
                && Arrays.equals(Files.readAllBytes(compiledFrom), source)) {
            return binary;
        }
        Files.createDirectories(directory);
        Path partialSource = directory.resolve(SOURCE + ".partial");
        Path partial = directory.resolve("reference-tracer.partial");
        Path log = directory.resolve("reference-tracer.build.log");
        Files.write(partialSource, source);
        String gcc = Executables.onPath("gcc").map(Path::toString).orElseThrow(() -> new IllegalStateException(
                "gcc is not installed (Debian package gcc): the reference tracer cannot be compiled"));
        Process build = new ProcessBuilder(List.of(gcc, "-O2", "-Wall", "-Wextra", "-Werror", "-x", "c",
                "-o", partial.toString(), partialSource.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!build.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            build.destroyForcibly();
            throw new IllegalStateException("gcc took over " + BUILD_TIMEOUT_SECONDS + " s:\n" + Files.readString(log));
        }
        if (build.exitValue() != 0) {
            throw new IllegalStateException("gcc failed on " + SOURCE + " with exit code " + build.exitValue() + ":\n"
                    + Files.readString(log));
        }
        Files.move(partial, binary, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(partialSource, compiledFrom, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return binary;
    }

    /**
     * The command line that runs {@code command} under the reference tracer, binding {@code hostDirectory}
     * to /proc/sys.
     *
     * @param pinned whether tracer and command share one CPU
     * @param stats where the tracer writes its counters when the command has ended
     */
    static List<String> command(Path binary, boolean pinned, Path stats, String hostDirectory, List<String> command) {
        List<String> line = new ArrayList<>(List.of(binary.toString()));
        if (pinned) {
            line.add("--pin");
        }
        line.addAll(List.of("--stats", stats.toString(), "--bind", hostDirectory + ":/proc/sys", "--"));
        line.addAll(command);
        return line;
    }
}
