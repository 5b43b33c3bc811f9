package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SysctlTreeTest {
    @TempDir
    Path host;

    private static Optional<String> line(String value) {
        return Optional.of(value + "\n");
    }

    private SysctlTree.Builder interfaces() {
        return SysctlTree.builder()
                .hostRoot(host)
                .key("net/ipv6/conf/*/disable_ipv6", "0", Mode.READ_WRITE, Validator.integerRange(0, 1))
                .key("net/ipv6/conf/lo/disable_ipv6", "1", Mode.READ_WRITE, Validator.integerRange(0, 1))
                .key("net/ipv6/conf/all/forwarding", "1", Mode.READ_WRITE, Validator.integerRange(0, 1));
    }

    private void hostFile(String path, String content, String mode) throws IOException {
        Path file = host.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    @Test
    void passthroughReadsMultiDigitHostIntegersWhole() throws Exception {
        // The kernel answers a read that does not start at offset 0 with end of file: read in pieces,
        // 4194304 would come back as "4".
        String key = "kernel/pid_max";
        Process cat = new ProcessBuilder("cat", "/proc/sys/" + key).start();
        String expected = new String(cat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        cat.waitFor();
        assertEquals(Optional.of(expected), SysctlTree.builder().missing(Missing.PASSTHROUGH).build().read(key));
    }

    @Test
    void exactKeysWinOverWildcards() {
        SysctlTree tree = interfaces().build();
        assertEquals(line("1"), tree.read("net/ipv6/conf/lo/disable_ipv6"));
        assertEquals(line("0"), tree.read("net/ipv6/conf/eth0/disable_ipv6"));
        assertEquals(line("0"), tree.read("/proc/sys/net/ipv6/conf/eth0.100/disable_ipv6"));
        assertEquals(line("0"), tree.read("net.ipv6.conf.eth0/100.disable_ipv6"));
        assertEquals(PathKind.KEY, tree.lookup("/proc/sys/net/ipv6/conf/cni0/disable_ipv6"));
        assertEquals(Optional.empty(), SysctlTree.builder().hostRoot(host).missing(Missing.ENOENT).build()
                .read("net/ipv6/conf/eth0/disable_ipv6"));
    }

    @Test
    void theMoreLiteralWildcardWins() {
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .key("net/*/conf/*/x", "1", Mode.READ_WRITE, Validator.integer())
                .key("net/ipv4/conf/*/x", "2", Mode.READ_WRITE, Validator.integer())
                .build();
        assertEquals(line("2"), tree.read("net/ipv4/conf/eth0/x"));
        assertEquals(line("1"), tree.read("net/ipv6/conf/eth0/x"));
    }

    @Test
    void aWrittenWildcardKeyGetsItsOwnValue() {
        SysctlTree tree = interfaces().build();
        assertEquals(WriteResult.OK, tree.write("/proc/sys/net/ipv6/conf/eth0/disable_ipv6", "1\n"));
        assertEquals(line("1"), tree.read("net/ipv6/conf/eth0/disable_ipv6"));
        assertEquals(line("0"), tree.read("net/ipv6/conf/eth1/disable_ipv6"));
        assertEquals(WriteResult.EINVAL, tree.write("net/ipv6/conf/eth1/disable_ipv6", "2"));
        assertEquals(line("0"), tree.read("net/ipv6/conf/eth1/disable_ipv6"));
        assertTrue(tree.keys().contains(SysctlKey.ofPath("net/ipv6/conf/eth0/disable_ipv6")));
    }

    @Test
    void wildcardsNeverMatchDotOrDotDot() {
        SysctlTree tree = interfaces().missing(Missing.ENOENT).build();
        assertEquals(PathKind.NOT_FOUND, tree.lookup("net/ipv6/conf/../disable_ipv6"));
        assertEquals(PathKind.NOT_FOUND, tree.lookup("net/ipv6/conf/./disable_ipv6"));
        assertEquals(PathKind.KEY, tree.lookup("net/ipv6/conf/.x/disable_ipv6"));
    }

    @Test
    void lookupClassifiesPaths() {
        SysctlTree passthrough = interfaces().build();
        SysctlTree strict = interfaces().missing(Missing.ENOENT).build();
        for (SysctlTree tree : List.of(passthrough, strict)) {
            assertEquals(PathKind.DIRECTORY, tree.lookup(""));
            assertEquals(PathKind.DIRECTORY, tree.lookup("/proc/sys"));
            assertEquals(PathKind.DIRECTORY, tree.lookup("/proc/sys/"));
            assertEquals(PathKind.DIRECTORY, tree.lookup("net/ipv6"));
            assertEquals(PathKind.DIRECTORY, tree.lookup("/proc/sys/net/ipv6/conf"));
            assertEquals(PathKind.DIRECTORY, tree.lookup("net/ipv6/conf/eth7"));
            assertEquals(PathKind.KEY, tree.lookup("net/ipv6/conf/all/forwarding"));
            assertEquals(PathKind.KEY, tree.lookup("/proc/sys/net/ipv6/conf/lo/disable_ipv6"));
        }
        assertEquals(PathKind.HOST, passthrough.lookup("kernel/osrelease"));
        assertEquals(PathKind.HOST, passthrough.lookup("net/ipv6/conf/eth7/forwarding"));
        assertEquals(PathKind.NOT_FOUND, strict.lookup("/proc/sys/kernel/osrelease"));
        assertThrows(IllegalArgumentException.class, () -> strict.lookup("/etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> strict.lookup("/proc/sysrq-trigger"));
    }

    @Test
    void readOnlyKeysRefuseWritesWithEacces() {
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .key("kernel/random/boot_id", "b", Mode.READ_ONLY, Validator.text())
                .build();
        assertEquals(WriteResult.EACCES, tree.write("kernel.random.boot_id", "c"));
        assertEquals(13, WriteResult.EACCES.errno());
        assertEquals(line("b"), tree.read("kernel/random/boot_id"));
    }

    @Test
    void trailingNewlineAndSurroundingWhitespace() {
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .key("vm/overcommit_memory", "0", Mode.READ_WRITE, Validator.integerRange(0, 2))
                .key("kernel/hostname", "x", Mode.READ_WRITE, Validator.text())
                .build();
        for (String written : List.of("1", "1\n", " 1 \n", "\t1\n\n")) {
            assertEquals(WriteResult.OK, tree.write("vm/overcommit_memory", written));
            assertEquals(line("1"), tree.read("vm/overcommit_memory"));
            assertEquals(WriteResult.OK, tree.write("vm/overcommit_memory", "0"));
        }
        assertEquals(WriteResult.OK, tree.write("kernel/hostname", "box\n"));
        assertEquals(line("box"), tree.read("kernel/hostname"));
        byte[] buffer = "??2\n??".getBytes(StandardCharsets.UTF_8);
        assertEquals(WriteResult.OK, tree.write("/proc/sys/vm/overcommit_memory", buffer, 2, 2));
        assertEquals(line("2"), tree.read("vm/overcommit_memory"));
    }

    @Test
    void vectorsAreNormalizedAsTheKernelPrintsThem() {
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .key("net/ipv4/ping_group_range", "1 0", Mode.READ_WRITE, Validator.integerVector(2, 0, Integer.MAX_VALUE))
                .build();
        assertEquals(line("1\t0"), tree.read("net/ipv4/ping_group_range"));
        assertEquals(WriteResult.OK, tree.write("net.ipv4.ping_group_range", "0   2147483647\n"));
        assertEquals(line("0\t2147483647"), tree.read("net/ipv4/ping_group_range"));
        assertEquals(WriteResult.EINVAL, tree.write("net.ipv4.ping_group_range", "5"));
        assertEquals(line("0\t2147483647"), tree.read("net/ipv4/ping_group_range"));
    }

    @Test
    void invalidWritesFailWithEinvalAndKeepTheValue() {
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .key("vm/panic_on_oom", "0", Mode.READ_WRITE, Validator.integerRange(0, 2))
                .build();
        qt().forAll(integers().all()).checkAssert(value -> {
            Optional<String> before = tree.read("vm/panic_on_oom");
            WriteResult result = tree.write("vm/panic_on_oom", value + "\n");
            if (value >= 0 && value <= 2) {
                assertEquals(WriteResult.OK, result);
                assertEquals(line(Integer.toString(value)), tree.read("vm/panic_on_oom"));
            } else {
                assertEquals(WriteResult.EINVAL, result);
                assertEquals(22, result.errno());
                assertEquals(before, tree.read("vm/panic_on_oom"));
            }
        });
    }

    @Test
    void passthroughRulesReadTheHostAtReadTimeAndNeverWriteIt() throws IOException {
        hostFile("kernel/osrelease", "6.1.0\n", "r--r--r--");
        hostFile("vm/swappiness", "60\n", "rw-r--r--");
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .passthrough("vm/swappiness", Mode.READ_WRITE, Validator.integerRange(0, 200))
                .passthrough("kernel/osrelease", Mode.READ_ONLY, Validator.text())
                .build();
        assertEquals(line("60"), tree.read("vm/swappiness"));
        Files.writeString(host.resolve("vm/swappiness"), "30\n");
        assertEquals(line("30"), tree.read("vm/swappiness"));
        assertEquals(WriteResult.EINVAL, tree.write("vm/swappiness", "201"));
        assertEquals(WriteResult.OK, tree.write("vm/swappiness", "10"));
        assertEquals(line("10"), tree.read("vm/swappiness"));
        assertEquals("30\n", Files.readString(host.resolve("vm/swappiness")));
        assertEquals(WriteResult.EACCES, tree.write("kernel/osrelease", "7"));
        assertEquals(line("6.1.0"), tree.read("kernel/osrelease"));
    }

    @Test
    void missingKeysPassThroughToTheHostByDefault() throws IOException {
        hostFile("kernel/ostype", "Linux\n", "r--r--r--");
        hostFile("vm/dirty_ratio", "20\n", "rw-r--r--");
        hostFile("net/ipv4/ip_forward", "0\n", "rw-r--r--");
        SysctlTree tree = SysctlTree.builder().hostRoot(host).build();
        assertEquals(Missing.PASSTHROUGH, tree.missing());
        assertEquals(line("Linux"), tree.read("kernel.ostype"));
        assertEquals(WriteResult.EACCES, tree.write("kernel.ostype", "BSD"));
        assertEquals(Optional.empty(), tree.read("kernel.nonexistent"));
        assertEquals(WriteResult.ENOENT, tree.write("kernel.nonexistent", "1"));
        assertEquals(PathKind.HOST, tree.lookup("vm/dirty_ratio"));
        assertEquals(WriteResult.OK, tree.write("vm.dirty_ratio", "5\n"));
        assertEquals(line("5"), tree.read("vm.dirty_ratio"));
        assertEquals(PathKind.KEY, tree.lookup("vm/dirty_ratio"));
        assertEquals("20\n", Files.readString(host.resolve("vm/dirty_ratio")));
        // An unserved key the kernel table knows keeps its validator.
        assertEquals(WriteResult.EINVAL, tree.write("net.ipv4.ip_forward", "2"));
        assertEquals("0\n", Files.readString(host.resolve("net/ipv4/ip_forward")));
    }

    @Test
    void missingKeysAreAbsentUnderEnoent() throws IOException {
        hostFile("vm/dirty_ratio", "20\n", "rw-r--r--");
        SysctlTree tree = SysctlTree.builder().hostRoot(host).missing(Missing.ENOENT).build();
        assertEquals(Optional.empty(), tree.read("vm.dirty_ratio"));
        assertEquals(WriteResult.ENOENT, tree.write("vm.dirty_ratio", "5"));
        assertEquals(2, WriteResult.ENOENT.errno());
        assertEquals(PathKind.NOT_FOUND, tree.lookup("vm/dirty_ratio"));
        assertEquals(WriteResult.ENOENT, tree.write("vm//bad", "5"));
    }

    @Test
    void childrenAreTheUnionOfServedKeys() {
        SysctlTree tree = interfaces()
                .key("net/ipv4/ip_forward", "1", Mode.READ_WRITE, Validator.integerRange(0, 1))
                .build();
        assertEquals(List.of(new SysctlTree.Child("net", true)), tree.children(""));
        assertEquals(List.of(new SysctlTree.Child("ipv4", true), new SysctlTree.Child("ipv6", true)),
                tree.children("/proc/sys/net"));
        assertEquals(List.of(new SysctlTree.Child("all", true), new SysctlTree.Child("lo", true)),
                tree.children("net/ipv6/conf"));
        assertEquals(List.of(new SysctlTree.Child("disable_ipv6", false), new SysctlTree.Child("forwarding", false)),
                tree.children("net/ipv6/conf/all"));
        assertEquals(List.of(new SysctlTree.Child("disable_ipv6", false)), tree.children("net/ipv6/conf/eth0"));
        assertEquals(WriteResult.OK, tree.write("net/ipv6/conf/eth0/disable_ipv6", "1"));
        assertEquals(List.of(new SysctlTree.Child("all", true), new SysctlTree.Child("eth0", true),
                new SysctlTree.Child("lo", true)), tree.children("net/ipv6/conf"));
        assertEquals(List.of(), tree.children("net/ipv4/ip_forward"));
        assertEquals(List.of(), tree.children("kernel"));
    }

    @Test
    void shapeConflictsAreRefused() {
        SysctlTree.Builder builder = SysctlTree.builder()
                .key("net/ipv4/conf/*/forwarding", "1", Mode.READ_WRITE, Validator.integer())
                .key("net/ipv4/conf/eth0", "1", Mode.READ_WRITE, Validator.integer());
        assertThrows(IllegalArgumentException.class, builder::build);
        assertThrows(IllegalArgumentException.class, () -> SysctlTree.builder()
                .key("vm/overcommit_memory", "x", Mode.READ_WRITE, Validator.integer()));
    }

    @Test
    void reportCountsReadsAndWritesAndShowsFinalValues() {
        SysctlTree tree = interfaces().missing(Missing.ENOENT).build();
        tree.read("net/ipv6/conf/all/forwarding");
        tree.read("net/ipv6/conf/all/forwarding");
        tree.write("net/ipv6/conf/all/forwarding", "0");
        tree.write("net/ipv6/conf/all/forwarding", "9");
        tree.write("net/ipv6/conf/eth0/disable_ipv6", "1");
        tree.read("kernel/unserved");
        SysctlReport report = tree.report();
        assertEquals(List.of(
                new SysctlReport.KeyActivity(SysctlKey.ofPath("net/ipv6/conf/all/forwarding"), 2, 1, 1, Optional.of("0")),
                new SysctlReport.KeyActivity(SysctlKey.ofPath("net/ipv6/conf/eth0/disable_ipv6"), 0, 1, 0, Optional.of("1"))),
                report.keys());
    }
}
