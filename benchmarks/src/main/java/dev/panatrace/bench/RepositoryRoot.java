package dev.panatrace.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the panatrace repository is: the benchmarks build their Go programs from its sources. */
public final class RepositoryRoot {
    private RepositoryRoot() {}

    /**
     * The repository root: the system property {@code panatrace.repo} (bin/bench and Surefire set it), else
     * the nearest directory above the working directory with both {@code pom.xml} and {@code benchmarks/}.
     *
     * @throws IllegalStateException if neither names a repository
     */
    public static Path find() {
        String property = System.getProperty("panatrace.repo", "");
        for (Path start : property.isBlank() ? new Path[] {Path.of("")} : new Path[] {Path.of(property), Path.of("")}) {
            // Maven may name a module directory when no .mvn directory marks the root: walk up from there.
            for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("benchmarks/src"))) {
                    return dir;
                }
            }
        }
        throw new IllegalStateException("cannot find the panatrace repository from panatrace.repo='" + property
                + "' or " + Path.of("").toAbsolutePath() + "; pass -Dpanatrace.repo=DIR");
    }
}
