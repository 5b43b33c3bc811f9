package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The back-off before a restart is counted down on a terminal, and the wait for readiness told every 5 s
 * there, and nothing of either reaches a pipe; the node's readiness is told everywhere. The terminal is a
 * real one: util-linux {@code script} runs the launcher on a pseudo-terminal.
 */
@Timeout(90)
class NodeProgressTest {
    private static final String ERASE = "\r\033[K";

    @TempDir
    Path temp;

    private String standin;
    private int healthzPort;
    private Process launcher;

    @BeforeEach
    void standIn() throws IOException {
        Tracees.assumePtraceAllowed();
        standin = Tracees.go("k3sstandin").toString();
        healthzPort = freePort();
    }

    @AfterEach
    void cleanUp() {
        if (launcher != null && launcher.isAlive()) {
            LauncherProcess.kill(launcher);
        }
    }

    /** An agent that dies once up with status 3 and is restarted once, after 1 s. */
    private List<String> dyingAgent() {
        return List.of("agent", "--k3s", standin, "--max-restarts", "1", "--server", "https://cp:6443", "--token",
                "t", "--standin-exit=3");
    }

    /**
     * An agent with its kubelet healthz on a free port, ready {@code readyAfter} after it starts ("never"
     * for never), that exits with status 3 after {@code exitAfterMillis}.
     */
    private List<String> slowAgent(Map<String, String> env, String readyAfter, int exitAfterMillis)
            throws IOException {
        env.put("K3SSTANDIN_READY_AFTER_MS", readyAfter);
        env.put("K3SSTANDIN_EXIT_AFTER_MS", Integer.toString(exitAfterMillis));
        return List.of("agent", "--k3s", standin, "--server", "https://cp:6443", "--token", "t",
                "--kubelet-arg=healthz-port=" + healthzPort, "--standin-exit=3");
    }

