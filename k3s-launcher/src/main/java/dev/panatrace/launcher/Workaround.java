package dev.panatrace.launcher;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The sandbox workarounds the launcher knows, each named as {@code --no-workaround NAME} names it. Whether
 * one applies is decided per machine by {@link NodePlan}.
 */
enum Workaround {
    /** kubelet's OOM watcher opens /dev/kmsg: bind /dev/null over it in the node's mount namespace. */
    DEV_KMSG("dev-kmsg"),
    /** kubelet's bind mounts need {@code /} shared: {@code mount --make-rshared /} in the node's namespace. */
    MOUNT_PROPAGATION("mount-propagation"),
    /**
     * Where cAdvisor cannot take the root filesystem's type or stats (9p, a root without sizes, gVisor's own
     * root): show {@code /} to the node as ext4, as {@code --fake-fs /=ext4} does.
     */
    FAKE_ROOT_FS("fake-root-fs"),
    /** Image GC thresholds kubelet accepts where image filesystem stats are unusable. */
    IMAGE_GC("image-gc"),
    /** CNI plugins given as symbolic links, which the sandbox does not follow: copy the real files. */
    CNI_PLUGINS("cni-plugins"),
    /** containerd's snapshotter: fuse-overlayfs where overlay cannot mount, else native. */
    SNAPSHOTTER("snapshotter"),
    /** kubelet flags for swap, user namespaces and root filesystems without usable stats. */
    KUBELET_ARGS("kubelet-args"),
    /** No flannel and no network policy controller where the sandbox cannot run them (only when asked). */
    SANDBOX_NETWORK("sandbox-network");

    private final String label;

    Workaround(String label) {
        this.label = label;
    }

    /** The name used on the command line and in the launcher's output. */
    String label() {
        return label;
    }

    /** The workaround called {@code label}. */
    static Optional<Workaround> named(String label) {
        return Arrays.stream(values()).filter(workaround -> workaround.label.equals(label)).findFirst();
    }

    /** Every name, comma-separated, for error messages. */
    static String labels() {
        return Arrays.stream(values()).map(Workaround::label).collect(Collectors.joining(", "));
    }
}
