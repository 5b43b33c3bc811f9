package dev.panatrace.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** Finds the programs the benchmarks run. */
public final class Executables {
    private Executables() {}

    /** The first executable {@code program} in a directory of PATH, as execvp would find it. */
    public static Optional<Path> onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toAbsolutePath);
    }

    /** Debian busybox-static's {@code /bin/busybox}, else busybox on the PATH. */
    public static Optional<Path> busybox() {
        Path standard = Path.of("/bin/busybox");
        return Files.isExecutable(standard) ? Optional.of(standard) : onPath("busybox");
    }
}
