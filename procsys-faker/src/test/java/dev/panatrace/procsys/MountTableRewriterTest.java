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
