package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.Gvisor;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code bin/k3s-launcher run --profile k3s} inside gVisor, on both roots, where kubelet's keys are what the seed's
 * worker died of: gVisor's own /proc/sys lacks {@code kernel/panic}, {@code vm/panic_on_oom},
 * {@code net/bridge/*} and {@code net/netfilter/*}, and refuses writes to the keys it has. Under the launcher every
 * key of the profile is served, kubelet's sequence ({@code kubeletsysctl}, as in {@link RunProfileTest}) writes
 * its tunables and a child process sees them, an invalid value is refused with EINVAL and a read-only key with
 * EACCES, and gVisor's /proc/sys and the host's stay as they were.
 */
@Timeout(240)
class GvisorKubeletSysctlTest {
    /** One sandbox; each launcher run in it takes 1-3 s here. */
    private static final Duration SANDBOX_TIMEOUT = Duration.ofSeconds(200);
    /** What the wildcard rules ({@code net.ipv4.conf.*.forwarding}) are read as: the one interface gVisor has here. */
    private static final String INTERFACE = "lo";

    private static final String SCRIPT = """
            L=$1 K=$2 B=$3 T=$4 KEYS=$5
            shift 5
            snapshot() {
                for k in $KEYS; do
                    if v=$(cat "/proc/sys/$k" 2>/dev/null); then echo "$k $v"; else echo "$k missing"; fi
                done
            }
            echo "@@@ before"; snapshot
            echo "@@@ profile"; "$L" sysctl --profile k3s -a
            echo "@@@ kubelet"
            PANATRACE_SYSCTL_TRACED=1 "$L" run --profile k3s --report "$@" -- "$K" 2>"$T/kubelet.err"
            echo "status $?"
            echo "@@@ kubelet report"; cat "$T/kubelet.err"
            echo "@@@ served"
            "$L" run --profile k3s -- "$B" sh -c 'for k; do IFS= read -r v < "/proc/sys/$k" && echo "$k = $v"; done' \\
                sh $KEYS 2>&1
            echo "@@@ refused"
            "$L" run --profile k3s --report -- "$B" sh -c '
                echo abc > /proc/sys/vm/overcommit_memory; echo "invalid $?"; cat /proc/sys/vm/overcommit_memory
                echo 0 > /proc/sys/kernel/random/boot_id; echo "read-only $?"
                echo 2 > /proc/sys/vm/overcommit_memory; echo "valid $?"; cat /proc/sys/vm/overcommit_memory' \\
                2>"$T/refused.err"
            echo "@@@ refused report"; cat "$T/refused.err"
            echo "@@@ after"; snapshot
            """;

    @TempDir
    Path temp;

    @BeforeEach
    void requirements() {
        Gvisor.assumeRunnable();
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void everyKeyIsServedKubeletsWritesPersistAndGvisorsValuesStay(Gvisor.Root root) throws Exception {
        List<String> profileKeys = profileKeys();
        Map<String, Optional<String>> hostBefore = RunProfileTest.hostValues(profileKeys);

        List<String> arguments = new ArrayList<>(List.of(LauncherProcess.script().toString(),
                Tracees.go("kubeletsysctl").toString(), Tracees.busybox().toString(), temp.toString(),
                String.join(" ", profileKeys)));
        arguments.addAll(RunProfileTest.OVERRIDES);

        ProcessResult result = Gvisor.runScript(root, SANDBOX_TIMEOUT, SCRIPT, arguments,
                environment -> environment.remove("PANATRACE_SYSCTL_TRACED"));

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("", result.stderr());
        Map<String, String> sections = ScriptSections.parse(result.stdout());
        assertEquals(List.of("", "before", "profile", "kubelet", "kubelet report", "served", "refused", "refused report",
                "after"), ScriptSections.names(sections), result.stdout());

        // Every key of the profile reads as the profile says; the boot id is drawn per run.
        String expected = sections.get("profile").lines()
                .map(line -> line.replace("*", INTERFACE))
                .map(line -> line.startsWith("kernel.random.boot_id = ") ? "kernel.random.boot_id = UUID" : line)
                .map(GvisorKubeletSysctlTest::asPath)
                .collect(Collectors.joining("\n", "", "\n"));
        String served = sections.get("served").replaceFirst(
                "kernel/random/boot_id = \\p{XDigit}{8}(-\\p{XDigit}{4}){3}-\\p{XDigit}{12}\n", "kernel/random/boot_id = UUID\n");
        assertEquals(expected, served);
        assertEquals(profileKeys.size(), served.lines().count(), served);

        String kubelet = sections.get("kubelet");
        assertTrue(kubelet.endsWith("kubelet-sysctl ok\nstatus 0\n"), kubelet + sections.get("kubelet report"));
        for (String write : RunProfileTest.WRITES) {
            assertTrue(kubelet.contains(write + "\n"), write + " in\n" + kubelet);
        }
        assertEquals(RunProfileTest.touchedKeys().stream().sorted().toList(), List.copyOf(RunProfileTest.keysIn(kubelet)),
                kubelet);
        assertTrue(sections.get("kubelet report").contains(
                "k3s-launcher: sysctl vm.overcommit_memory: read 3, written 1, refused 0, value '1'\n"),
                sections.get("kubelet report"));

        assertEquals("invalid 1\n1\nread-only 1\nvalid 0\n2\n", sections.get("refused"), sections.get("refused report"));
        String refusedReport = sections.get("refused report");
        assertTrue(refusedReport.contains("Invalid argument"), refusedReport);
        assertTrue(refusedReport.contains("Permission denied"), refusedReport);
        assertTrue(refusedReport.contains("k3s-launcher: sysctl vm.overcommit_memory: read 2, written 1, refused 1, "
                + "value '2'\n"), refusedReport);

        // gVisor's own /proc/sys: lacking most keys, holding 0 where kubelet wrote 1; unchanged by all of it.
        assertEquals(sections.get("before"), sections.get("after"));
        assertTrue(sections.get("before").contains("kernel/panic missing\n"), sections.get("before"));
        assertTrue(sections.get("before").contains("vm/overcommit_memory 0\n"), sections.get("before"));
        assertEquals(hostBefore, RunProfileTest.hostValues(profileKeys), "the host's /proc/sys must not change");
    }

    /** The keys of the k3s profile as paths below /proc/sys, with wildcards read as {@link #INTERFACE}. */
    private static List<String> profileKeys() {
        ProcessResult profile = LauncherProcess.run("sysctl", "--profile", "k3s", "-N", "-a");
        assertEquals(0, profile.exitCode(), profile.toString());
        List<String> keys = new ArrayList<>();
        profile.stdout().lines().forEach(name -> keys.add(asPath(name.replace("*", INTERFACE))));
        return keys;
    }

    /** {@code net.ipv4.ip_forward = 1} as {@code net/ipv4/ip_forward = 1}: the name's dots become slashes. */
    private static String asPath(String line) {
        int end = line.indexOf(" = ");
        String name = end < 0 ? line : line.substring(0, end);
        return name.replace('.', '/') + (end < 0 ? "" : line.substring(end));
    }
}
