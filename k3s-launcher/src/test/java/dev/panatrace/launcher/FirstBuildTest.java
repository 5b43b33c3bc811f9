package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build as a new user meets it, in a copy of the repository without any build output: the first
 * {@code bin/k3s-launcher} says what it builds and builds only that, and Maven under a JDK too old says so
 * before building anything.
 */
@Timeout(600)
class FirstBuildTest {
    /** A JDK older than the build needs: the Debian package openjdk-17-jre-headless, which bin/test installs. */
    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(8);

    @TempDir
    Path temp;

    @Test
    void theFirstRunSaysWhatItBuildsAndBuildsNoArchive() throws IOException {
        Tracees.assumePtraceAllowed();
        Path copy = copyOfTheSources();

        ProcessResult first = Tracees.runUntraced(BUILD_TIMEOUT, List.of(copy + "/bin/k3s-launcher", "--version"));

        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.stdout().startsWith("k3s-launcher "), first.stdout());
        List<String> said = first.stderr().lines().toList();
        assertEquals(1, said.size(), first.stderr());
        assertTrue(said.getFirst().matches("k3s-launcher: first run: building the launcher from source with Java \\S+ "
                + "\\(mvn .* -Dpanatrace.distribution=false package -pl k3s-launcher -am\\); this takes .*, "
                + "once"), said.getFirst());
        assertFalse(first.stderr().contains("\u001b"), "an escape sequence: " + first.stderr());
        Path target = copy.resolve("k3s-launcher/target");
        assertTrue(Files.isRegularFile(target.resolve("k3s-launcher.jar")));
        try (Stream<Path> built = Files.list(target)) {
            assertEquals(List.of(), built.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".tar.gz") || name.equals("dist")).toList());
        }
        ProcessResult second = Tracees.runUntraced(Duration.ofSeconds(30),
                List.of(copy + "/bin/k3s-launcher", "--version"));
        assertEquals(new ProcessResult(0, first.stdout(), ""), second);
    }

    @Test
    void mavenUnderAJdkTooOldStopsBeforeBuildingAndNamesTheJdkItNeeds() throws IOException {
        if (!Files.isExecutable(JAVA_17.resolve("bin/java"))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true, but " + JAVA_17 + " is missing (Debian package openjdk-17-jre-headless)");
            }
            Assumptions.abort(JAVA_17 + " is not installed (Debian package openjdk-17-jre-headless)");
        }
        Path copy = copyOfTheSources();

        ProcessResult result = Tracees.runUntraced(BUILD_TIMEOUT, List.of("mvn", "-q", "-f", copy + "/pom.xml",
                "package"), environment -> {
                    environment.put("JAVA_HOME", JAVA_17.toString());
                    // bin/test sets options for the JDK it found, which Java 17 does not know.
                    environment.remove("MAVEN_OPTS");
                });

        assertNotEquals(0, result.exitCode());
        String output = result.stdout() + result.stderr();
        assertTrue(output.contains("panatrace builds with a JDK 22 or newer, and Maven runs on Java 17"), output);
        assertTrue(output.contains("bin/k3s-launcher and bin/test find one themselves"), output);
        assertFalse(output.contains("release version"), "the compiler ran: " + output);
        assertFalse(Files.exists(copy.resolve("ptrace-core/target")), "something was built");
    }

    /** The repository's files without build output or version control. */
    private Path copyOfTheSources() throws IOException {
        Path repo = Tracees.repo();
        Path copy = temp.resolve("repo");
        Files.walkFileTree(repo, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                String name = dir.getFileName().toString();
                if (!dir.equals(repo) && (name.equals("target") || name.equals(".git"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(copy.resolve(repo.relativize(dir)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                // A worktree's .git is a file naming the repository's; the copy is no checkout.
                if (attributes.isRegularFile() && !file.getFileName().toString().equals(".git")) {
                    Files.copy(file, copy.resolve(repo.relativize(file)),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return copy;
    }
}