    /** A port nothing listens on now. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private ProcessBuilder environment(ProcessBuilder builder) {
        builder.environment().put("K3SSTANDIN_RECORD", temp.resolve("record").toString());
        builder.environment().remove("PANATRACE_SYSCTL_TRACED");
        builder.environment().remove("PANATRACE_PROGRESS");
        builder.environment().put("TERM", "xterm");
        return builder;
    }

    @Test
    void onAPipeTheRestartIsOnlyItsLines() throws Exception {
        ProcessBuilder builder = environment(LauncherProcess.builder(dyingAgent().toArray(String[]::new)))
                .redirectOutput(temp.resolve("stdout").toFile()).redirectError(ProcessBuilder.Redirect.PIPE);
        launcher = builder.start();
        String stderr = new String(launcher.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "launcher still running");
        assertEquals(3, launcher.exitValue(), stderr);
        assertTrue(stderr.contains("k3s-launcher agent: restarting k3s in 1s (restart 1 of 1)\n"), stderr);
        assertTrue(stderr.contains("k3s-launcher agent: k3s agent started (pid "), stderr);
        assertFalse(stderr.contains("\r") || stderr.contains("\033"), stderr);
        assertFalse(stderr.contains("down (exit status 3)"), stderr);
        assertTrue(stderr.lines().allMatch(line -> line.startsWith("k3s-launcher agent: ")), stderr);
    }

    @Test
    void onATerminalTheBackOffIsCountedDownAndErasedBeforeTheRestart() throws Exception {
        String tty = onTerminal(dyingAgent(), false);

        assertTrue(tty.contains("k3s-launcher agent: restarting k3s in 1s (restart 1 of 1)\r\n"
                + "\rk3s-launcher agent: k3s agent down (exit status 3), restart 1 of 1 in 1s\033[K" + ERASE
                + "k3s-launcher agent: k3s agent started (pid "), tty);
        assertEquals(1, count(tty, "\033[K" + ERASE), "one count-down, erased once: " + tty);
    }

    @Test
    void onATerminalProgressCanBeSwitchedOff() throws Exception {
        String tty = onTerminal(dyingAgent(), true);

        assertTrue(tty.contains("k3s-launcher agent: restarting k3s in 1s (restart 1 of 1)\r\n"
                + "k3s-launcher agent: k3s agent started (pid "), tty);
        assertFalse(tty.contains("\033"), tty);
    }

    @Test
    void onAPipeReadinessIsOneLineAndTheWaitIsNone() throws Exception {
        Map<String, String> env = new HashMap<>();
        ProcessBuilder builder = environment(LauncherProcess.builder(slowAgent(env, "6000", 9000)
                .toArray(String[]::new))).redirectOutput(temp.resolve("stdout").toFile())
                .redirectError(ProcessBuilder.Redirect.PIPE);
        builder.environment().putAll(env);
        launcher = builder.start();
        String stderr = new String(launcher.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "launcher still running");
        assertEquals(3, launcher.exitValue(), stderr);
        List<String> ready = stderr.lines().filter(line -> line.startsWith(
                "k3s-launcher agent: k3s agent is ready after ")).toList();
        assertEquals(1, ready.size(), stderr);
        assertTrue(ready.getFirst().matches("k3s-launcher agent: k3s agent is ready after \\d+\\.\\ds "
                + "\\(kubelet healthz on 127\\.0\\.0\\.1:" + healthzPort + "\\)"), stderr);
        assertFalse(stderr.contains("waiting for"), stderr);
        assertTrue(stderr.indexOf("k3s agent started (pid ") < stderr.indexOf("is ready after")
                && stderr.indexOf("is ready after") < stderr.indexOf("k3s agent ended: exit status 3"), stderr);
        assertFalse(stderr.contains("\r") || stderr.contains("\033"), stderr);
    }

    @Test
    void onATerminalTheWaitForReadinessIsToldEveryFiveSeconds() throws Exception {
        Map<String, String> env = new HashMap<>();
        String tty = onTerminal(slowAgent(env, "6000", 9000), false, env);

        String waiting = "k3s-launcher agent: waiting for the kubelet (127.0.0.1:" + healthzPort + "/healthz): 5s\r\n";
        assertTrue(tty.contains(waiting), tty);
        assertTrue(tty.indexOf("k3s agent started (pid ") < tty.indexOf(waiting)
                && tty.indexOf(waiting) < tty.indexOf("k3s-launcher agent: k3s agent is ready after "), tty);
        assertEquals(1, count(tty, "is ready after"), tty);
        assertFalse(tty.contains("\033"), "whole lines only while k3s runs: " + tty);
    }

    @Test
    void aNodeThatNeverGetsReadyIsWaitedForUntilItEnds() throws Exception {
        Map<String, String> env = new HashMap<>();
        String tty = onTerminal(slowAgent(env, "never", 6000), false, env);

        assertTrue(tty.contains("k3s-launcher agent: waiting for the kubelet (127.0.0.1:" + healthzPort
                + "/healthz): 5s\r\n"), tty);
        assertFalse(tty.contains("is ready"), tty);
        int ended = tty.indexOf("k3s-launcher agent: k3s agent ended: exit status 3");
        assertTrue(ended >= 0 && !tty.substring(ended).contains("waiting for"), tty);
    }

    private String onTerminal(List<String> args, boolean progressOff) throws Exception {
        return onTerminal(args, progressOff, Map.of());
    }

    /**
     * Runs {@code bin/k3s-launcher ARGS} on a pseudo-terminal with {@code env} added and returns what it
     * wrote there (the terminal turns each {@code \n} into {@code \r\n}); the launcher must exit 3.
     */
    private String onTerminal(List<String> args, boolean progressOff, Map<String, String> env) throws Exception {
        Optional<Path> script = HostFacts.onPath("script");
        assumeTrue(script.isPresent(), "util-linux script(1) is not installed: no pseudo-terminal to run the "
                + "launcher on (Debian package bsdutils)");
        List<String> command = new ArrayList<>(List.of(LauncherProcess.script().toString()));
        command.addAll(args);
        // -e: script exits as the launcher did; -q: no start and end banners; the typescript is thrown away.
        ProcessBuilder builder = environment(new ProcessBuilder(script.get().toString(), "-qec",
                ShellWords.quote(command), "/dev/null"));
        builder.environment().putAll(env);
        if (progressOff) {
            builder.environment().put("PANATRACE_PROGRESS", "0");
        }
        Path tty = temp.resolve("tty");
        launcher = builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(tty.toFile()).redirectErrorStream(true).start();
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "launcher still running: " + Files.readString(tty));
        String written = Files.readString(tty);
        assertEquals(3, launcher.exitValue(), written);
        return written;
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }
}
