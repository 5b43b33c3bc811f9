package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** How {@code bin/k3s-launcher} finds a JDK and its jar, from wherever it is run. */
@Timeout(60)
class LauncherScriptTest {
    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");

    /**
     * A stand-in for {@code bin/java} that says which JDK it belongs to, how it was called and with which
     * JAVA_HOME. It answers {@code -version} for the JDK without a release file.
     */
    private static final String FAKE_JAVA = """
            #!/bin/sh
            if [ "$1" = -version ]; then
                echo 'openjdk version "27.0.1" 2026-01-20' >&2
                exit 0
            fi
            jdk=$(basename "$(dirname "$(dirname "$0")")")
            echo "$jdk JAVA_HOME=$JAVA_HOME $*"
            """;

    @TempDir
    Path temp;

    @Test
    void looksPastAJavaHomeOlderThan22() {
        assumeTrue(Files.isExecutable(JAVA_17.resolve("bin/java")), JAVA_17 + " is not installed");
        ProcessBuilder launcher = LauncherProcess.builder("--version");
        launcher.environment().put("JAVA_HOME", JAVA_17.toString());
        assertRunsOnJava22OrNewer(LauncherProcess.run(launcher, null));
    }

    @Test
    void findsAJdkWithoutJavaHome() {
        ProcessBuilder launcher = LauncherProcess.builder("--version");
        launcher.environment().remove("JAVA_HOME");
        assertRunsOnJava22OrNewer(LauncherProcess.run(launcher, null));
    }

    @Test
    void picksTheNewestJdkByFeatureVersion() throws IOException {
        Path root = fakeJdks(Map.of("jdk-8", "1.8.0_392", "jdk-9", "9.0.4", "jdk-30", "30.0.1", "jdk-100", "100"));
        fakeJdk(root.resolve("jdk-27"), null);
        // Claims to be newest but has no java: not a usable JDK.
        Files.createDirectories(root.resolve("jdk-200"));
        Files.writeString(root.resolve("jdk-200/release"), "JAVA_VERSION=\"200\"\n");

        ProcessResult result = runWithJdks(root, null);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(fakeJavaLine(root.resolve("jdk-100")), result.stdout());
    }

    @Test
    void prefersJavaHomeWhenItIsNewEnough() throws IOException {
        Path root = fakeJdks(Map.of("jdk-100", "100"));
        // No release file: its version comes from `java -version`.
        Path javaHome = fakeJdk(temp.resolve("elsewhere/jdk-27"), null);

        ProcessResult result = runWithJdks(root, javaHome);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(fakeJavaLine(javaHome), result.stdout());
    }

    @Test
    void withoutAJdk22OrNewerSaysWhereItLookedAndExits2() throws IOException {
        Path root = fakeJdks(Map.of("jdk-8", "1.8.0_392", "jdk-21", "21.0.5"));
        Path javaHome = fakeJdk(temp.resolve("elsewhere/jdk-17"), "17.0.15");

        ProcessResult result = runWithJdks(root, javaHome);

        assertEquals(2, result.exitCode());
        assertEquals("", result.stdout());
        assertEquals("k3s-launcher: needs a JDK 22 or newer; looked at JAVA_HOME=" + javaHome + " (Java 17) and "
                + root + "/* (newest: Java 21); set JAVA_HOME to one\n", result.stderr());
    }

    @Test
    void withoutAnyJdkSaysSo() throws IOException {
        Path root = Files.createDirectory(temp.resolve("empty"));

        ProcessResult result = runWithJdks(root, temp.resolve("missing"));

        assertEquals(2, result.exitCode());
        assertEquals("k3s-launcher: needs a JDK 22 or newer; looked at JAVA_HOME=" + temp.resolve("missing")
                + " (no java there) and " + root + "/* (no JDK); set JAVA_HOME to one\n", result.stderr());
    }

    @Test
    void runsFromAnyDirectoryAndThroughSymlinks() throws IOException {
        Path elsewhere = Files.createDirectory(temp.resolve("elsewhere"));
        Path linkedScript = Files.createSymbolicLink(temp.resolve("k3s-launcher"), LauncherProcess.script());
        Path linkedRepo = Files.createSymbolicLink(temp.resolve("repo"), Tracees.repo());
        for (Path script : List.of(LauncherProcess.script(), linkedScript, linkedRepo.resolve("bin/k3s-launcher"))) {
            ProcessBuilder launcher = new ProcessBuilder(script.toString(), "--version").directory(elsewhere.toFile());
            ProcessResult result = LauncherProcess.run(launcher, null);
            assertEquals(0, result.exitCode(), script + ": " + result.stderr());
            assertTrue(result.stdout().startsWith("k3s-launcher "), script + ": " + result.stdout());
        }
    }

