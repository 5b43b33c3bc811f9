package dev.panatrace.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The static Go programs the benchmarks run, built from {@code benchmarks/src/main/go/<name>} into
 * {@code benchmarks/target/go-bin/<name>} on first use, and again whenever a source is newer than the binary.
 */
public final class GoPrograms {
    private static final Path DEBIAN_GO = Path.of("/usr/lib/go-1.19/bin/go");
    private static final long BUILD_TIMEOUT_SECONDS = 300;

    private GoPrograms() {}

    /**
     * The executable of program {@code name}, built if missing or stale.
     *
     * @param repo the repository root
     * @param name a directory under {@code benchmarks/src/main/go}
     * @throws IllegalArgumentException if there is no such program
     * @throws IllegalStateException if no Go toolchain is installed or the build fails (with go's output)
     */
    public static synchronized Path build(Path repo, String name) throws IOException, InterruptedException {
        Path module = repo.resolve("benchmarks");
        Path source = module.resolve("src/main/go").resolve(name);
        if (!Files.isDirectory(source)) {
            throw new IllegalArgumentException("no Go program " + source);
        }
        Path target = module.resolve("target");
        Path binary = target.resolve("go-bin").resolve(name);
        if (Files.isExecutable(binary) && newestSource(source) < Files.getLastModifiedTime(binary).toMillis()) {
            return binary;
        }
        Files.createDirectories(binary.getParent());
        Path partial = binary.resolveSibling(name + ".partial");
        Path log = binary.resolveSibling(name + ".build.log");
        ProcessBuilder go = new ProcessBuilder(goTool(), "build", "-trimpath", "-o", partial.toString(), ".")
                .directory(source.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = go.environment();
        // A GOROOT meant for another installation would pair this go with the wrong standard library.
        env.remove("GOROOT");
        env.put("CGO_ENABLED", "0");
        env.put("GO111MODULE", "off");
        env.put("GOCACHE", target.resolve("go-cache").toString());
        env.put("GOPATH", target.resolve("gopath").toString());
        env.putIfAbsent("HOME", target.resolve("go-home").toString());
        Process build = go.start();
        if (!build.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            build.destroyForcibly();
            throw new IllegalStateException("go build of " + source + " took over " + BUILD_TIMEOUT_SECONDS
                    + " s:\n" + Files.readString(log));
        }
        if (build.exitValue() != 0) {
            throw new IllegalStateException("go build of " + source + " failed with exit code " + build.exitValue()
                    + ":\n" + Files.readString(log));
        }
        Files.move(partial, binary, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return binary;
    }

    private static long newestSource(Path source) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            long newest = 0;
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                newest = Math.max(newest, Files.getLastModifiedTime(file).toMillis());
            }
            return newest;
        }
    }

    /** Debian's Go 1.19, which the programs are written for, else {@code go} on the PATH. */
    private static String goTool() {
        if (Files.isExecutable(DEBIAN_GO)) {
            return DEBIAN_GO.toString();
        }
        return Executables.onPath("go").map(Path::toString).orElseThrow(() -> new IllegalStateException(
                "no Go toolchain to build the benchmark programs; install the Debian package golang-1.19-go"));
    }
}
