package dev.panatrace.procsys;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A filesystem type that {@link FilesystemDisguise} can present a mount as: one that container
 * runtimes and cAdvisor accept for a node's root, with its {@code statfs} magic number from
 * {@code <linux/magic.h>} and what its mount table line usually shows.
 */
public enum FilesystemType {
    /** ext4, {@code EXT4_SUPER_MAGIC}. */
    EXT4("ext4", 0xEF53L, "/dev/vda1", ""),
    /** XFS, {@code XFS_SUPER_MAGIC}. */
    XFS("xfs", 0x58465342L, "/dev/vda1", ",attr2,inode64,logbufs=8,logbsize=32k,noquota"),
    /** btrfs, {@code BTRFS_SUPER_MAGIC}. */
    BTRFS("btrfs", 0x9123683EL, "/dev/vda1", ",space_cache=v2,subvolid=5,subvol=/"),
    /** overlayfs, {@code OVERLAYFS_SUPER_MAGIC}. */
    OVERLAY("overlay", 0x794C7630L, "overlay", ""),
    /** tmpfs, {@code TMPFS_MAGIC}. */
    TMPFS("tmpfs", 0x01021994L, "tmpfs", "");

    private final String fsName;
    private final long magic;
    private final String source;
    private final String extraSuperOptions;

    FilesystemType(String fsName, long magic, String source, String extraSuperOptions) {
        this.fsName = fsName;
        this.magic = magic;
        this.source = source;
        this.extraSuperOptions = extraSuperOptions;
    }

    /**
     * The type named as in the fstype column of {@code /proc/self/mountinfo}.
     *
     * @param name e.g. {@code "xfs"}
     * @return the type
     * @throws IllegalArgumentException naming the supported types, for any other name
     */
    public static FilesystemType named(String name) {
        for (FilesystemType type : values()) {
            if (type.fsName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("cannot present a mount as '" + name + "': supported types are "
                + Arrays.stream(values()).map(FilesystemType::fsName).collect(Collectors.joining(", ")));
    }

    /**
     * The name in mount tables, e.g. {@code "xfs"}.
     *
     * @return the name in mount tables, e.g. {@code "xfs"}
     */
    public String fsName() {
        return fsName;
    }

    /**
     * The {@code f_type} that {@code statfs} reports for this type.
     *
     * @return the {@code f_type} that {@code statfs} reports for this type
     */
    public long magic() {
        return magic;
    }

    /**
     * A plausible mount source for this type: a block device, or the type's name for virtual ones.
     *
     * @return a plausible mount source for this type: a block device, or the type's name for virtual ones
     */
    public String source() {
        return source;
    }

    /**
     * Plausible super options: the original's access mode ({@code rw} or {@code ro}) and the options this
     * type's kernel driver always shows.
     *
     * @param accessMode {@code "rw"} or {@code "ro"}
     * @return e.g. {@code "rw,attr2,inode64,logbufs=8,logbsize=32k,noquota"} for XFS
     */
    public String superOptions(String accessMode) {
        return accessMode + extraSuperOptions;
    }

    /** The name in mount tables. */
    @Override
    public String toString() {
        return fsName;
    }
}