    @Test
    void passesExtraJvmFlagsFromPanatraceJavaOpts() {
        ProcessBuilder launcher = LauncherProcess.builder("--version");
        launcher.environment().put("PANATRACE_JAVA_OPTS", " -XshowSettings:properties  -Dpanatrace.marker=split ");
        ProcessResult result = LauncherProcess.run(launcher, null);
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("panatrace.marker = split"), result.stderr());
        assertTrue(result.stdout().startsWith("k3s-launcher "), result.stdout());
    }

    @Test
    void runsWithANodeAgentsFootprintUnlessPanatraceJavaOptsSaysOtherwise() {
        assertNodeFootprint(() -> LauncherProcess.builder("--version"));
    }

    /**
     * The JVM flags chosen for a long-lived node agent (see the script), and that {@code PANATRACE_JAVA_OPTS} wins
     * over them: another collector replaces the serial one, whose flag would make the JVM refuse to start.
     */
    static void assertNodeFootprint(Supplier<ProcessBuilder> launcher) {
        Map<String, String> node = LauncherProcess.finalJvmFlags(launcher.get(), "");
        assertEquals("true", node.get("UseSerialGC"), node::toString);
        assertEquals(Long.toString(8L << 20), node.get("InitialHeapSize"));
        assertEquals(Long.toString(128L << 20), node.get("MaxHeapSize"));
        assertEquals("10000", node.get("TrimNativeHeapInterval"));

        Map<String, String> overridden = LauncherProcess.finalJvmFlags(launcher.get(), "-XX:+UseG1GC -Xmx1g");
        assertEquals("true", overridden.get("UseG1GC"), overridden::toString);
        assertEquals("false", overridden.get("UseSerialGC"));
        assertEquals(Long.toString(1L << 30), overridden.get("MaxHeapSize"));
        assertEquals("10000", overridden.get("TrimNativeHeapInterval"));
    }

    private static void assertRunsOnJava22OrNewer(ProcessResult result) {
        assertEquals(0, result.exitCode(), result.stderr());
        String javaLine = result.stdout().lines().filter(line -> line.startsWith("Java ")).findFirst()
                .orElseThrow(() -> new AssertionError("no Java line in " + result.stdout()));
        int feature = Integer.parseInt(javaLine.substring("Java ".length()).split("\\D")[0]);
        assertTrue(feature >= 22, javaLine);
        assertNotEquals(JAVA_17.toString(), javaLine.substring(javaLine.lastIndexOf(" at ") + 4), javaLine);
    }

    /** Runs {@code --version} with only fake JDKs to choose from. */
    private ProcessResult runWithJdks(Path root, Path javaHome) {
        ProcessBuilder launcher = LauncherProcess.builder("--version");
        launcher.environment().put("PANATRACE_JVM_ROOT", root.toString());
        if (javaHome == null) {
            launcher.environment().remove("JAVA_HOME");
        } else {
            launcher.environment().put("JAVA_HOME", javaHome.toString());
        }
        launcher.environment().remove("PANATRACE_JAVA_OPTS");
        return LauncherProcess.run(launcher, null);
    }

    /** A directory of fake JDKs, by directory name and release-file version. */
    private Path fakeJdks(Map<String, String> versions) throws IOException {
        Path root = Files.createDirectories(temp.resolve("jvm"));
        for (Map.Entry<String, String> jdk : versions.entrySet()) {
            fakeJdk(root.resolve(jdk.getKey()), jdk.getValue());
        }
        return root;
    }

    /** A fake JDK at {@code home}, with a release file naming {@code version} unless that is null. */
    private static Path fakeJdk(Path home, String version) throws IOException {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, FAKE_JAVA);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (version != null) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"fake\"\nJAVA_VERSION=\"" + version + "\"\n");
        }
        return home;
    }

    /** What {@link #FAKE_JAVA} prints when the script runs the launcher's jar with it. */
    private static String fakeJavaLine(Path home) {
        Path jar = Tracees.repo().resolve("k3s-launcher/target/k3s-launcher.jar");
        return home.getFileName() + " JAVA_HOME=" + home + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xms8m"
                + " -Xmx128m -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=10000 -jar " + jar
                + " --version\n";
    }
}
