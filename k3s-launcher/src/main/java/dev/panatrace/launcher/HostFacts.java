package dev.panatrace.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What this machine offers k3s, read without changing anything: the inputs of every workaround decision
 * and of {@code doctor}. Tests build one by hand to decide workarounds for another machine.
 *
 * @param kernelRelease {@code uname -r}, from /proc/sys/kernel/osrelease (or uname(2) where that file is
 *     missing, as in gVisor)
 * @param procVersion the text of /proc/version
 * @param kernelLog the kernel's log as syslog(2) gives it ({@link KernelLog}), empty when refused
 * @param bootCommandLine the text of /proc/cmdline
 * @param kmsgReadable whether /dev/kmsg exists and can be opened for reading
 * @param rootFsType the fstype column of /proc/self/mountinfo for {@code /}
 * @param rootShared whether {@code /} is a shared mount (its optional fields hold {@code shared:N})
 * @param rootFsStatsWork whether statfs of {@code /} reports a non-zero size, as cAdvisor needs
 * @param swapOn whether /proc/swaps lists a swap area, which kubelet refuses by default
 * @param cgroupVersion {@code v2}, {@code v1}, {@code hybrid} (v1 controllers and a v2 unified tree) or {@code none}
 * @param cgroupControllers the controllers mounted (v1) or offered by the root cgroup (v2)
 * @param userNamespace whether /proc/self/uid_map is not the identity map of the initial namespace
 * @param overlayListed whether /proc/filesystems lists overlay
 * @param fuseOverlayfs whether fuse-overlayfs is on the PATH and /dev/fuse exists
 * @param unshare whether util-linux unshare is on the PATH
 * @param vxlan whether the kernel has the vxlan module flannel's default backend needs
 * @param ipset whether ipset, which k3s's network policy controller needs, is on the PATH
 * @param cniBinDir the directory kubelet looks for CNI plugins in
 * @param cniSymlinks the entries of {@code cniBinDir} that are symbolic links
 * @param cniFiles the entries of {@code cniBinDir} that are regular files
 */
