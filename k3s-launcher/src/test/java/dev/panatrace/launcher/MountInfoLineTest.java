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
    void readsGvisorsTables() {
        // Recorded in runsc do -force-overlay=false (Debian's runsc 0.0~20221219.0), before and after
        // mount --make-shared /: no optional fields leaves an empty one.
        List<MountInfoLine> lines = MountInfoLine.parseAll("""
                8 8 0:8 / / rw  - 9p none rw,trans=fd,rfdno=3,wfdno=3,aname=/,cache=fscache,overlayfs_stale_read
                9 8 0:9 / /sys rw  - sysfs none rw,dentry_cache_limit=1000
                8 8 0:8 / / rw shared:1 - 9p none rw,trans=fd,rfdno=3,wfdno=3,aname=/,cache=fscache
                """);
        assertEquals(List.of(new MountInfoLine("/", List.of(), "9p",
                        "rw,trans=fd,rfdno=3,wfdno=3,aname=/,cache=fscache,overlayfs_stale_read"),
                new MountInfoLine("/sys", List.of(), "sysfs", "rw,dentry_cache_limit=1000"),
                new MountInfoLine("/", List.of("shared:1"), "9p", "rw,trans=fd,rfdno=3,wfdno=3,aname=/,cache=fscache")),
                lines);
        assertFalse(lines.get(0).shared());
        assertTrue(lines.get(2).shared());
    }

    @Test
    void thisProcessSeesItsRootMount() {
        List<MountInfoLine> lines = MountInfoLine.parseAll(HostFacts.read("/proc/self/mountinfo"));
        assertTrue(lines.stream().anyMatch(line -> line.mountPoint().equals("/")), lines.toString());
    }
}
