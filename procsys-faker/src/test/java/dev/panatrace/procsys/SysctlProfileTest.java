package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SysctlProfileTest {
    @TempDir
    Path dir;

    private static List<String> settings(SysctlProfile profile) {
        return profile.settings().stream()
                .map(s -> s.key().name() + "=" + s.value() + " @" + s.source() + ":" + s.line())
                .toList();
    }

    private static ProfileException refused(String text) {
        return assertThrows(ProfileException.class, () -> SysctlProfile.parse("test.conf", text));
    }

    @Test
    void parsesSysctlConfSyntax() {
        SysctlProfile profile = SysctlProfile.parse("test.conf", """
                # comment
                  ; another comment

                vm.overcommit_memory = 1
                vm/panic_on_oom=2
                \tkernel.panic  =   10\r
                net.ipv4.ping_group_range = 0   2147483647
                net.ipv6.conf.*.disable_ipv6 = 0
                net.ipv4.conf.eth0/100.forwarding = 1
                kernel.hostname = a # b
                kernel.domainname =
                -vm.panic_on_oom = lots
                -kernel..bad = 1
                vm.overcommit_memory = 0x2
                """);
        assertEquals(List.of(
                "vm.overcommit_memory=2 @test.conf:14",
                "vm.panic_on_oom=2 @test.conf:5",
                "kernel.panic=10 @test.conf:6",
                "net.ipv4.ping_group_range=0\t2147483647 @test.conf:7",
                "net.ipv6.conf.*.disable_ipv6=0 @test.conf:8",
                "net.ipv4.conf.eth0/100.forwarding=1 @test.conf:9",
                "kernel.hostname=a # b @test.conf:10",
                "kernel.domainname= @test.conf:11"),
                settings(profile));
        assertEquals("test.conf", profile.source());
    }

    @Test
    void badLinesNameSourceLineAndReason() {
        ProfileException e = refused("# header\nvm.panic_on_oom = 1\n\nvm.overcommit_memory = abc\n");
        assertEquals("test.conf:4: invalid value \"abc\" for vm.overcommit_memory: expected an integer in 0..2",
                e.getMessage());
        assertEquals("test.conf", e.source());
        assertEquals(4, e.line());
        assertEquals("invalid value \"abc\" for vm.overcommit_memory: expected an integer in 0..2", e.reason());

        assertEquals("test.conf:1: invalid value \"x\" for kernel.panic: expected an integer",
                refused("kernel.panic = x").getMessage());
        assertEquals("test.conf:2: expected \"key = value\", found \"vm.overcommit_memory 1\"",
                refused("\nvm.overcommit_memory 1").getMessage());
        assertEquals("test.conf:1: no key before '='", refused(" = 1").getMessage());
        assertEquals("test.conf:1: invalid sysctl name \"vm..x\": empty component", refused("vm..x = 1").getMessage());
        assertEquals("test.conf:1: invalid value \"0 1 2\" for net.ipv4.ping_group_range: expected 2 integers in 0..2147483647",
                refused("net.ipv4.ping_group_range = 0 1 2").getMessage());
        assertEquals("test.conf:1: unknown computed value ${cpus} (known: ${boot_id}, ${nf_conntrack_max}, ${host})",
                refused("kernel.x = ${cpus}").getMessage());
        assertEquals("test.conf:1: invalid value \"${boot_id}\" for vm.overcommit_memory: expected an integer in 0..2",
                refused("vm.overcommit_memory = ${boot_id}").getMessage());
        assertEquals("test.conf:1: net.ipv4.conf is a directory holding keys such as net.ipv4.conf.*.forwarding, not a key",
                refused("net.ipv4.conf = 1").getMessage());
        assertEquals("test.conf:2: kernel.x.y would lie below the key kernel.x, which is not a directory",
                refused("kernel.x = 1\nkernel.x.y = 2").getMessage());
    }

    @Test
    void loadedFilesAreNamedAsGiven() throws IOException {
        Path file = dir.resolve("k3s.conf");
        Files.writeString(file, "kernel.panic = 10\n".repeat(11) + "vm.overcommit_memory = abc\n");
        ProfileException e = assertThrows(ProfileException.class, () -> SysctlProfile.load(file));
        assertEquals(file + ":12: invalid value \"abc\" for vm.overcommit_memory: expected an integer in 0..2",
                e.getMessage());
        Files.writeString(file, "kernel.panic = 10\n");
        assertEquals(List.of("kernel.panic=10 @" + file + ":1"), settings(SysctlProfile.load(file)));
    }

    @Test
    void overridesApplyOnTopAndAreCheckedTheSameWay() {
        SysctlProfile base = SysctlProfile.parse("base.conf", "vm.panic_on_oom = 0\nkernel.panic = 10\n");
        SysctlProfile overridden = base.withOverrides(
                List.of("vm.panic_on_oom=1", "net/ipv4/ip_forward = 1", "-kernel.panic=x"));
        assertEquals(List.of("vm.panic_on_oom=1 @--sysctl:1", "kernel.panic=10 @base.conf:2",
                "net.ipv4.ip_forward=1 @--sysctl:2"), settings(overridden));

        ProfileException e = assertThrows(ProfileException.class,
                () -> base.withOverrides(List.of("kernel.panic=11", "vm.panic_on_oom=3")));
        assertEquals("--sysctl:2: invalid value \"3\" for vm.panic_on_oom: expected an integer in 0..2", e.getMessage());
        assertEquals(List.of("vm.panic_on_oom=0 @base.conf:1", "kernel.panic=10 @base.conf:2"), settings(base));
    }

    @Test
    void aRefusedProfileAppliesNothing() {
        SysctlProfile good = SysctlProfile.parse("good.conf", "kernel.panic = 10\n");
        SysctlTree.Builder builder = SysctlTree.builder().missing(Missing.ENOENT).profile(good);
        assertThrows(ProfileException.class, () -> builder.profile(
                SysctlProfile.parse("bad.conf", "vm.overcommit_memory = 1\nvm.panic_on_oom = 9\n")));
        assertThrows(ProfileException.class, () -> builder.profile(good.withOverrides(
                List.of("vm.overcommit_memory=1", "vm.panic_on_oom=9"))));
        SysctlTree tree = builder.build();
        assertEquals(List.of(SysctlKey.ofName("kernel.panic")), tree.keys());
        assertEquals(Optional.empty(), tree.read("vm.overcommit_memory"));
    }

    @Test
    void profileKeysTakeModesAndValidatorsFromTheKernelTable() {
        SysctlTree tree = SysctlTree.builder()
                .missing(Missing.ENOENT)
                .profile(SysctlProfile.parse("t.conf", """
                        kernel.random.boot_id = fixed
                        vm.overcommit_memory = 1
                        kernel.anything = free text
                        net.ipv4.conf.*.forwarding = 1
                        """))
                .build();
        assertEquals(WriteResult.EACCES, tree.write("kernel.random.boot_id", "other"));
        assertEquals(WriteResult.EINVAL, tree.write("vm.overcommit_memory", "3"));
        assertEquals(WriteResult.OK, tree.write("kernel.anything", "more text"));
        assertEquals(Optional.of("more text\n"), tree.read("kernel.anything"));
        assertEquals(WriteResult.EINVAL, tree.write("net.ipv4.conf.eth0.forwarding", "2"));
        assertEquals(WriteResult.OK, tree.write("net.ipv4.conf.eth0.forwarding", "0"));
    }

    @Test
    void hostTokenMakesAPassthroughKey(@TempDir Path host) throws IOException {
        Files.createDirectories(host.resolve("vm"));
        Files.writeString(host.resolve("vm/swappiness"), "60\n");
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .missing(Missing.ENOENT)
                .profile(SysctlProfile.parse("t.conf", "vm.swappiness = ${host}\n"))
                .build();
        assertEquals(Optional.of("60\n"), tree.read("vm.swappiness"));
        assertEquals(WriteResult.OK, tree.write("vm.swappiness", "1"));
        assertEquals(Optional.of("1\n"), tree.read("vm.swappiness"));
        assertEquals("60\n", Files.readString(host.resolve("vm/swappiness")));
    }

    @Test
    void unknownBuiltInProfilesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SysctlProfile.builtIn("k8s"));
        assertEquals("no built-in profile \"k8s\" (built in: k3s)", e.getMessage());
        assertEquals(List.of("k3s"), SysctlProfile.builtInNames());
    }
}
