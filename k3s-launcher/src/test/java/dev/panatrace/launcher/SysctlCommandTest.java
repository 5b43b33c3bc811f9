package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.panatrace.ptrace.testing.ProcessResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code k3s-launcher sysctl}: what a profile serves, printed as sysctl(8) prints it. */
@Timeout(60)
class SysctlCommandTest {
    /** {@code sysctl -a} on the k3s profile, with its two computed values left as placeholders. */
    private static final String K3S_ALL = """
            kernel.keys.root_maxbytes = 25000000
            kernel.keys.root_maxkeys = 1000000
            kernel.panic = 10
            kernel.panic_on_oops = 1
            kernel.pid_max = 4194304
            kernel.random.boot_id = <boot_id>
            net.bridge.bridge-nf-call-ip6tables = 1
            net.bridge.bridge-nf-call-iptables = 1
            net.core.devconf_inherit_init_net = 1
            net.ipv4.conf.*.forwarding = 1
            net.ipv4.conf.all.forwarding = 1
            net.ipv4.conf.all.route_localnet = 1
            net.ipv4.conf.all.rp_filter = 0
            net.ipv4.conf.default.forwarding = 1
            net.ipv4.conf.default.rp_filter = 0
            net.ipv4.ip_forward = 1
            net.ipv4.ip_unprivileged_port_start = 0
            net.ipv4.ping_group_range = 0\t2147483647
            net.ipv6.conf.*.disable_ipv6 = 0
            net.ipv6.conf.*.forwarding = 1
            net.ipv6.conf.all.forwarding = 1
            net.ipv6.conf.default.forwarding = 1
            net.netfilter.nf_conntrack_max = <nf_conntrack_max>
            net.netfilter.nf_conntrack_tcp_be_liberal = 1
            net.netfilter.nf_conntrack_tcp_timeout_close_wait = 3600
            net.netfilter.nf_conntrack_tcp_timeout_established = 86400
            net.netfilter.nf_conntrack_udp_timeout = 30
            net.netfilter.nf_conntrack_udp_timeout_stream = 120
            vm.overcommit_memory = 1
            vm.panic_on_oom = 0
            """;
    private static final Pattern BOOT_ID = Pattern.compile(
            "(?m)^kernel\\.random\\.boot_id = ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$");
    private static final Pattern CONNTRACK_MAX = Pattern.compile("(?m)^net\\.netfilter\\.nf_conntrack_max = (\\d+)$");

    @TempDir
    Path temp;

    @Test
    void allKeysOfTheK3sProfileThroughTheLauncherScript() {
        ProcessResult result = LauncherProcess.run("sysctl", "-a");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("", result.stderr());
        Matcher bootId = BOOT_ID.matcher(result.stdout());
        Matcher conntrackMax = CONNTRACK_MAX.matcher(result.stdout());
        assertTrue(bootId.find(), result.stdout());
        assertTrue(conntrackMax.find(), result.stdout());
        // max(32768 × CPUs, 131072): a multiple of 32768, at least 131072.
        long max = Long.parseLong(conntrackMax.group(1));
        assertTrue(max >= 131072 && max % 32768 == 0, conntrackMax.group());
        assertEquals(K3S_ALL, result.stdout()
                .replace(bootId.group(1), "<boot_id>")
                .replace("nf_conntrack_max = " + conntrackMax.group(1), "nf_conntrack_max = <nf_conntrack_max>"));
    }

    @Test
    void aKeyGivenDottedOrAsAPathPrintsItsDottedName() {
        ProcessResult result = sysctl("vm.overcommit_memory", "vm/overcommit_memory", "/proc/sys/vm/overcommit_memory",
                "net.bridge.bridge-nf-call-iptables", "net/ipv4/ping_group_range");

        assertEquals(new ProcessResult(0, """
                vm.overcommit_memory = 1
                vm.overcommit_memory = 1
                vm.overcommit_memory = 1
                net.bridge.bridge-nf-call-iptables = 1
                net.ipv4.ping_group_range = 0\t2147483647
                """, ""), result);
    }

