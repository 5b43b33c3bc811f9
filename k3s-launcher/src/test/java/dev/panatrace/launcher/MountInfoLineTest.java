package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Parsing /proc/self/mountinfo lines as proc(5) describes them. */
@Timeout(10)
class MountInfoLineTest {
    @Test
    void readsPropagationFsTypeAndEscapedMountPoints() {
        List<MountInfoLine> lines = MountInfoLine.parseAll("""
                27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
                28 27 0:25 / /mnt/with\\040space rw shared:7 master:2 - tmpfs none ro,size=4k
                malformed line
                41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
                """);
        assertEquals(3, lines.size());
        assertEquals("/", lines.get(0).mountPoint());
        assertFalse(lines.get(0).shared());
        assertEquals("ext4", lines.get(0).fsType());
        assertEquals("/mnt/with space", lines.get(1).mountPoint());
        assertEquals(List.of("shared:7", "master:2"), lines.get(1).optionalFields());
        assertTrue(lines.get(1).shared());
        assertEquals("ro,size=4k", lines.get(1).superOptions());
        assertEquals("cgroup2", lines.get(2).fsType());
    }

    @Test
    void thisProcessSeesItsRootMount() {
        List<MountInfoLine> lines = MountInfoLine.parseAll(HostFacts.read("/proc/self/mountinfo"));
        assertTrue(lines.stream().anyMatch(line -> line.mountPoint().equals("/")), lines.toString());
    }
}
