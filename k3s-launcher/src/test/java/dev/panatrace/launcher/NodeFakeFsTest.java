package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --fake-fs} and {@code --fake-uname-release} on the node commands: {@code plan} shows them,
 * {@code agent} applies them to k3s (the stand-in) and not to its arguments.
 */
@Timeout(60)
class NodeFakeFsTest {
    @TempDir
    Path temp;

    /** xfs, or btrfs where the root really is xfs, so the type seen can only come from the disguise. */
    private static String shownType() throws IOException {
        String real = MountInfoLine.parseAll(Files.readString(Path.of("/proc/self/mountinfo"))).stream()
                .filter(line -> line.mountPoint().equals("/")).reduce((first, second) -> second).orElseThrow()
                .fsType();
        return real.equals("xfs") ? "btrfs" : "xfs";
    }

    @Test
    void anAgentsK3sSeesTheFakedRootAndTheDisguiseIsRemovedAfterwards() throws IOException {
        Tracees.assumePtraceAllowed();
        String standin = Tracees.go("k3sstandin").toString();
        String type = shownType();
        String magic = type.equals("xfs") ? "58465342" : "9123683e";
        Path record = temp.resolve("record");
        Path tmp = Files.createDirectories(temp.resolve("tmp"));
        ProcessBuilder agent = LauncherProcess.builder("agent", "--k3s", standin, "--fake-fs", "/=" + type,
                "--server", "https://cp:6443", "--token", "t", "--standin-rootfs", "--standin-exit=0");
        agent.environment().put("K3SSTANDIN_RECORD", record.toString());
        agent.environment().put("PANATRACE_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);

        ProcessResult result = LauncherProcess.run(agent, null);

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = Files.readAllLines(record);
        assertEquals(List.of("start", "arg agent", "arg --server", "arg https://cp:6443", "arg --token", "arg t",
                "arg --standin-rootfs", "arg --standin-exit=0"), lines.subList(0, 8));
        assertTrue(lines.contains("rootfs " + type + " magic " + magic), lines.toString());
        assertTrue(result.stderr().contains("k3s-launcher agent: disguise: mount / shown as " + type
                + " (mount tables, statfs)\n"), result.stderr());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(file -> file.getFileName().toString().startsWith("panatrace-fs-"))
                    .toList(), "the disguise's directory must be deleted when the node ends");
        }
    }

    @Test
    void planShowsTheDisguiseAndKeepsItsOptionsFromK3s() throws IOException {
        Path k3s = Files.writeString(temp.resolve("k3s"), "#!/bin/sh\n");
        k3s.toFile().setExecutable(true);

        ProcessResult result = LauncherProcess.run("plan", "--k3s", k3s.toString(), "server", "--fake-fs=/=ext4",
                "--node-name", "cp", "--fake-uname-release", "6.1.0-sandbox", "--fake-fs", "/tmp=xfs");

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertTrue(lines.get(1).startsWith("  " + k3s + " server --node-name cp"), result.stdout());
        // The options are the launcher's: neither k3s's command line nor its wrapper's holds them.
        List<String> commands = lines.subList(0, lines.indexOf("environment added:"));
        assertFalse(commands.stream().anyMatch(line -> line.contains("--fake")), result.stdout());
        assertTrue(lines.contains("  fake-root-fs       not needed   / is shown as ext4 by --fake-fs"), result.stdout());
        int at = lines.indexOf("disguise:");
        assertTrue(at > 0, result.stdout());
        assertEquals(List.of("  mount / shown as ext4 (mount tables, statfs)",
                "  mount /tmp shown as xfs (mount tables, statfs)",
                "  kernel release shown as 6.1.0-sandbox (uname)", "workarounds:"), lines.subList(at + 1, at + 5));
    }

    @Test
    void planWithoutTheOptionsShowsNoDisguise() throws IOException {
        Path k3s = Files.writeString(temp.resolve("k3s"), "#!/bin/sh\n");
        k3s.toFile().setExecutable(true);

        ProcessResult result = LauncherProcess.run("plan", "--k3s", k3s.toString(), "server");

        assertEquals(0, result.exitCode(), result.stderr());
        assertFalse(result.stdout().contains("disguise"), result.stdout());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of(List.of("agent", "--k3s", "/bin/true", "--server", "https://cp:6443", "--token", "t",
                        "--fake-fs", "/=9p"), "k3s-launcher agent: --fake-fs: cannot present a mount as '9p': "
                                + "supported types are ext4, xfs, btrfs, overlay, tmpfs (see 'k3s-launcher agent --help')"),
                Arguments.of(List.of("server", "--k3s", "/bin/true", "--fake-fs", "/var/lib"),
                        "k3s-launcher server: --fake-fs wants PATH=FSTYPE, got '/var/lib' "
                                + "(see 'k3s-launcher server --help')"),
                Arguments.of(List.of("server", "--k3s", "/bin/true", "--fake-fs", "var=ext4"),
                        "k3s-launcher server: --fake-fs: a mount point must be an absolute normalized path, got "
                                + "'var' (see 'k3s-launcher server --help')"),
                Arguments.of(List.of("agent", "--k3s", "/bin/true", "--server", "https://cp:6443", "--token", "t",
                        "--fake-fs", "/nonexistent=ext4"),
                        "k3s-launcher agent: --fake-fs: /nonexistent does not exist, so no mount there can be shown "
                                + "as ext4 (see 'k3s-launcher agent --help')"),
                Arguments.of(List.of("plan", "--k3s", "/bin/true", "--fake-uname-release", "6.1 sandbox", "server"),
                        "k3s-launcher plan: --fake-uname-release: a release must be 1 to 64 printable ASCII "
                                + "characters without spaces, got '6.1 sandbox' (see 'k3s-launcher plan --help')"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void aBadValueIsOneLineAndExit2(List<String> args, String message) {
        ProcessResult result = LauncherProcess.run(args.toArray(String[]::new));

        assertEquals(2, result.exitCode(), result.stderr());
        assertEquals(message + "\n", result.stderr());
        assertEquals("", result.stdout());
    }
}
