package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.Gvisor;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code bin/k3s-launcher} inside gVisor ({@code runsc do}), on its overlay root and on the 9p root the seed
 * research's kubelet rejected: {@code doctor}, {@code run --fake-fs} under a cAdvisor-like reader, and an
 * agent (the k3s stand-in) started with no launcher option. The expectations are those of Debian's runsc
 * 0.0~20221219.0, which {@code bin/test} installs.
 */
@Timeout(180)
class InsideGvisorTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** The mountinfo line of "/", with its maj:min and fstype as groups 1 and 2. */
    private static final Pattern ROOT_LINE = Pattern.compile("(?m)^\\d+ \\d+ (\\d+:\\d+) / / \\S+ .*- (\\S+) .*$");

    @TempDir
    Path temp;

    @BeforeEach
    void sandbox() {
        Gvisor.assumeRunnable();
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void doctorRecognizesGvisorAndSaysHowTheEngineRunsThere(Gvisor.Root root) {
        ProcessResult doctor = Gvisor.run(root, TIMEOUT, List.of(LauncherProcess.script().toString(), "doctor"));

        assertEquals(0, doctor.exitCode(), doctor.stdout() + doctor.stderr());
        List<String> lines = doctor.stdout().lines().toList();
        assertEquals("\u2713 kernel: gVisor, release 4.4.0 (kernel log: \"Starting gVisor...\") \u2014 the engine finds "
                + "gVisor's seccomp stop order and memory access by itself; the node's workarounds below take gVisor "
                + "into account", lines.getFirst());
        assertTrue(lines.contains("\u2713 seccomp: a seccomp filter installed in the traced command \u2014 only path "
                + "syscalls stop"), doctor.stdout());
        assertTrue(lines.contains("\u2717 tracee memory: reads through /proc/PID/mem, writes word by word with "
                + "PTRACE_POKEDATA (the kernel refused the faster ways) \u2014 paths are rewritten all the same, with "
                + "more system calls per rewrite"), doctor.stdout());
        String rootSeen = root == Gvisor.Root.NINE_P ? "9p, which cAdvisor cannot use" : "overlay, gVisor's own";
        assertTrue(lines.contains("\u2717 root filesystem: " + rootSeen + " \u2014 server and agent show / to k3s as "
                + "ext4 (fake-root-fs)"), doctor.stdout());
        assertTrue(lines.contains("\u2717 mount propagation: / is not shared \u2014 mount --make-shared / in k3s's mount "
                + "namespace (mount-propagation)"), doctor.stdout());
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void underFakeFsCadvisorSeesAnExt4RootOnItsDeviceWithSizes(Gvisor.Root root) {
        String cadvisor = Tracees.go("cadvisorfs").toString();
        String script = cadvisor + "; " + cadvisor + " -magic; cat /proc/self/mountinfo /proc/$$/mountinfo; "
                + "stat -c %d /";

        ProcessResult untraced = Gvisor.run(root, TIMEOUT, List.of("sh", "-c", cadvisor + "; " + cadvisor + " -magic"));
        ProcessResult disguised = Gvisor.run(root, TIMEOUT, List.of(LauncherProcess.script().toString(), "run",
                "--fake-fs", "/=ext4", "--", "sh", "-c", script));

        String type = root == Gvisor.Root.NINE_P ? "9p" : "overlay";
        String magic = root == Gvisor.Root.NINE_P ? "1021997" : "794c7630";
        assertEquals("fstype=" + type + " device-match=true blocks>0=true\nstatfs=" + magic + " fstatfs=" + magic
                + "\n", untraced.stdout(), untraced.stderr());
        assertEquals(0, disguised.exitCode(), disguised.stderr());
        List<String> lines = disguised.stdout().lines().toList();
        assertEquals(List.of("fstype=ext4 device-match=true blocks>0=true", "statfs=ef53 fstatfs=ef53"),
                lines.subList(0, 2));
        // Both names of the table show the disguised line, with gVisor's own maj:min (major 0) kept.
        Matcher roots = ROOT_LINE.matcher(disguised.stdout());
        for (int table = 0; table < 2; table++) {
            assertTrue(roots.find(), "no root line in table " + table + ":\n" + disguised.stdout());
            assertEquals("ext4", roots.group(2), roots.group());
            assertTrue(roots.group().endsWith(" - ext4 /dev/vda1 rw"), roots.group());
        }
        String[] device = roots.group(1).split(":");
        assertEquals("0", device[0]);
        // coreutils' stat uses statx with AT_NO_AUTOMOUNT, which this gVisor refuses untraced.
        assertEquals(device[1], lines.getLast(), "st_dev of / (major 0) against mountinfo's " + roots.group(1));
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void anAgentWithNoLauncherOptionGetsTheK3sProfileAndAnExt4Root(Gvisor.Root root) throws IOException {
        Path record = temp.resolve("record");
        String standin = Tracees.go("k3sstandin").toString();

        ProcessResult agent = Gvisor.run(root, TIMEOUT, List.of(LauncherProcess.script().toString(), "agent",
                "--server", "https://cp:6443", "--token", "t", "--standin-rootfs", "--standin-exit=0"), environment -> {
                    environment.put("K3S_BIN", standin);
                    environment.put("K3SSTANDIN_RECORD", record.toString());
                    environment.remove("PANATRACE_SYSCTL_TRACED");
                });

        assertEquals(0, agent.exitCode(), agent.stdout() + agent.stderr());
        List<String> out = agent.stdout().lines().toList();
        // gVisor has none of these keys: the stand-in wrote and read them back in the k3s profile.
        assertTrue(out.containsAll(List.of("write net/netfilter/nf_conntrack_tcp_timeout_established 86400",
                "write net/bridge/bridge-nf-call-iptables 1", "k3s stand-in up")), agent.stdout());
        // Its cAdvisor-like check: type from mountinfo, st_dev against maj:min, a size from statfs.
        assertTrue(out.stream().anyMatch(line -> line.matches("cadvisor root ext4 0:\\d+")), agent.stdout());
        String reason = root == Gvisor.Root.NINE_P ? "root filesystem 9p is not a type cAdvisor takes stats from"
                : "root filesystem overlay is gVisor's own, not a disk's";
        assertTrue(agent.stderr().contains("k3s-launcher agent: workaround fake-root-fs: applied: " + reason
                + ": / shown to the node as ext4"), agent.stderr());
        assertTrue(agent.stderr().contains("k3s-launcher agent: disguise: mount / shown as ext4 (mount tables, "
                + "statfs)\n"), agent.stderr());
        assertTrue(agent.stderr().contains("k3s-launcher agent: workaround mount-propagation: applied: "), agent.stderr());
        if (root == Gvisor.Root.NINE_P) {
            // Over 9p the sandbox writes the host's files; its overlay root keeps them to itself.
            List<String> recorded = Files.readAllLines(record);
            assertEquals(List.of("start", "arg agent", "arg --server", "arg https://cp:6443", "arg --token", "arg t",
                    "arg --standin-rootfs", "arg --standin-exit=0", "arg --snapshotter=native"),
                    recorded.subList(0, 9));
            assertTrue(recorded.contains("rootfs ext4 magic ef53"), recorded.toString());
        }
    }
}
