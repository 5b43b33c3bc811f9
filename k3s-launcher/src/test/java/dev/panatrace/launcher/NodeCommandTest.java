package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.procsys.SysctlProfile;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code server} and {@code agent} running the k3s stand-in, and a stand-in left without the launcher. */
@Timeout(90)
class NodeCommandTest {
    private static final List<String> KUBELET_KEYS = List.of("vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic",
            "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
            "net/ipv4/conf/all/route_localnet", "net/ipv4/conf/all/forwarding");

    @TempDir
    Path temp;

    private String standin;
    private Path record;
    private Process launcher;

    @BeforeEach
    void standIn() {
        Tracees.assumePtraceAllowed();
        standin = Tracees.go("k3sstandin").toString();
        record = temp.resolve("record");
    }

    @AfterEach
    void cleanUp() {
        if (launcher != null && launcher.isAlive()) {
            LauncherProcess.kill(launcher);
        }
    }

    private ProcessBuilder builder(String... args) {
        ProcessBuilder builder = LauncherProcess.builder(args);
        builder.environment().put("K3SSTANDIN_RECORD", record.toString());
        builder.environment().remove("PANATRACE_SYSCTL_TRACED");
        return builder;
    }

    @Test
    void anAgentRunsUntilSigtermAndExitsAsK3sDid() throws Exception {
        Map<String, String> hostBefore = hostValues();
        Path stdout = temp.resolve("stdout");
        Path stderr = temp.resolve("stderr");
        launcher = builder("agent", "--k3s", standin, "--status-interval", "1", "--server", "https://cp:6443",
                "--token", "t0k3n", "--node-name", "worker-1", "--kubelet-arg=v=2")
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        awaitLine(stdout, "k3s stand-in up");
        awaitLine(stderr, "k3s-launcher agent: k3s agent has been up for 1s");

        new ProcessBuilder("kill", "-TERM", Long.toString(launcher.pid())).start().waitFor();

        assertTrue(launcher.waitFor(20, TimeUnit.SECONDS), "launcher still running");
        assertEquals(128 + 15, launcher.exitValue(), Files.readString(stderr));
        assertTrue(Files.readString(stdout).contains("k3s stand-in stopping\n"), Files.readString(stdout));
        List<String> lines = Files.readAllLines(record);
        assertEquals(List.of("start", "arg agent", "arg --server", "arg https://cp:6443", "arg --token", "arg t0k3n",
                "arg --node-name", "arg worker-1", "arg --kubelet-arg=v=2"), lines.subList(0, 9));
        assertTrue(lines.contains("env PANATRACE_SYSCTL_TRACED=1"), lines.toString());
        assertTrue(Files.readString(stdout).contains("write net/ipv4/conf/all/forwarding 1\n"));
        assertTrue(Files.readString(stderr).contains("k3s-launcher agent: k3s agent started (pid "),
                Files.readString(stderr));
        assertEquals(hostBefore, hostValues(), "the host's /proc/sys must not change");
    }

    @Test
    void twoAgentsRunSideBySideWithTheirOwnDataDirsAndNodeNames() throws Exception {
        List<Process> agents = new java.util.ArrayList<>();
        try {
            Map<String, Integer> healthzPorts = new LinkedHashMap<>();
            for (String name : List.of("w1", "w2")) {
                // Each kubelet serves its healthz on a port of its own, as two real ones would have to.
                int healthzPort = NodeProgressTest.freePort();
                healthzPorts.put(name, healthzPort);
                ProcessBuilder agent = builder("agent", "--k3s", standin, "--data-dir", temp.resolve("data-" + name).toString(),
                        "--server", "https://cp:6443", "--token", "t", "--node-name", name,
                        "--kubelet-arg=healthz-port=" + healthzPort);
                agent.environment().put("K3SSTANDIN_RECORD", temp.resolve("record-" + name).toString());
                agents.add(agent.redirectOutput(temp.resolve("stdout-" + name).toFile())
                        .redirectError(temp.resolve("stderr-" + name).toFile()).start());
            }
            for (String name : List.of("w1", "w2")) {
                Path out = temp.resolve("stdout-" + name);
                Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
                Path err = temp.resolve("stderr-" + name);
                String ready = "k3s agent is ready after ";
                String on = "(kubelet healthz on 127.0.0.1:" + healthzPorts.get(name) + ")";
                while (!(Files.exists(out) && Files.readString(out).contains("k3s stand-in up") && Files.exists(err)
                        && Files.readString(err).lines().anyMatch(line -> line.contains(ready) && line.endsWith(on)))) {
                    assertTrue(Instant.now().isBefore(deadline), "agent " + name + " did not come up: "
                            + Files.readString(temp.resolve("stderr-" + name)));
                    Thread.sleep(50);
                }
            }
            assertTrue(agents.stream().allMatch(Process::isAlive), "both agents up at once");
            for (Process agent : agents) {
                new ProcessBuilder("kill", "-TERM", Long.toString(agent.pid())).start().waitFor();
            }
            for (int i = 0; i < 2; i++) {
                String name = List.of("w1", "w2").get(i);
                assertTrue(agents.get(i).waitFor(20, TimeUnit.SECONDS), "agent " + name + " still running");
                assertEquals(143, agents.get(i).exitValue(), Files.readString(temp.resolve("stderr-" + name)));
                List<String> lines = Files.readAllLines(temp.resolve("record-" + name));
                assertTrue(lines.contains("arg --node-name") && lines.contains("arg " + name), lines.toString());
                assertTrue(lines.contains("arg " + temp.resolve("data-" + name)), lines.toString());
            }
        } finally {
            agents.forEach(LauncherProcess::kill);
        }
    }

