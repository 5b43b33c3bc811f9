package dev.panatrace.procsys;

import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds the Go tracees of this module, {@code procsys-faker/src/test/go/<name>}, with the toolchain
 * and settings {@link Tracees#go} uses for ptrace-core's (which only looks there).
 */
final class GoTracee {
    private static final Path GO = Path.of("/usr/lib/go-1.19/bin/go");

    private GoTracee() {}

    /** The static executable of {@code name}, built into {@code target/} of this module once per JVM. */
    static synchronized Path build(String name) throws IOException, InterruptedException {
        Path repo = Tracees.repo();
        Path source = repo.resolve("procsys-faker/src/test/go").resolve(name);
        Path executable = repo.resolve("procsys-faker/target/go-tracees").resolve(name);
        if (Files.isExecutable(executable)
                && Files.getLastModifiedTime(executable).compareTo(Files.getLastModifiedTime(source.resolve("main.go"))) > 0) {
            return executable;
        }
        Files.createDirectories(executable.getParent());
        String go = Files.isExecutable(GO) ? GO.toString() : "go";
        ProcessBuilder build = new ProcessBuilder(go, "build", "-o", executable.toString(), ".")
                .directory(source.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        build.environment().remove("GOROOT");
        build.environment().put("CGO_ENABLED", "0");
        build.environment().put("GO111MODULE", "off");
        build.environment().put("GOCACHE", repo.resolve("target/go-cache").toString());
        build.environment().put("GOPATH", repo.resolve("target/gopath").toString());
        build.environment().putIfAbsent("HOME", repo.resolve("target/go-home").toString());
        Process process = build.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("go build of " + source + " failed:\n" + output);
        }
        return executable;
    }
}
