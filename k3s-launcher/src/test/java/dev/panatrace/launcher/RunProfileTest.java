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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/k3s-launcher run --profile}: the kubelet tracee, bad profiles, and a chroot in a mount namespace. */
@Timeout(90)
class RunProfileTest {
    @TempDir
    Path temp;

    private String kubelet;
    private String busybox;

    @BeforeEach
    void tracees() {
        Tracees.assumePtraceAllowed();
        kubelet = Tracees.go("kubeletsysctl").toString();
        busybox = Tracees.busybox().toString();
    }

    private static ProcessResult launch(String... args) {
        ProcessBuilder builder = LauncherProcess.builder(args);
        builder.environment().put("PANATRACE_SYSCTL_TRACED", "1");
        return LauncherProcess.run(builder, null);
    }

    /** {@code --sysctl} overrides that kubelet and kube-proxy disagree with, so that each writes. */
    static final List<String> OVERRIDES = List.of("--sysctl", "vm.overcommit_memory=0", "--sysctl", "kernel.panic=0",
            "--sysctl", "kernel.panic_on_oops=0", "--sysctl", "net.ipv4.conf.all.route_localnet=0");
    /** Lines kubeletsysctl prints under {@link #OVERRIDES}: the writes, and its child reading one back. */
    static final List<String> WRITES = List.of("kubelet write vm/overcommit_memory 1", "kubelet write kernel/panic 10",
            "kubelet write kernel/panic_on_oops 1", "kube-proxy write net/ipv4/conf/all/route_localnet 1",
            "check read kernel/panic 10");

    @Test
    void kubeletWritesItsTunablesIntoTheTreeAndTheHostStaysUntouched() throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--profile", "k3s", "--report"));
        args.addAll(OVERRIDES);
        args.addAll(List.of("--", kubelet));
        Map<String, Optional<String>> hostBefore = hostValues(touchedKeys());

        ProcessResult result = launch(args.toArray(String[]::new));

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().endsWith("kubelet-sysctl ok\n"), result.stdout());
        for (String write : WRITES) {
            assertTrue(result.stdout().contains(write + "\n"), write + " in\n" + result.stdout());
        }
        assertTrue(result.stderr().contains("k3s-launcher: sysctl vm.overcommit_memory: read "), result.stderr());
        assertTrue(result.stderr().contains("written 1, refused 0, value '1'"), result.stderr());
        assertEquals(hostBefore, hostValues(touchedKeys()), "the host's /proc/sys must not change");
        assertEquals(hostBefore.keySet(), keysIn(result.stdout()), "every key the tracee touched was compared");
    }

    @Test
    void aHiddenKeyFailsKubeletAsTheKernelWould() throws Exception {
        Path profile = temp.resolve("no-panic.conf");
        String lines = SysctlProfile.builtIn("k3s").settings().stream()
                .filter(setting -> !setting.key().name().equals("kernel.panic"))
                .map(setting -> setting.key().name() + " = " + setting.value())
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(profile, lines);

        ProcessResult result = launch("run", "--profile", profile.toString(), "--missing", "enoent", "--", kubelet);

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("FAIL kubelet read kernel/panic: open /proc/sys/kernel/panic: "
                + "no such file or directory"), result.stderr());
    }

    @Test
    void aBadProfileLineIsOneLineAndNothingRuns() throws Exception {
        Path profile = Files.writeString(temp.resolve("bad.conf"), "kernel.panic = 1\nvm.overcommit_memory = abc\n");
        Path marker = temp.resolve("ran");

        ProcessResult result = launch("run", "--profile", profile.toString(), "--", busybox, "touch", marker.toString());

        assertEquals(2, result.exitCode());
        assertEquals(1, result.stderr().lines().count(), result.stderr());
        assertTrue(result.stderr().startsWith("k3s-launcher run: " + profile + ":2: "), result.stderr());
        assertFalse(Files.exists(marker));
        ProcessResult override = launch("run", "--profile", "k3s", "--sysctl", "kernel.panic=x", "--", busybox, "true");
        assertEquals(2, override.exitCode());
        assertTrue(override.stderr().startsWith("k3s-launcher run: --sysctl:1: "), override.stderr());
    }

    @Test
    void aChrootInAPrivateMountNamespaceSeesItsOwnProc() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root/bin")).getParent();
        Files.createDirectories(root.resolve("proc"));
        Files.copy(Path.of(busybox), root.resolve("bin/busybox"));
        String hostPanic = hostValues(List.of("kernel/panic")).get("kernel/panic").orElseThrow();
        String script = "cat /proc/sys/kernel/panic; mount -t proc proc " + root + "/proc && chroot " + root
                + " /bin/busybox cat /proc/sys/kernel/ostype /proc/sys/kernel/panic";

        ProcessResult result = launch("run", "--profile", "k3s", "--missing", "enoent", "--sysctl", "kernel.panic=77",
                "--", "unshare", "-m", busybox, "sh", "-c", script);

        assertEquals(0, result.exitCode(), result.stderr());
        // Before the chroot the private namespace still holds the tree; inside, the host's procfs answers.
        assertEquals("77\n" + Files.readString(Path.of("/proc/sys/kernel/ostype")) + hostPanic, result.stdout());
    }

    /** Every key kubeletsysctl reads, writes or stats. */
    static List<String> touchedKeys() {
        return List.of("vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
                "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes", "net/ipv4/conf/all/route_localnet",
                "net/netfilter/nf_conntrack_max", "net/netfilter/nf_conntrack_tcp_timeout_established",
                "net/netfilter/nf_conntrack_tcp_timeout_close_wait", "net/ipv4/conf/all/forwarding",
                "net/bridge/bridge-nf-call-iptables");
    }

    static TreeSet<String> keysIn(String kubeletOutput) {
        return kubeletOutput.lines().map(line -> line.split(" ")).filter(words -> words.length == 4)
                .map(words -> words[2]).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The host's values, read with cat: the kernel's integer files give EOF to reads past offset 0. */
    static Map<String, Optional<String>> hostValues(List<String> keys) throws IOException, InterruptedException {
        Map<String, Optional<String>> values = new LinkedHashMap<>();
        for (String key : new TreeSet<>(keys)) {
            Process cat = new ProcessBuilder("cat", "/proc/sys/" + key).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String value = new String(cat.getInputStream().readAllBytes());
            values.put(key, cat.waitFor() == 0 ? Optional.of(value) : Optional.empty());
        }
        return values;
    }
}
