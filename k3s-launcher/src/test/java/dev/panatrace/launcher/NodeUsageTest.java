package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.ptrace.testing.ProcessResult;
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

/** Mistakes on the server, agent and plan command lines: one line naming the problem, exit status 2. */
@Timeout(60)
class NodeUsageTest {
    @TempDir
    Path temp;

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of(List.of("plan", "--k3s", "/bin/true", "frob"),
                        "k3s-launcher plan: plan server or agent, not 'frob' (see 'k3s-launcher plan --help')"),
                Arguments.of(List.of("plan"),
                        "k3s-launcher plan: missing the node to plan: server or agent (see 'k3s-launcher plan --help')"),
                Arguments.of(List.of("server", "--k3s", "/nonexistent/k3s"),
                        "k3s-launcher server: --k3s /nonexistent/k3s: no such file (see 'k3s-launcher server --help')"),
                Arguments.of(List.of("agent", "--k3s", "/bin/true"),
                        "k3s-launcher agent: an agent joins a server: give --server URL and --token TOKEN (or set "
                                + "K3S_URL and K3S_TOKEN) (see 'k3s-launcher agent --help')"),
                Arguments.of(List.of("server", "--k3s", "/bin/true", "--no-workaround", "dev-kmesg"),
                        "k3s-launcher server: --no-workaround: no workaround 'dev-kmesg' (known: " + Workaround.labels()
                                + ") (see 'k3s-launcher server --help')"),
                Arguments.of(List.of("plan", "--k3s", "/bin/true", "--profile", "nosuch", "server"),
                        "k3s-launcher plan: no built-in profile or file \"nosuch\" (built in: k3s)"),
                Arguments.of(List.of("server", "--k3s", "/bin/true", "--profile", "nosuch"),
                        "k3s-launcher server: no built-in profile or file \"nosuch\" (built in: k3s)"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void aMistakeIsOneLineAndExit2(List<String> args, String message) {
        ProcessBuilder builder = LauncherProcess.builder(args.toArray(String[]::new));
        builder.environment().remove("K3S_URL");
        builder.environment().remove("K3S_TOKEN");
        ProcessResult result = LauncherProcess.run(builder, null);
        assertEquals(2, result.exitCode(), result.stderr());
        assertEquals(message + "\n", result.stderr());
        assertEquals("", result.stdout());
    }

    @Test
    void noK3sAnywhereNamesAllThreePlaces() {
        ProcessBuilder builder = LauncherProcess.builder("server");
        builder.environment().remove("K3S_BIN");
        builder.environment().put("PATH", "/usr/bin:/bin");
        ProcessResult result = LauncherProcess.run(builder, null);
        assertEquals(2, result.exitCode(), result.stderr());
        assertEquals("k3s-launcher server: no k3s executable: give --k3s PATH, set K3S_BIN, or put k3s on the PATH "
                + "(see 'k3s-launcher server --help')\n", result.stderr());
    }

    /** A plan needs no k3s: it shows "k3s" as it would be looked up, and says it is missing. */
    @Test
    void planWithoutK3sShowsItAsLookedUpAndSaysItIsMissing() {
        ProcessBuilder builder = LauncherProcess.builder("plan", "agent", "--server", "https://127.0.0.1:6443",
                "--token", "T");
        builder.environment().remove("K3S_BIN");
        builder.environment().put("PATH", "/usr/bin:/bin");
        ProcessResult result = LauncherProcess.run(builder, null);
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals("  k3s agent --server https://127.0.0.1:6443 --token T", lines.get(1));
        assertEquals("k3s not found: shown as 'k3s' above; before running it, give --k3s PATH, set K3S_BIN, or put "
                + "k3s on the PATH", lines.getLast());
    }

    @Test
    void k3sBinFromTheEnvironmentIsUsed() throws Exception {
        Path k3s = Files.writeString(temp.resolve("k3s"), "#!/bin/sh\n");
        k3s.toFile().setExecutable(true);
        ProcessBuilder builder = LauncherProcess.builder("plan", "server", "--control-plane-only");
        builder.environment().put("K3S_BIN", k3s.toString());
        ProcessResult result = LauncherProcess.run(builder, null);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("  " + k3s + " server --disable-agent", result.stdout().lines().toList().get(1));
    }
}