record HostFacts(String kernelRelease, String procVersion, String kernelLog, String bootCommandLine,
        boolean kmsgReadable, String rootFsType,
        boolean rootShared, boolean rootFsStatsWork, boolean swapOn, String cgroupVersion, List<String> cgroupControllers,
        boolean userNamespace, boolean overlayListed, boolean fuseOverlayfs, boolean unshare, boolean vxlan,
        boolean ipset, Path cniBinDir, List<String> cniSymlinks, List<String> cniFiles) {

    /** Filesystems cAdvisor takes root filesystem stats from; on others kubelet's ContainerManager fails. */
    static final Set<String> CADVISOR_FILESYSTEMS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "overlay",
            "tmpfs", "zfs", "nfs", "nfs4");

    /** The default CNI plugin directory of kubelet and k3s's containerd configuration. */
    static final Path DEFAULT_CNI_BIN_DIR = Path.of("/opt/cni/bin");

    HostFacts {
        cgroupControllers = List.copyOf(cgroupControllers);
        cniSymlinks = List.copyOf(cniSymlinks);
        cniFiles = List.copyOf(cniFiles);
    }

    /** What gVisor writes first into its kernel log; a Linux kernel begins with "Linux version". */
    static final String GVISOR_LOG_START = "Starting gVisor";

    /**
     * Whether this is gVisor, as the system itself says: its kernel log begins with "Starting gVisor...", or
     * its boot command line names a {@code -gvisor} kernel image, or its release or /proc/version names
     * gVisor. Its release alone (4.4.0 in the 2022 builds, 4.4.0 being also a real Linux release) is no
     * evidence.
     */
    boolean gvisor() {
        return gvisorEvidence().isPresent();
    }

    /** What says that this is gVisor, as {@code doctor} quotes it; empty elsewhere. */
    Optional<String> gvisorEvidence() {
        Optional<String> logLine = kernelLog.lines().filter(line -> line.contains(GVISOR_LOG_START)).findFirst();
        if (logLine.isPresent()) {
            String line = logLine.get();
            return Optional.of("kernel log: \"" + line.substring(line.indexOf(GVISOR_LOG_START)).strip() + "\"");
        }
        if (bootCommandLine.contains("-gvisor")) {
            return Optional.of("boot command line: " + bootCommandLine.strip());
        }
        if (kernelRelease.contains("gvisor") || procVersion.toLowerCase(Locale.ROOT).contains("gvisor")) {
            return Optional.of("/proc/version: " + procVersion.strip());
        }
        return Optional.empty();
    }

    /** Whether cAdvisor can take root filesystem stats here; when not, kubelet's ContainerManager fails. */
    boolean rootFsSupportedByCadvisor() {
        return rootFsTypeKnownToCadvisor() && rootFsStatsWork;
    }

    /** Whether cAdvisor accepts the root filesystem's type, whatever its stats say. */
    boolean rootFsTypeKnownToCadvisor() {
        return CADVISOR_FILESYSTEMS.contains(rootFsType);
    }

    /** Whether containerd's overlayfs snapshotter can mount here. */
    boolean overlayUsable() {
        // overlay cannot take 9p as its upper directory. gVisor (2022-12) mounts an overlay but refuses the
        // whiteout it needs to delete a lower file (mknod c 0 0 and unlink both fail with EPERM there).
        return overlayListed && !rootFsType.equals("9p") && !gvisor();
    }

    /**
     * Whether containerd can use fuse-overlayfs here: it is on the PATH with /dev/fuse, and this is not gVisor,
     * whose FUSE (2022-12) fails fuse-overlayfs's INIT ("filesystem requested capabilities 0x40 that are not
     * supported by kernel").
     */
    boolean fuseOverlayfsUsable() {
        return fuseOverlayfs && !gvisor();
    }

    /** Reads the facts of this machine; {@code cniBinDir} is where the node's CNI plugins are looked for. */
    static HostFacts probe(Path cniBinDir) {
        List<MountInfoLine> mounts = MountInfoLine.parseAll(read("/proc/self/mountinfo"));
        Optional<MountInfoLine> root = mounts.stream().filter(line -> line.mountPoint().equals("/"))
                .reduce((first, second) -> second);
        CniEntries cni = CniEntries.of(cniBinDir);
        Cgroups cgroups = Cgroups.of(mounts);
        String release = read("/proc/sys/kernel/osrelease").strip();
        return new HostFacts(
                // gVisor has no kernel/osrelease; the JVM read uname(2) at its start.
                release.isEmpty() ? System.getProperty("os.version") : release,
                read("/proc/version").strip(),
                KernelLog.read(),
                read("/proc/cmdline").strip(),
                Files.isReadable(Path.of("/dev/kmsg")),
                root.map(MountInfoLine::fsType).orElse("unknown"),
                root.map(MountInfoLine::shared).orElse(false),
                statfsGivesSize(),
                read("/proc/swaps").lines().skip(1).anyMatch(line -> !line.isBlank()),
                cgroups.version(),
                cgroups.controllers(),
                !read("/proc/self/uid_map").strip().replaceAll("\\s+", " ").equals("0 0 4294967295"),
                read("/proc/filesystems").lines().anyMatch(line -> line.strip().endsWith("overlay")),
                onPath("fuse-overlayfs").isPresent() && Files.exists(Path.of("/dev/fuse")),
                onPath("unshare").isPresent(),
                Files.isDirectory(Path.of("/sys/module/vxlan")),
                onPath("ipset").isPresent(),
                cniBinDir, cni.symlinks(), cni.files());
    }

    /**
     * The entries of a CNI plugin directory by kind; both empty when there is no such directory.
     *
     * @param symlinks names of symbolic links
     * @param files names of regular files
     */
    record CniEntries(List<String> symlinks, List<String> files) {
        static CniEntries of(Path dir) {
            List<String> symlinks = new ArrayList<>();
            List<String> files = new ArrayList<>();
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.sorted().toList()) {
                    if (Files.isSymbolicLink(entry)) {
                        symlinks.add(entry.getFileName().toString());
                    } else if (Files.isRegularFile(entry)) {
                        files.add(entry.getFileName().toString());
                    }
                }
            } catch (IOException e) {
                // No such directory: nothing to copy, and doctor reports it missing.
            }
            return new CniEntries(List.copyOf(symlinks), List.copyOf(files));
        }
    }

    private static boolean statfsGivesSize() {
        try {
            return Files.getFileStore(Path.of("/")).getTotalSpace() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The cgroup layout under /sys/fs/cgroup. */
    private record Cgroups(String version, List<String> controllers) {
        static Cgroups of(List<MountInfoLine> mounts) {
            Set<String> v1 = new TreeSet<>();
            boolean v2 = false;
            boolean v2AtRoot = false;
            for (MountInfoLine mount : mounts) {
                if (!mount.mountPoint().startsWith("/sys/fs/cgroup")) {
                    continue;
                }
                if (mount.fsType().equals("cgroup2")) {
                    v2 = true;
                    v2AtRoot |= mount.mountPoint().equals("/sys/fs/cgroup");
                } else if (mount.fsType().equals("cgroup")) {
                    for (String option : mount.superOptions().split(",")) {
                        if (!option.equals("rw") && !option.equals("ro") && !option.startsWith("name=")
                                && !option.contains("=")) {
                            v1.add(option);
                        }
                    }
                }
            }
            if (v2AtRoot) {
                String offered = read("/sys/fs/cgroup/cgroup.controllers").strip();
                return new Cgroups("v2", offered.isEmpty() ? List.of() : List.of(offered.split("\\s+")));
            }
            if (!v1.isEmpty()) {
                return new Cgroups(v2 ? "hybrid" : "v1", List.copyOf(v1));
            }
            return new Cgroups(v2 ? "v2" : "none", List.of());
        }
    }

    /** The text of a file, or empty when it cannot be read (a sandbox may lack it). */
    static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }

    /** The first executable file named {@code name} in the PATH. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
