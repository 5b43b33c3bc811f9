package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;

/** {@link MountTableRewriter} and {@link FilesystemType} on generated and kernel-shaped mount tables. */
@Timeout(30)
class MountTableRewriterTest {
    /** Mount points as the kernel escapes them; the fourth is "/mnt/a b". */
    private static final List<String> MOUNT_POINTS = List.of("/", "/proc", "/mnt/data", "/mnt/a\\040b", "/dev/shm");
    private static final List<String> TYPES = List.of("9p", "ext4", "proc", "tmpfs", "fuse.sshfs");
    private static final MountTableRewriter REWRITER = new MountTableRewriter(
            Map.of("/", FilesystemType.XFS, "/mnt/a b", FilesystemType.OVERLAY));

    private static final Gen<String> MOUNTINFO_LINE = integers().between(0, MOUNT_POINTS.size() - 1)
            .zip(integers().between(0, TYPES.size() - 1), integers().between(0, 3), (point, type, optional) -> {
                List<String> fields = new ArrayList<>(List.of(Integer.toString(20 + point), "1",
                        point + ":" + type, "/", MOUNT_POINTS.get(point), optional == 3 ? "ro,relatime" : "rw,nosuid"));
                for (int i = 0; i < optional; i++) {
                    fields.add("shared:" + i);
                }
                fields.addAll(List.of("-", TYPES.get(type), "src" + type, optional == 3 ? "ro" : "rw,trans=virtio"));
                return String.join(" ", fields);
            });

    @Test
    void onlyTheLinesOfDisguisedMountPointsChangeAndTheyKeepTheirDevice() {
        qt().forAll(lists().of(MOUNTINFO_LINE).ofSizeBetween(0, 12)).checkAssert(lines -> {
            String table = lines.stream().map(line -> line + "\n").reduce("", String::concat);
            String[] shown = new String(REWRITER.rewriteMountInfo(table.getBytes(StandardCharsets.ISO_8859_1)),
                    StandardCharsets.ISO_8859_1).split("\n", -1);
            assertEquals(lines.size() + 1, shown.length);
            for (int i = 0; i < lines.size(); i++) {
                String[] fields = lines.get(i).split(" ");
                String prefix = lines.get(i).substring(0, lines.get(i).indexOf(" - ") + 3);
                switch (fields[4]) {
                    case "/" -> assertEquals(prefix + "xfs /dev/vda1 " + fields[fields.length - 1].substring(0, 2)
                            + ",attr2,inode64,logbufs=8,logbsize=32k,noquota", shown[i]);
                    case "/mnt/a\\040b" -> assertEquals(prefix + "overlay overlay "
                            + fields[fields.length - 1].substring(0, 2), shown[i]);
                    default -> assertEquals(lines.get(i), shown[i]);
                }
            }
        });
    }

    @Test
    void disguisedDevicesAreTheMajorMinorOfDisguisedMountPoints() {
        byte[] table = ("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                + "30 27 0:40 / /mnt/a\\040b rw - 9p share rw\n"
                + "31 27 0:41 / /mnt/data rw - 9p data rw\n").getBytes(StandardCharsets.US_ASCII);

        assertEquals(List.of("254:0", "0:40"), List.copyOf(REWRITER.disguisedDevices(table)));
    }

    @Test
    void mountsLinesKeepMountFlagsAndDropTheRealFilesystemsOptions() {
        byte[] mounts = ("/dev/vda / ext4 rw,nosuid,relatime,discard,resuid=65534 0 0\n"
                + "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
                + "share /mnt/a\\040b 9p ro,relatime,trans=virtio 0 0").getBytes(StandardCharsets.US_ASCII);

        String shown = new String(REWRITER.rewriteMounts(mounts), StandardCharsets.US_ASCII);

        assertEquals("/dev/vda1 / xfs rw,nosuid,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0\n"
                + "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
                + "overlay /mnt/a\\040b overlay ro,relatime 0 0", shown);
    }

