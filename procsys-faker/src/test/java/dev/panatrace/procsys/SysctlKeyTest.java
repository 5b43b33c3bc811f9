package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

@Timeout(30)
class SysctlKeyTest {
    /** Path components as they occur in /proc/sys, dots included (interface names like eth0.100). */
    private static final Gen<String> COMPONENTS = lists()
            .of(Generate.pick(List.of('a', 'b', 'z', '0', '9', '_', '-', '.', '.', '*')))
            .ofSizeBetween(1, 8)
            .map(chars -> chars.stream().map(String::valueOf).collect(Collectors.joining()))
            .assuming(component -> !component.equals(".") && !component.equals(".."));

    private static final Gen<List<String>> KEYS = lists().of(COMPONENTS).ofSizeBetween(1, 6);

    @Test
    void pathAndNameConvertBothWays() {
        qt().forAll(KEYS).checkAssert(components -> {
            String path = String.join("/", components);
            String name = components.stream().map(c -> c.replace('.', '/')).collect(Collectors.joining("."));
            SysctlKey fromPath = SysctlKey.ofPath(path);
            SysctlKey fromName = SysctlKey.ofName(name);
            assertEquals(fromPath, fromName);
            assertEquals(path, fromName.path());
            assertEquals(name, fromPath.name());
            assertEquals(fromPath, SysctlKey.ofPath(fromPath.procPath()));
            assertEquals(components, fromPath.components());
        });
    }

    @Test
    void parseTellsNamesFromPathsByTheFirstSeparator() {
        // Top-level directories of /proc/sys have no dot in their names; the rule relies on that.
        qt().forAll(KEYS).checkAssert(components -> {
            List<String> real = new ArrayList<>(components);
            real.set(0, components.get(0).replace('.', '_'));
            SysctlKey key = SysctlKey.ofPath(String.join("/", real));
            assertEquals(key, SysctlKey.parse(key.path()));
            assertEquals(key, SysctlKey.parse(key.name()));
            assertEquals(key, SysctlKey.parse(key.procPath()));
        });
    }

    @Test
    void dotsInComponentsAreSlashesInNames() {
        SysctlKey key = SysctlKey.parse("net.ipv4.conf.eth0/100.forwarding");
        assertEquals("net/ipv4/conf/eth0.100/forwarding", key.path());
        assertEquals("/proc/sys/net/ipv4/conf/eth0.100/forwarding", key.procPath());
        assertEquals(key, SysctlKey.parse("net/ipv4/conf/eth0.100/forwarding"));
        assertEquals(key, SysctlKey.parse("/proc/sys/net/ipv4/conf/eth0.100/forwarding"));
        assertEquals("net.ipv4.conf.eth0/100.forwarding", key.name());
    }

    @Test
    void wildcardComponentMakesAPattern() {
        assertTrue(SysctlKey.parse("net.ipv6.conf.*.disable_ipv6").isPattern());
        assertFalse(SysctlKey.parse("net.ipv6.conf.all.disable_ipv6").isPattern());
        assertFalse(SysctlKey.parse("net.ipv6.conf.a*b.disable_ipv6").isPattern());
    }

    @Test
    void malformedKeysAreRefused() {
        for (String path : List.of("", "/etc/passwd", "/proc/sys", "vm//x", "vm/", "vm/../x", "./vm", "vm/a b",
                "vm/a\tb", "vm/a\0")) {
            assertThrows(IllegalArgumentException.class, () -> SysctlKey.ofPath(path), path);
        }
        for (String name : List.of("vm..x", ".vm", "vm.", "vm.over commit")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SysctlKey.ofName(name));
            assertTrue(e.getMessage().startsWith("invalid sysctl name \"" + name + "\""), e.getMessage());
        }
    }
}