    @Test
    void theBootIdIsOneUuidForTheWholeRun() {
        ProcessResult result = sysctl("-n", "kernel.random.boot_id", "kernel/random/boot_id");

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals(2, lines.size(), result.stdout());
        assertEquals(lines.get(0), lines.get(1));
        assertTrue(lines.get(0).matches("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"), lines.get(0));
    }

    @Test
    void wildcardRulesPrintAsTheirPatternAndServeEveryInterface() {
        ProcessResult result = sysctl("net.ipv4.conf.*.forwarding", "net.ipv4.conf.eth0.forwarding",
                "net/ipv4/conf/eth0.100/forwarding", "net.ipv6.conf.cni0.disable_ipv6");

        assertEquals(new ProcessResult(0, """
                net.ipv4.conf.*.forwarding = 1
                net.ipv4.conf.eth0.forwarding = 1
                net.ipv4.conf.eth0/100.forwarding = 1
                net.ipv6.conf.cni0.disable_ipv6 = 0
                """, ""), result);
    }

    @Test
    void anyInterfaceNameIsServedByTheWildcards() {
        qt().forAll(strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 15)).checkAssert(name -> {
            ProcessResult result = sysctl("net.ipv4.conf." + name + ".forwarding", "net/ipv6/conf/" + name + "/disable_ipv6");
            assertEquals(new ProcessResult(0, "net.ipv4.conf." + name + ".forwarding = 1\n"
                    + "net.ipv6.conf." + name + ".disable_ipv6 = 0\n", ""), result);
        });
    }

    @Test
    void aDirectoryPrintsEveryKeyBelowIt() {
        ProcessResult result = sysctl("net.netfilter", "net/ipv6/conf/eth0", "vm");

        assertEquals(new ProcessResult(0, """
                net.netfilter.nf_conntrack_max = %s
                net.netfilter.nf_conntrack_tcp_be_liberal = 1
                net.netfilter.nf_conntrack_tcp_timeout_close_wait = 3600
                net.netfilter.nf_conntrack_tcp_timeout_established = 86400
                net.netfilter.nf_conntrack_udp_timeout = 30
                net.netfilter.nf_conntrack_udp_timeout_stream = 120
                net.ipv6.conf.eth0.disable_ipv6 = 0
                net.ipv6.conf.eth0.forwarding = 1
                vm.overcommit_memory = 1
                vm.panic_on_oom = 0
                """.formatted(conntrackMax()), ""), result);
    }

    @Test
    void overridesChangeAndAddKeys() {
        ProcessResult result = sysctl("--profile", "k3s", "--sysctl", "vm.panic_on_oom=1",
                "--sysctl", "fs.inotify.max_user_watches = 524288",
                "--sysctl", "net/ipv4/conf/eth0/forwarding=0", "vm", "fs.inotify", "net.ipv4.conf.eth0.forwarding",
                "net.ipv4.conf.eth1.forwarding");

        assertEquals(new ProcessResult(0, """
                vm.overcommit_memory = 1
                vm.panic_on_oom = 1
                fs.inotify.max_user_watches = 524288
                net.ipv4.conf.eth0.forwarding = 0
                net.ipv4.conf.eth1.forwarding = 1
                """, ""), result);
    }

    @Test
    void anOverrideKeyIsListedInItsPlaceByMinusA() {
        List<String> lines = sysctl("-N", "-a", "--profile", "k3s", "--sysctl",
                "kernel.keys.maxkeys=2000").stdout().lines().toList();

        assertEquals(List.of("kernel.keys.maxkeys", "kernel.keys.root_maxbytes"), lines.subList(0, 2));
        assertEquals(K3S_ALL.lines().count() + 1, lines.size());
    }

    @Test
    void underEnoentAKeyNotServedIsReportedAfterTheOthersArePrinted() {
        ProcessResult result = sysctl("--missing", "enoent", "kernel.panic", "vm.swappiness", "net/ipv4/tcp_syncookies",
                "vm.panic_on_oom");

        assertEquals(new ProcessResult(1, "kernel.panic = 10\nvm.panic_on_oom = 0\n", """
                k3s-launcher sysctl: cannot stat /proc/sys/vm/swappiness: No such file or directory
                k3s-launcher sysctl: cannot stat /proc/sys/net/ipv4/tcp_syncookies: No such file or directory
                """), result);
    }

    @Test
    void ignoreSaysNothingAboutKeysNotServed() {
        assertEquals(new ProcessResult(0, "kernel.panic = 10\n", ""),
                sysctl("-e", "--missing", "enoent", "vm.swappiness", "kernel.panic"));
    }

    @Test
    void aMalformedKeyIsReportedAndTheOthersPrinted() {
        ProcessResult result = sysctl("net..x", "kernel.panic");

        assertEquals(new ProcessResult(1, "kernel.panic = 10\n",
                "k3s-launcher sysctl: invalid sysctl name \"net..x\": empty component\n"), result);
    }

    @Test
    void valuesOnlyAndNamesOnly() {
        assertEquals(new ProcessResult(0, "10\n1\n", ""), sysctl("-n", "kernel.panic", "vm/overcommit_memory"));
        assertEquals(new ProcessResult(0, "kernel.panic\nvm.overcommit_memory\n", ""),
                sysctl("--names", "kernel.panic", "vm/overcommit_memory"));
    }

    @Test
    void aProfileFileServesOnlyItsKeys() throws IOException {
        Path file = Files.writeString(temp.resolve("small.conf"), """
                # two keys and a wildcard
                vm.overcommit_memory = 2
                net/ipv4/ip_forward=1
                net.ipv6.conf.*.disable_ipv6 = 1
                """);

        assertEquals(new ProcessResult(0, """
                net.ipv4.ip_forward = 1
                net.ipv6.conf.*.disable_ipv6 = 1
                vm.overcommit_memory = 2
                """, ""), sysctl("--profile", file.toString(), "-a"));
        assertEquals(new ProcessResult(1, "", "k3s-launcher sysctl: cannot stat /proc/sys/kernel/panic: "
                + "No such file or directory\n"), sysctl("--profile", file.toString(), "--missing", "enoent", "kernel.panic"));
    }

    @Test
    void hostKeysShowTheHostsValueAndHostWildcardsTheirToken() throws IOException {
        Path file = Files.writeString(temp.resolve("host.conf"),
                "kernel.ostype = ${host}\nnet.ipv6.conf.*.disable_ipv6 = ${host}\n");
        String ostype = Files.readString(Path.of("/proc/sys/kernel/ostype")).strip();

        assertEquals(new ProcessResult(0, "kernel.ostype = " + ostype + "\nnet.ipv6.conf.*.disable_ipv6 = ${host}\n", ""),
                sysctl("--profile", file.toString(), "-a"));
    }

    @Test
    void aKeyNotServedShowsTheHostsValueAsRunShowsIt() throws IOException {
        String ostype = hostValue("kernel/ostype");
        Path file = Files.writeString(temp.resolve("one.conf"), "vm.overcommit_memory = 2\n");

        assertEquals(new ProcessResult(0, "kernel.ostype = " + ostype + "\nvm.overcommit_memory = 2\n", ""),
                sysctl("--profile", file.toString(), "kernel.ostype", "vm.overcommit_memory"));
        assertEquals(new ProcessResult(0, "kernel.ostype = " + ostype + "\n", ""), sysctl("kernel.ostype"));
        assertEquals(new ProcessResult(1, "", "k3s-launcher sysctl: cannot stat /proc/sys/kernel/no_such_key: "
                + "No such file or directory\n"), sysctl("kernel.no_such_key"));
    }

    @Test
    void aDirectoryOnlyTheHostHasListsTheHostsKeys() throws IOException {
        Path file = Files.writeString(temp.resolve("one.conf"), "vm.overcommit_memory = 2\n");
        List<String> hostNames;
        try (Stream<Path> files = Files.list(Path.of("/proc/sys/fs/inotify"))) {
            hostNames = files.map(name -> "fs.inotify." + name.getFileName()).sorted().toList();
        }

        ProcessResult result = sysctl("--profile", file.toString(), "-N", "fs.inotify");

        assertEquals(new ProcessResult(0, String.join("\n", hostNames) + "\n", ""), result);
        assertEquals(1, sysctl("--profile", file.toString(), "--missing", "enoent", "fs.inotify").exitCode());
    }

    @Test
    void writesAreCheckedAsATracedProgramsAndPrintedAsSysctlPrintsThem() {
        ProcessResult result = sysctl("-w", "vm.overcommit_memory=2", "kernel.random.boot_id=x", "vm.overcommit_memory=7",
                "net.ipv4.conf.eth0.forwarding=0");

        assertEquals(new ProcessResult(1, "vm.overcommit_memory = 2\nnet.ipv4.conf.eth0.forwarding = 0\n", """
                k3s-launcher sysctl: permission denied on key "kernel.random.boot_id"
                k3s-launcher sysctl: setting key "vm.overcommit_memory": Invalid argument
                """), result);
    }

    @Test
    void aWriteWithoutMinusWIsSeenByTheKeysAfterIt() {
        assertEquals(new ProcessResult(0, "vm.panic_on_oom = 0\nvm.panic_on_oom = 2\nvm.panic_on_oom = 2\n", ""),
                sysctl("vm.panic_on_oom", "vm.panic_on_oom=2", "vm.panic_on_oom"));
        assertEquals(new ProcessResult(0, "2\n2\n", ""), sysctl("-n", "vm.panic_on_oom=2", "vm.panic_on_oom"));
    }

    @Test
    void aWriteToAHostKeyNeverReachesTheHost() throws IOException {
        String before = hostValue("vm/swappiness");
        String other = before.equals("17") ? "18" : "17";

        ProcessResult result = LauncherProcess.run("sysctl", "-w", "vm.swappiness=" + other);

        assertEquals(new ProcessResult(0, "vm.swappiness = " + other + "\n", ""), result);
        assertEquals(before, hostValue("vm/swappiness"));
        assertEquals(new ProcessResult(1, "", "k3s-launcher sysctl: cannot stat /proc/sys/vm/swappiness: No such file "
                + "or directory\n"), sysctl("--missing", "enoent", "-w", "vm.swappiness=" + other));
    }

    @Test
    void minusPLoadsAFileAndPrintsEachSettingThroughTheLauncherScript() throws IOException {
        Path file = Files.writeString(temp.resolve("node.conf"), """
                # as in /etc/sysctl.d
                vm.overcommit_memory = 1
                net.ipv4.ping_group_range = 0 2147483647
                net.ipv6.conf.*.disable_ipv6 = 1
                -kernel.panic = soon
                """);

        assertEquals(new ProcessResult(0, """
                vm.overcommit_memory = 1
                net.ipv4.ping_group_range = 0\t2147483647
                net.ipv6.conf.*.disable_ipv6 = 1
                vm.panic_on_oom = 2
                """, ""), LauncherProcess.run("sysctl", "-p", file.toString(), "--sysctl", "vm.panic_on_oom=2"));
        Files.writeString(file, "kernel.panic = soon\n", StandardOpenOption.APPEND);
        assertEquals(new ProcessResult(2, "", "k3s-launcher sysctl: " + file
                + ":6: invalid value \"soon\" for kernel.panic: expected an integer\n"),
                LauncherProcess.run("sysctl", "-p", file.toString()));
    }

    @Test
    void sysctlWithoutAProfileStartsFromAnEmptyOne() {
        String panic = hostValue("kernel/panic");

        assertEquals(new ProcessResult(0, "vm.swappiness = 5\nkernel.panic = " + panic + "\n", ""),
                sysctl("--sysctl", "vm.swappiness=5", "vm.swappiness", "kernel.panic"));
        assertEquals(new ProcessResult(0, "vm.swappiness = 5\n", ""), sysctl("--sysctl", "vm.swappiness=5", "-a"));
    }

    @Test
    void aBadProfileLineIsOneLineWithFileAndLineNumber() throws IOException {
        Path file = Files.writeString(temp.resolve("bad.conf"), "vm.overcommit_memory = 1\n\n# soon\nkernel.panic = soon\n");

        ProcessResult result = sysctl("--profile", file.toString(), "-a");

        assertEquals(new ProcessResult(2, "", "k3s-launcher sysctl: " + file
                + ":4: invalid value \"soon\" for kernel.panic: expected an integer\n"), result);
    }

    @Test
    void aBadProfileExitsTwoThroughTheLauncherScript() throws IOException {
        Path file = Files.writeString(temp.resolve("bad.conf"), "vm.overcommit_memory = 1\nkernel.panic\n");

        ProcessResult result = LauncherProcess.run("sysctl", "--profile", file.toString(), "kernel.panic");

        assertEquals(new ProcessResult(2, "", "k3s-launcher sysctl: " + file
                + ":2: expected \"key = value\", found \"kernel.panic\"\n"), result);
    }

    @Test
    void aBadOverrideNamesItsPosition() {
        ProcessResult result = sysctl("--sysctl", "vm.panic_on_oom=1", "--sysctl", "vm.overcommit_memory=7", "-a");

        assertEquals(new ProcessResult(2, "", "k3s-launcher sysctl: --sysctl:2: invalid value \"7\" for "
                + "vm.overcommit_memory: expected an integer in 0..2\n"), result);
    }

    @Test
    void anUnknownBuiltInProfileNamesTheBuiltIns() {
        assertEquals(new ProcessResult(2, "", "k3s-launcher sysctl: no built-in profile or file \"k8s\" "
                + "(built in: k3s)\n"), sysctl("--profile", "k8s", "-a"));
    }

    @Test
    void aMissingProfileFileIsNamed() {
        Path missing = temp.resolve("missing.conf");

        assertEquals(new ProcessResult(2, "", "k3s-launcher sysctl: cannot read profile " + missing + ": no such file\n"),
                sysctl("--profile", missing.toString(), "-a"));
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of(), "give -a or at least one KEY"),
                Arguments.of(List.of("-a", "vm"), "-a takes no KEY"),
                Arguments.of(List.of("-n", "-N", "vm"), "-n and -N exclude each other"),
                Arguments.of(List.of("-w", "vm.panic_on_oom=1", "vm.panic_on_oom"), "-w wants KEY=VALUE, got 'vm.panic_on_oom'"),
                Arguments.of(List.of("-p", "a.conf", "--profile", "k3s"), "-p and --profile both name the profile; give one"),
                Arguments.of(List.of("-p", "a.conf", "-a"), "-p prints what FILE sets and takes no -a or KEY"),
                Arguments.of(List.of("-p", "a.conf", "vm"), "-p prints what FILE sets and takes no -a or KEY"),
                Arguments.of(List.of("--missing", "maybe", "vm"),
                        "Invalid value for option '--missing': expected passthrough or enoent, got 'maybe'"),
                Arguments.of(List.of("--bogus"), "Unknown option: '--bogus'"));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void usageErrorsExit2WithOneLine(List<String> args, String message) {
        ProcessResult result = sysctl(args.toArray(String[]::new));

        assertEquals(new ProcessResult(2, "",
                "k3s-launcher sysctl: " + message + " (see 'k3s-launcher sysctl --help')\n"), result);
    }

    /** Runs {@code k3s-launcher sysctl ARGS...} in this JVM, as the script would run it. */
    private static ProcessResult sysctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> full = Stream.concat(Stream.of(SysctlCommand.NAME), Stream.of(args)).toList();
        int status = Main.execute(full, new PrintWriter(out, true), new PrintWriter(err, true));
        return new ProcessResult(status, out.toString(), err.toString());
    }

    private static String hostValue(String path) {
        try {
            return Files.readString(Path.of("/proc/sys", path)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value this JVM's k3s profile computes, as the tree computes it. */
    private static String conntrackMax() {
        return Long.toString(Math.max(32768L * Runtime.getRuntime().availableProcessors(), 131072L));
    }
}