    /**
     * /proc/self/mountinfo in gVisor (Debian's runsc 0.0~20221219.0, {@code runsc do -force-overlay=false}),
     * recorded: an empty field where the optional fields go (so two spaces before the separator), every
     * source {@code none}, every major 0.
     */
    static final String GVISOR_9P_MOUNTINFO = """
            8 8 0:8 / / rw  - 9p none rw,trans=fd,rfdno=3,wfdno=3,aname=/,dfltuid=4294967294,dfltgid=4294967294,\
            cache=fscache,overlayfs_stale_read
            9 8 0:9 / /sys rw  - sysfs none rw,dentry_cache_limit=1000
            10 8 0:6 / /dev rw  - tmpfs none rw,mode=0755
            11 8 0:10 / /proc rw  - proc none rw,dentry_cache_limit=1000
            12 10 0:11 / /dev/pts rw  - devpts none rw
            """;

    /** The same after {@code mount --make-shared /} and a bind of /dev/null over /dev/kmsg, recorded. */
    static final String GVISOR_9P_SHARED_MOUNTINFO = """
            8 8 0:8 / / rw shared:1 - 9p none rw,trans=fd,rfdno=3,wfdno=3,aname=/,dfltuid=4294967294,\
            dfltgid=4294967294,cache=fscache,overlayfs_stale_read
            9 8 0:9 / /sys rw  - sysfs none rw,dentry_cache_limit=1000
            10 8 0:6 / /dev rw  - tmpfs none rw,mode=0755
            11 8 0:10 / /proc rw  - proc none rw,dentry_cache_limit=1000
            12 10 0:11 / /dev/pts rw  - devpts none rw
            13 10 0:6 /null /dev/kmsg rw  - tmpfs none rw,mode=0755
            """;

    /** /proc/self/mountinfo and /proc/self/mounts under plain {@code runsc do}: gVisor's in-memory overlay root. */
    static final String GVISOR_OVERLAY_MOUNTINFO = """
            10 10 0:10 / / rw  - overlay none rw
            11 10 0:11 / /sys rw  - sysfs none rw,dentry_cache_limit=1000
            12 10 0:6 / /dev rw  - tmpfs none rw,mode=0755
            13 10 0:12 / /proc rw  - proc none rw,dentry_cache_limit=1000
            14 12 0:13 / /dev/pts rw  - devpts none rw
            """;
    static final String GVISOR_OVERLAY_MOUNTS = """
            none / overlay rw 0 0
            none /sys sysfs rw,dentry_cache_limit=1000 0 0
            none /dev tmpfs rw,mode=0755 0 0
            none /proc proc rw,dentry_cache_limit=1000 0 0
            none /dev/pts devpts rw 0 0
            """;

    @Test
    void gvisorsTablesKeepTheirShapeAndOnlyTheRootLineChanges() {
        MountTableRewriter ext4Root = new MountTableRewriter(Map.of("/", FilesystemType.EXT4));
        for (String table : List.of(GVISOR_9P_MOUNTINFO, GVISOR_9P_SHARED_MOUNTINFO, GVISOR_OVERLAY_MOUNTINFO)) {
            List<String> real = table.lines().toList();
            List<String> shown = new String(ext4Root.rewriteMountInfo(table.getBytes(StandardCharsets.US_ASCII)),
                    StandardCharsets.US_ASCII).lines().toList();

            String root = real.getFirst();
            assertEquals(root.substring(0, root.indexOf(" - ") + 3) + "ext4 /dev/vda1 rw", shown.getFirst());
            assertEquals(real.subList(1, real.size()), shown.subList(1, shown.size()));
            String device = root.split(" ")[2];
            assertEquals(List.of(device), List.copyOf(ext4Root.disguisedDevices(table.getBytes(StandardCharsets.US_ASCII))));
        }
        assertEquals("""
                /dev/vda1 / ext4 rw 0 0
                """ + GVISOR_OVERLAY_MOUNTS.substring(GVISOR_OVERLAY_MOUNTS.indexOf('\n') + 1),
                new String(ext4Root.rewriteMounts(GVISOR_OVERLAY_MOUNTS.getBytes(StandardCharsets.US_ASCII)),
                        StandardCharsets.US_ASCII));
    }

    @Test
    void typesAreNamedAsInMountTablesAndOthersAreRefused() {
        for (FilesystemType type : FilesystemType.values()) {
            assertEquals(type, FilesystemType.named(type.fsName()));
        }
        assertEquals(0x58465342L, FilesystemType.named("xfs").magic());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> FilesystemType.named("9p"));
        assertTrue(refused.getMessage().contains("supported types are ext4, xfs, btrfs, overlay, tmpfs"),
                refused.getMessage());
    }
}
