package dev.panatrace.ptrace.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubeletsysctl tracee without a tracer: against the host's /proc/sys it only reads
 * ({@code -only-read}), and it writes only files below a test directory ({@code -root}), never the
 * host's kernel settings.
 */
@Timeout(120)
class KubeletSysctlTraceeTest {
    private static final String TRACED_ENV = "PANATRACE_SYSCTL_TRACED";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);
    /** Passed explicitly so that the expected output does not depend on the CPU count. */
    private static final int CONNTRACK_MAX = 262144;

    /** The keys kubelet and kube-proxy read and write if different, and the values they want. */
    private static final Map<String, Integer> KUBELET = ordered(
            "vm/overcommit_memory", 1, "vm/panic_on_oom", 0, "kernel/panic", 10, "kernel/panic_on_oops", 1,
            "kernel/keys/root_maxkeys", 1000000, "kernel/keys/root_maxbytes", 25000000);
    private static final Map<String, Integer> KUBE_PROXY = ordered("net/ipv4/conf/all/route_localnet", 1);
    /** The keys k3s writes unconditionally. */
    private static final Map<String, Integer> K3S = ordered(
            "net/netfilter/nf_conntrack_max", CONNTRACK_MAX,
            "net/netfilter/nf_conntrack_tcp_timeout_established", 86400,
            "net/netfilter/nf_conntrack_tcp_timeout_close_wait", 3600,
            "net/ipv4/conf/all/forwarding", 1,
            "net/bridge/bridge-nf-call-iptables", 1);
    private static final String BRIDGE = "net/bridge/bridge-nf-call-iptables";

    @TempDir
    Path temp;

    @Test
    void onlyReadReportsTheHostsValuesAndWritesNothing() throws IOException {
        Path procSys = Path.of("/proc/sys");
        Map<String, Optional<Integer>> before = hostValues(procSys);

        ProcessResult result = run(Map.of(), "-only-read", "-conntrack-max", String.valueOf(CONNTRACK_MAX));

        assertEquals(before, hostValues(procSys), "the host's /proc/sys changed");
        List<String> missing = before.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
        if (!missing.isEmpty()) {
            // A host without br_netfilter or nf_conntrack: the tool fails the way kubelet or k3s would.
            assertEquals(1, result.exitCode(), result.toString());
            assertTrue(Pattern.matches("FAIL (kubelet|kube-proxy|k3s) read (\\S+): open /proc/sys/\\2: "
                    + "no such file or directory\n", result.stderr()), result.stderr());
            assertTrue(missing.contains(result.stderr().split(" ")[3].replace(":", "")), result.stderr());
            return;
        }
        List<String> expected = new ArrayList<>();
        for (var component : List.of(Map.entry("kubelet", KUBELET), Map.entry("kube-proxy", KUBE_PROXY),
                Map.entry("k3s", K3S))) {
            component.getValue().forEach((key, wanted) -> {
                int host = before.get(key).orElseThrow();
                expected.add(component.getKey() + " read " + key + " " + host);
                if (host != wanted) {
                    expected.add(component.getKey() + " would-write " + key + " " + wanted);
                }
            });
        }
        expected.add("flannel stat " + BRIDGE + " " + goMode(procSys.resolve(BRIDGE)));
        before.forEach((key, value) -> expected.add("check read " + key + " " + value.orElseThrow()));
        expected.add("kubelet-sysctl ok");
        assertEquals(new ProcessResult(0, String.join("\n", expected) + "\n", ""), result);
    }

    @Test
    void writesWhatDiffersReadsItBackAndTheChildSeesIt() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("vm/overcommit_memory", "0\n");
        files.put("vm/panic_on_oom", "0\n");
        files.put("kernel/panic", "0\n");
        files.put("kernel/panic_on_oops", "1\n");
        files.put("kernel/keys/root_maxkeys", "200\n");
        // kubelet trims spaces and newlines around the number.
        files.put("kernel/keys/root_maxbytes", " 25000000 \n");
        files.put("net/ipv4/conf/all/route_localnet", "0\n");
        files.put("net/netfilter/nf_conntrack_max", "65536\n");
        files.put("net/netfilter/nf_conntrack_tcp_timeout_established", "432000\n");
        files.put("net/netfilter/nf_conntrack_tcp_timeout_close_wait", "60\n");
        files.put("net/ipv4/conf/all/forwarding", "0\n");
        files.put(BRIDGE, "1\n");
        Path root = tree(files);

        ProcessResult result = run(Map.of(), "-root", root.toString(), "-conntrack-max", String.valueOf(CONNTRACK_MAX));

        assertEquals(new ProcessResult(0, """
                kubelet read vm/overcommit_memory 0
                kubelet write vm/overcommit_memory 1
                kubelet read vm/overcommit_memory 1
                kubelet read vm/panic_on_oom 0
                kubelet read kernel/panic 0
                kubelet write kernel/panic 10
                kubelet read kernel/panic 10
                kubelet read kernel/panic_on_oops 1
                kubelet read kernel/keys/root_maxkeys 200
                kubelet write kernel/keys/root_maxkeys 1000000
                kubelet read kernel/keys/root_maxkeys 1000000
                kubelet read kernel/keys/root_maxbytes 25000000
                kube-proxy read net/ipv4/conf/all/route_localnet 0
                kube-proxy write net/ipv4/conf/all/route_localnet 1
                kube-proxy read net/ipv4/conf/all/route_localnet 1
                k3s write net/netfilter/nf_conntrack_max 262144
                k3s read net/netfilter/nf_conntrack_max 262144
                k3s write net/netfilter/nf_conntrack_tcp_timeout_established 86400
                k3s read net/netfilter/nf_conntrack_tcp_timeout_established 86400
                k3s write net/netfilter/nf_conntrack_tcp_timeout_close_wait 3600
                k3s read net/netfilter/nf_conntrack_tcp_timeout_close_wait 3600
                k3s write net/ipv4/conf/all/forwarding 1
                k3s read net/ipv4/conf/all/forwarding 1
                k3s write net/bridge/bridge-nf-call-iptables 1
                k3s read net/bridge/bridge-nf-call-iptables 1
                flannel stat net/bridge/bridge-nf-call-iptables -rw-r--r--
                check read vm/overcommit_memory 1
                check read vm/panic_on_oom 0
                check read kernel/panic 10
                check read kernel/panic_on_oops 1
                check read kernel/keys/root_maxkeys 1000000
                check read kernel/keys/root_maxbytes 25000000
                check read net/ipv4/conf/all/route_localnet 1
                check read net/netfilter/nf_conntrack_max 262144
                check read net/netfilter/nf_conntrack_tcp_timeout_established 86400
                check read net/netfilter/nf_conntrack_tcp_timeout_close_wait 3600
                check read net/ipv4/conf/all/forwarding 1
                check read net/bridge/bridge-nf-call-iptables 1
                kubelet-sysctl ok
                """, ""), result);
        // As kubelet does: the bare number, no newline; keys already right are not written.
        assertEquals("1", Files.readString(root.resolve("vm/overcommit_memory")));
        assertEquals("1000000", Files.readString(root.resolve("kernel/keys/root_maxkeys")));
        assertEquals("262144", Files.readString(root.resolve("net/netfilter/nf_conntrack_max")));
        assertEquals("1", Files.readString(root.resolve(BRIDGE)));
        assertEquals("0\n", Files.readString(root.resolve("vm/panic_on_oom")));
        assertEquals(" 25000000 \n", Files.readString(root.resolve("kernel/keys/root_maxbytes")));
    }

    @Test
    void onlyReadSaysWhatItWouldWriteAndLeavesTheFilesAlone() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        KUBELET.forEach((key, wanted) -> files.put(key, wanted + "\n"));
        files.put("kernel/panic", "0\n");
        KUBE_PROXY.forEach((key, wanted) -> files.put(key, "0\n"));
        K3S.forEach((key, wanted) -> files.put(key, wanted + "\n"));
        files.put("net/ipv4/conf/all/forwarding", "0\n");
        Path root = tree(files);

        ProcessResult result = run(Map.of(), "-only-read", "-root", root.toString(),
                "-conntrack-max", String.valueOf(CONNTRACK_MAX));

        assertEquals(0, result.exitCode(), result.toString());
        List<String> intents = result.stdout().lines().filter(line -> line.contains(" would-write ")).toList();
        assertEquals(List.of("kubelet would-write kernel/panic 10",
                "kube-proxy would-write net/ipv4/conf/all/route_localnet 1",
                "k3s would-write net/ipv4/conf/all/forwarding 1"), intents);
        assertTrue(result.stdout().contains("check read kernel/panic 0\n"), result.stdout());
        assertTrue(result.stdout().lines().noneMatch(line -> line.contains(" write ")), result.stdout());
        for (var file : files.entrySet()) {
            assertEquals(file.getValue(), Files.readString(root.resolve(file.getKey())), file.getKey());
        }
    }

    @Test
    void anUnreadableTunableStopsItLikeKubelet() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        KUBELET.forEach((key, wanted) -> files.put(key, wanted + "\n"));
        files.remove("vm/panic_on_oom");
        Path root = tree(files);

        ProcessResult result = run(Map.of(), "-root", root.toString());

        assertEquals(new ProcessResult(1, "kubelet read vm/overcommit_memory 1\n",
                "FAIL kubelet read vm/panic_on_oom: open " + root + "/vm/panic_on_oom: no such file or directory\n"),
                result);
    }

    @Test
    void aValueThatIsNotAnIntegerFails() throws IOException {
        Path root = tree(Map.of("vm/overcommit_memory", "always\n"));

        ProcessResult result = run(Map.of(), "-only-read", "-root", root.toString());

        assertEquals(new ProcessResult(1, "",
                "FAIL kubelet read vm/overcommit_memory: strconv.Atoi: parsing \"always\": invalid syntax\n"), result);
    }

    @Test
    void aFailedWriteStopsK3sAfterTheOtherComponentsLines() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        KUBELET.forEach((key, wanted) -> files.put(key, wanted + "\n"));
        KUBE_PROXY.forEach((key, wanted) -> files.put(key, wanted + "\n"));
        Path root = tree(files);
        Path closeWait = root.resolve("net/netfilter/nf_conntrack_tcp_timeout_close_wait");
        Files.createDirectories(closeWait.getParent());
        // Every write to /dev/full fails with ENOSPC.
        Files.createSymbolicLink(closeWait, Path.of("/dev/full"));

        ProcessResult result = run(Map.of(), "-root", root.toString(), "-conntrack-max", "5");

        assertEquals(1, result.exitCode(), result.toString());
        List<String> lines = result.stdout().lines().toList();
        assertEquals(7 + 4, lines.size(), result.stdout());
        assertEquals(List.of("k3s write net/netfilter/nf_conntrack_max 5", "k3s read net/netfilter/nf_conntrack_max 5",
                "k3s write net/netfilter/nf_conntrack_tcp_timeout_established 86400",
                "k3s read net/netfilter/nf_conntrack_tcp_timeout_established 86400"), lines.subList(7, 11));
        assertEquals("FAIL k3s write net/netfilter/nf_conntrack_tcp_timeout_close_wait: write " + closeWait
                + ": no space left on device\n", result.stderr());
    }

    @Test
    void theCheckChildFailsWhenAValueDidNotPersist() throws IOException {
        Path root = tree(Map.of("vm/overcommit_memory", "0\n", "kernel/panic", "10\n"));

        ProcessResult result = run(Map.of(), "-check", "-root", root.toString(),
                "kernel/panic=10", "vm/overcommit_memory=1");

        assertEquals(new ProcessResult(1, "check read kernel/panic 10\ncheck read vm/overcommit_memory 0\n",
                "FAIL check read vm/overcommit_memory: got 0, want 1, the value the parent process left\n"), result);
    }

    /**
     * The guard against writing the host. The root lies under /proc/sys but does not exist, so even a
     * broken guard could not change a kernel setting: every open would fail with ENOENT.
     */
    @Test
    void refusesToWriteProcUnlessTheTracerSaysItServesIt() {
        String root = "/proc/sys/panatrace-test-does-not-exist";
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of(TRACED_ENV, "0"))) {
            ProcessResult result = run(env, "-root", root);

            assertEquals(2, result.exitCode(), result.toString());
            assertEquals("", result.stdout());
            assertTrue(result.stderr().startsWith("kubeletsysctl: refusing to write " + root + ": "
                    + TRACED_ENV + "=1 is not set"), result.stderr());
            assertEquals(1, result.stderr().lines().count(), result.stderr());
        }
    }

    @Test
    void positionalArgumentsAreAUsageError() {
        ProcessResult result = run(Map.of(), "-only-read", "extra");

        assertEquals(new ProcessResult(2, "", "kubeletsysctl: unexpected argument \"extra\"\n"), result);
    }

    /** Files below a fresh directory, mode 0644 whatever the umask. */
    private Path tree(Map<String, String> files) throws IOException {
        Path root = Files.createTempDirectory(temp, "sys");
        for (var file : files.entrySet()) {
            Path path = root.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return root;
    }

    /** Every key the tool reads, in the order its -check child reads them, with the host's value. */
    private static Map<String, Optional<Integer>> hostValues(Path procSys) {
        Map<String, Optional<Integer>> values = new LinkedHashMap<>();
        for (Map<String, Integer> keys : List.of(KUBELET, KUBE_PROXY, K3S)) {
            for (String key : keys.keySet()) {
                // One large read: Files.readString reads a size-0 file one byte first, and the kernel's
                // integer sysctls return end of file to a read at a non-zero offset.
                try (InputStream in = Files.newInputStream(procSys.resolve(key))) {
                    String text = new String(in.readNBytes(4096), StandardCharsets.US_ASCII);
                    values.put(key, Optional.of(Integer.parseInt(text.strip())));
                } catch (NoSuchFileException e) {
                    values.put(key, Optional.empty());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return values;
    }

    /** A file's type and permissions as Go's FileMode.String() prints them for a regular file. */
    private static String goMode(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " is not a regular file");
        return "-" + PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    /** Runs the tracee with these environment variables added; PANATRACE_SYSCTL_TRACED is never inherited. */
    private static ProcessResult run(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Tracees.go("kubeletsysctl").toString());
        command.addAll(List.of(args));
        return Tracees.runUntraced(RUN_TIMEOUT, command, environment -> {
            // Never inherit the variable that allows writing /proc/sys.
            environment.remove(TRACED_ENV);
            environment.putAll(env);
        });
    }

    private static Map<String, Integer> ordered(Object... keysAndValues) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (Integer) keysAndValues[i + 1]);
        }
        return map;
    }
}