    @Test
    void withoutTheLauncherAHiddenKeyFailsTheStandInAsKubelet() throws Exception {
        Path profile = temp.resolve("no-panic.conf");
        Files.writeString(profile, SysctlProfile.builtIn("k3s").settings().stream()
                .filter(setting -> !setting.key().name().equals("kernel.panic"))
                .map(setting -> setting.key().name() + " = " + setting.value())
                .collect(Collectors.joining("\n", "", "\n")));
        ProcessBuilder run = builder("run", "--profile", profile.toString(), "--missing", "enoent", "--", standin,
                "agent");
        run.environment().put("PANATRACE_SYSCTL_TRACED", "1");

        ProcessResult result = LauncherProcess.run(run, null);

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("FAIL read kernel/panic: open /proc/sys/kernel/panic: no such file"),
                result.stderr());
    }

    @Test
    void theStandInRefusesToWriteTheHost() {
        ProcessResult result = LauncherProcess.run(new ProcessBuilder(standin, "agent"), null);
        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("refusing to write /proc/sys"), result.stderr());
    }

    @Test
    void aControlPlaneOnlyServerRunsWithoutAKubelet() throws Exception {
        Path stdout = temp.resolve("stdout");
        Path stderr = temp.resolve("stderr");
        int apiPort = NodeProgressTest.freePort();
        launcher = builder("server", "--k3s", standin, "--control-plane-only", "--no-workaround", "mount-propagation",
                "--cluster-init", "--https-listen-port", Integer.toString(apiPort))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        awaitLine(stdout, "k3s stand-in up");
        awaitLine(stderr, "k3s-launcher server: k3s server is ready after ");
        assertTrue(Files.readString(stderr).contains(" (API server accepting connections on 127.0.0.1:" + apiPort
                + ")\n"), Files.readString(stderr));
        // SIGTERM: a background job's SIGINT is ignored from its start, in the launcher as in any program.
        new ProcessBuilder("kill", "-TERM", Long.toString(launcher.pid())).start().waitFor();

        assertTrue(launcher.waitFor(20, TimeUnit.SECONDS), "launcher still running");
        assertEquals(128 + 15, launcher.exitValue(), Files.readString(stderr));
        assertEquals(List.of("start", "arg server", "arg --disable-agent", "arg --cluster-init"),
                Files.readAllLines(record).subList(0, 4));
        assertFalse(Files.readString(stdout).contains("write "), "no kubelet, no sysctl writes");
    }

    @Test
    void aDyingNodeIsRestartedUpToTheLimit() throws Exception {
        ProcessResult result = LauncherProcess.run(builder("agent", "--k3s", standin, "--max-restarts", "2",
                "--server", "https://cp:6443", "--token", "t", "--standin-exit=3"), null);

        assertEquals(3, result.exitCode(), result.stderr());
        assertEquals(3, Files.readAllLines(record).stream().filter(line -> line.equals("start")).count());
        assertTrue(result.stderr().contains("restarting k3s in 1s (restart 1 of 2)"), result.stderr());
        assertTrue(result.stderr().contains("restarting k3s in 2s (restart 2 of 2)"), result.stderr());
        assertTrue(result.stderr().contains("k3s agent started (pid "), result.stderr());
        assertTrue(result.stderr().contains("k3s agent ended: exit status 3"), result.stderr());
    }

    @Test
    void symlinkedCniPluginsAreReplacedByTheirFiles() throws Exception {
        Path real = Files.writeString(temp.resolve("host-local"), "#!/bin/sh\n");
        Path cni = Files.createDirectories(temp.resolve("cni"));
        Files.createSymbolicLink(cni.resolve("host-local"), real);
        ProcessBuilder agent = builder("agent", "--k3s", standin, "--cni-bin-dir", cni.toString(), "--server",
                "https://cp:6443", "--token", "t", "--standin-exit=0");
        agent.environment().put("K3SSTANDIN_CNI_BIN_DIR", cni.toString());

        ProcessResult result = LauncherProcess.run(agent, null);

        assertEquals(0, result.exitCode(), result.stderr());
        assertFalse(Files.isSymbolicLink(cni.resolve("host-local")));
        assertEquals("#!/bin/sh\n", Files.readString(cni.resolve("host-local")));
        assertTrue(result.stderr().contains("workaround cni-plugins: copied " + real + " over the link "),
                result.stderr());
    }

    @Test
    void withTheMountWorkaroundSwitchedOffTheStandInSeesAPrivateRoot() throws Exception {
        boolean rootShared = MountInfoLine.parseAll(Files.readString(Path.of("/proc/self/mountinfo"))).stream()
                .filter(line -> line.mountPoint().equals("/")).reduce((a, b) -> b).orElseThrow().shared();
        org.junit.jupiter.api.Assumptions.assumeFalse(rootShared, "/ is already shared here");

        ProcessResult result = LauncherProcess.run(builder("agent", "--k3s", standin, "--no-workaround",
                "mount-propagation", "--server", "https://cp:6443", "--token", "t", "--standin-exit=0"), null);

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("FAIL mount propagation: / is not a shared mount"), result.stderr());
        assertTrue(result.stderr().contains("workaround mount-propagation: disabled"), result.stderr());
    }

    @Test
    void planOnThisMachineShowsTheCommandAndTheProfile() {
        ProcessResult result = LauncherProcess.run("plan", "--k3s", standin, "agent", "--server", "https://cp:6443",
                "--token", "t", "--node-name", "w 2");
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals("k3s command:", lines.get(0));
        assertEquals("  " + standin + " agent --server https://cp:6443 --token t --node-name 'w 2'", lines.get(1));
        assertTrue(lines.contains("  PANATRACE_SYSCTL_TRACED=1"), result.stdout());
        for (Workaround workaround : Workaround.values()) {
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("  " + workaround.label() + " ")),
                    workaround + " in " + result.stdout());
        }
        assertTrue(lines.contains("  vm.overcommit_memory = 1"), result.stdout());
    }

    @Test
    void doctorChecksThisMachine() throws IOException {
        ProcessResult result = LauncherProcess.run("doctor");
        List<String> lines = result.stdout().lines().toList();
        boolean blocker = lines.stream().anyMatch(line -> line.endsWith("[blocker]"));
        assertEquals(blocker ? 1 : 0, result.exitCode(), result.stdout() + result.stderr());
        // Ptrace works here: the tests that trace would have been skipped otherwise.
        assertTrue(lines.contains("\u2713 ptrace: a traced 'true' ran to its end \u2014 k3s runs under the engine"),
                result.stdout());
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        assertTrue(lines.getFirst().contains(release), lines.getFirst());
        assertEquals("\u2713 kernel: Linux " + release + " \u2014 nothing to do", lines.getFirst());
        // This kernel has process_vm_readv/writev, which the engine tries first.
        assertTrue(lines.contains("\u2713 tracee memory: reads with process_vm_readv, writes with process_vm_writev "
                + "\u2014 nothing to do"), result.stdout());
        for (String topic : List.of("seccomp", "tracee memory", "root filesystem", "/dev/kmsg", "mount propagation",
                "cgroups", "CNI plugins", "overlay", "kubelet sysctls")) {
            assertTrue(lines.stream().anyMatch(line -> line.matches("[\u2713\u2717] " + topic + ": .+ \u2014 .+")),
                    topic + " in " + result.stdout());
        }
        String kmsg = Files.isReadable(Path.of("/dev/kmsg")) ? "\u2713 /dev/kmsg: readable" : "\u2717 /dev/kmsg:";
        assertTrue(lines.stream().anyMatch(line -> line.startsWith(kmsg)), result.stdout());
    }

    private void awaitLine(Path file, String prefix) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(file) && Files.readString(file).lines().anyMatch(line -> line.startsWith(prefix))) {
                return;
            }
            if (!launcher.isAlive()) {
                throw new AssertionError("the launcher ended with " + launcher.exitValue() + " before '" + prefix
                        + "':\n" + Files.readString(temp.resolve("stderr")));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line '" + prefix + "' in " + file + ":\n" + Files.readString(file));
    }

    private static Map<String, String> hostValues() throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : KUBELET_KEYS) {
            Path file = Path.of("/proc/sys", key);
            values.put(key, Files.exists(file) ? new String(Files.readAllBytes(file)) : "(none)");
        }
        return values;
    }
}
