package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained archive that {@code mvn package} builds, unpacked somewhere else and run with an
 * environment that names no JDK, as on a machine without one.
 */
@Timeout(120)
class DistributionTest {
    private static final Path TARGET = Tracees.repo().resolve("k3s-launcher/target");

    @TempDir
    static Path unpacked;

    private static Path home;

    @BeforeAll
    static void unpack() throws IOException, InterruptedException {
        Path archive;
        try (Stream<Path> files = Files.list(TARGET)) {
            archive = files.filter(file -> file.getFileName().toString().endsWith(".tar.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no .tar.gz in " + TARGET + ": mvn package builds it"));
        }
        Process tar = new ProcessBuilder("tar", "-C", unpacked.toString(), "-xzf", archive.toString())
                .inheritIO().start();
        assertEquals(0, tar.waitFor(), "tar -xzf " + archive);
        try (Stream<Path> dirs = Files.list(unpacked)) {
            List<Path> top = dirs.toList();
            assertEquals(1, top.size(), "the archive holds one directory: " + top);
            home = top.getFirst();
        }
    }

    /** {@code bin/k3s-launcher ARGS...} of the unpacked archive, with PATH=/usr/bin:/bin and nothing else. */
    private static ProcessResult launcher(Map<String, String> env, String... args) {
        return LauncherProcess.run(launcherBuilder(env, args), null);
    }

    private static ProcessBuilder launcherBuilder(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/k3s-launcher").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(unpacked.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/bin:/bin");
        builder.environment().putAll(env);
        return builder;
    }

    @Test
    void runsOnItsOwnRuntime() {
        ProcessResult result = launcher(Map.of(), "--version");
        assertEquals(0, result.exitCode(), result.stderr());
        String javaLine = result.stdout().lines().filter(line -> line.startsWith("Java ")).findFirst().orElseThrow();
        assertTrue(javaLine.endsWith(" at " + home.resolve("runtime")), javaLine);
        assertTrue(result.stdout().startsWith("k3s-launcher "), result.stdout());
    }

    @Test
    void runsWithANodeAgentsFootprintUnlessPanatraceJavaOptsSaysOtherwise() {
        LauncherScriptTest.assertNodeFootprint(() -> launcherBuilder(Map.of(), "--version"));
    }

    @Test
    void servesTheK3sProfileToATracedCommand() {
        Tracees.assumePtraceAllowed();
        ProcessResult result = launcher(Map.of(), "run", "--profile", "k3s", "--", "cat", "/proc/sys/vm/overcommit_memory",
                "/proc/sys/kernel/panic");
        assertEquals(new ProcessResult(0, "1\n10\n", ""), result);
    }

    @Test
    void theRuntimeHoldsOnlyTheModulesTheJarsNeed() throws IOException, InterruptedException {
        Process java = new ProcessBuilder(home.resolve("runtime/bin/java").toString(), "--list-modules")
                .redirectErrorStream(true).start();
        List<String> modules = new String(java.getInputStream().readAllBytes()).lines()
                .map(line -> line.split("@")[0]).sorted().toList();
        assertEquals(0, java.waitFor());
        assertEquals(List.of("java.base", "jdk.jfr", "jdk.unsupported"), modules);
    }

    /** With {@code -XX:AOTMode=on} a JVM that cannot use its AOT cache refuses to start. */
    @Test
    void usesItsAotCacheWhereverItIsUnpacked() {
        Tracees.assumePtraceAllowed();
        assumeTrue(Files.isRegularFile(home.resolve("lib/k3s-launcher.aot")),
                "no AOT cache in the archive: it was built with a JDK older than 25");
        ProcessResult result = launcher(Map.of("PANATRACE_JAVA_OPTS", "-XX:AOTMode=on"), "run", "--", "true");
        assertEquals(new ProcessResult(0, "", ""), result);
    }

    /** The repository's script takes the cache the build trained with the same JDK. */
    @Test
    void theRepositoryScriptUsesTheBuildsAotCache() throws IOException {
        Tracees.assumePtraceAllowed();
        Path marker = TARGET.resolve("k3s-launcher.aot.jdk");
        assumeTrue(Files.isRegularFile(marker), "no AOT cache for the jar: it was built with a JDK older than 25");
        String jdk = Files.readString(marker).strip();
        assumeTrue(jdk.equals(System.getenv("JAVA_HOME")),
                "the cache was trained with " + jdk + ", not with JAVA_HOME=" + System.getenv("JAVA_HOME"));
        ProcessBuilder builder = LauncherProcess.builder("run", "--", "true");
        builder.environment().put("PANATRACE_JAVA_OPTS", "-XX:AOTMode=on");
        assertEquals(new ProcessResult(0, "", ""), LauncherProcess.run(builder, null));
    }
}
