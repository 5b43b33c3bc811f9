package dev.panatrace.launcher;

import dev.panatrace.procsys.FilesystemType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The exact way the launcher will run a k3s node on a machine: the k3s command line, the command that
 * wraps it in a private mount namespace when a mount workaround applies, the environment added, what the
 * node is shown differently (mounts, kernel release), and every workaround with whether it applies and
 * why. Computed from a {@link NodeRequest} and {@link HostFacts} only, so {@code plan} shows what
 * {@code server} and {@code agent} do.
 *
 * @param request what was asked for
 * @param facts the machine it was planned for
 * @param k3sCommand k3s and its arguments
 * @param command what the engine spawns: {@code k3sCommand} itself or the mount-namespace wrapper around it
 * @param addedEnvironment variables added to the launcher's environment for k3s
 * @param disguise what the node is shown differently: the request's, and {@code /} as ext4 where
 *     {@link Workaround#FAKE_ROOT_FS} applies
 * @param decisions one per {@link Workaround}, in their declared order
 */
record NodePlan(NodeRequest request, HostFacts facts, List<String> k3sCommand, List<String> command,
        Map<String, String> addedEnvironment, Optional<FakeFsOptions.Disguise> disguise, List<Decision> decisions) {

    /** Tells tools run under the launcher that a tracer serves /proc/sys, so writing it is safe. */
    static final Map<String, String> ADDED_ENVIRONMENT = Map.of("PANATRACE_SYSCTL_TRACED", "1");

    /** argv[0] of the wrapper's shell, as ps shows it. */
    static final String WRAPPER_NAME = "k3s-launcher-node";

    /** What {@link Workaround#FAKE_ROOT_FS} shows {@code /} as: the commonest root filesystem of a node. */
    static final FilesystemType FAKE_ROOT_TYPE = FilesystemType.EXT4;

    /** What happens to a workaround on this machine. */
    enum Status {
        APPLIED("applied"),
        NOT_NEEDED("not needed"),
        OFFERED("offered"),
        DISABLED("disabled"),
        UNAVAILABLE("unavailable");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /**
     * One workaround's fate.
     *
     * @param workaround which
     * @param status whether it is applied
     * @param reason what was seen here, and what the workaround does about it
     * @param k3sArgs the k3s arguments it adds when applied (also shown when only offered)
     */
    record Decision(Workaround workaround, Status status, String reason, List<String> k3sArgs) {
        Decision {
            k3sArgs = List.copyOf(k3sArgs);
        }

        boolean applied() {
            return status == Status.APPLIED;
        }
    }

    NodePlan {
        k3sCommand = List.copyOf(k3sCommand);
        command = List.copyOf(command);
        addedEnvironment = Map.copyOf(addedEnvironment);
        decisions = List.copyOf(decisions);
    }

    /** Whether {@code workaround} is applied. */
    boolean applies(Workaround workaround) {
        return decisions.stream().anyMatch(decision -> decision.workaround() == workaround && decision.applied());
    }

    /** The plan for {@code request} on a machine with {@code facts}. */
    static NodePlan of(NodeRequest request, HostFacts facts) {
        List<Decision> decisions = new ArrayList<>();
        // Decided before the workarounds that depend on it: a disguised root shows kubelet usable stats.
        String rootShownBy = request.disguisesRoot() ? "--fake-fs" : null;
        for (Workaround workaround : Workaround.values()) {
            Decision decision = decide(workaround, request, facts, rootShownBy);
            if (request.disabled().contains(workaround) && (decision.applied() || decision.status() == Status.OFFERED)) {
                decision = new Decision(workaround, Status.DISABLED,
                        decision.reason() + " (switched off by --no-workaround " + workaround.label() + ")",
                        decision.k3sArgs());
            }
            if (workaround == Workaround.FAKE_ROOT_FS && decision.applied()) {
                rootShownBy = workaround.label();
            }
            decisions.add(decision);
        }
        Optional<FakeFsOptions.Disguise> disguise = request.disguise();
        if (decisions.stream().anyMatch(decision -> decision.workaround() == Workaround.FAKE_ROOT_FS
                && decision.applied())) {
            disguise = Optional.of(disguise.orElse(FakeFsOptions.Disguise.NONE).with("/", FAKE_ROOT_TYPE));
        }
        List<String> k3s = new ArrayList<>();
        k3s.add(request.k3s().toString());
        k3s.add(request.role().command());
        if (request.controlPlaneOnly() && !request.k3sArgs().contains("--disable-agent")) {
            k3s.add("--disable-agent");
        }
        if (request.dataDir() != null) {
            k3s.add("--data-dir");
            k3s.add(request.dataDir().toString());
        }
        k3s.addAll(request.k3sArgs());
        decisions.stream().filter(Decision::applied).forEach(decision -> k3s.addAll(decision.k3sArgs()));
        List<String> script = new ArrayList<>(List.of("set -e"));
        NodePlan partial = new NodePlan(request, facts, List.of(), List.of(), Map.of(), disguise, decisions);
        if (partial.applies(Workaround.MOUNT_PROPAGATION)) {
            script.add(facts.gvisor() ? "mount --make-shared /" : "mount --make-rshared /");
        }
        if (partial.applies(Workaround.DEV_KMSG)) {
            script.add("[ -e /dev/kmsg ] || touch /dev/kmsg");
            script.add("mount --bind /dev/null /dev/kmsg");
        }
        List<String> command = new ArrayList<>();
        if (script.size() > 1) {
            script.add("exec \"$@\"");
            command.addAll(List.of("unshare", "--mount", "--propagation", "unchanged", "sh", "-c",
                    String.join("; ", script), WRAPPER_NAME));
        }
        command.addAll(k3s);
        return new NodePlan(request, facts, k3s, command, ADDED_ENVIRONMENT, disguise, decisions);
    }

    /**
     * @param rootShownBy what shows {@code /} to the node as another type ({@code --fake-fs} or the
     *     fake-root-fs workaround), or null when nothing does
     */
    private static Decision decide(Workaround workaround, NodeRequest request, HostFacts facts, String rootShownBy) {
        if (!request.runsKubelet()) {
            return new Decision(workaround, Status.NOT_NEEDED, "no kubelet runs in this node (--disable-agent)",
                    List.of());
        }
        return switch (workaround) {
            case DEV_KMSG -> facts.kmsgReadable()
                    ? new Decision(workaround, Status.NOT_NEEDED, "/dev/kmsg is readable", List.of())
                    : inNamespace(workaround, facts, "/dev/kmsg is missing or unreadable; kubelet's OOM watcher "
                            + "needs it: bind /dev/null over it in the node's mount namespace");
            case MOUNT_PROPAGATION -> facts.rootShared()
                    ? new Decision(workaround, Status.NOT_NEEDED, "/ is a shared mount", List.of())
                    : inNamespace(workaround, facts, "/ is not a shared mount; kubelet's bind mounts need it: "
                            + (facts.gvisor() ? "mount --make-shared / (gVisor refuses the recursive "
                                    + "--make-rshared with EINVAL)" : "mount --make-rshared /")
                            + " in the node's mount namespace");
            case FAKE_ROOT_FS -> fakeRootFs(request, facts);
            case IMAGE_GC -> imageGc(request, facts, rootShownBy);
            case CNI_PLUGINS -> facts.cniSymlinks().isEmpty()
                    ? new Decision(workaround, Status.NOT_NEEDED, "no symbolic links in " + facts.cniBinDir(), List.of())
                    : new Decision(workaround, Status.APPLIED, facts.cniBinDir() + " has symbolic links ("
                            + String.join(", ", facts.cniSymlinks()) + "): copy their real files over them", List.of());
            case SNAPSHOTTER -> snapshotter(request, facts);
            case KUBELET_ARGS -> kubeletArgs(facts, rootShownBy);
            case SANDBOX_NETWORK -> sandboxNetwork(request, facts);
        };
    }

    private static Decision inNamespace(Workaround workaround, HostFacts facts, String reason) {
        if (!facts.unshare()) {
            return new Decision(workaround, Status.UNAVAILABLE, reason + ", but unshare (util-linux) is not on the PATH",
                    List.of());
        }
        return new Decision(workaround, Status.APPLIED, reason, List.of());
    }

    private static Decision fakeRootFs(NodeRequest request, HostFacts facts) {
        if (request.disguisesRoot()) {
            return new Decision(Workaround.FAKE_ROOT_FS, Status.NOT_NEEDED, "/ is shown as "
                    + request.disguise().orElseThrow().mounts().get("/") + " by --fake-fs", List.of());
        }
        String shown = ": / shown to the node as " + FAKE_ROOT_TYPE + " (mount tables and statfs, maj:min kept, "
                + "zero sizes made plausible)";
        if (!facts.rootFsTypeKnownToCadvisor()) {
            return new Decision(Workaround.FAKE_ROOT_FS, Status.APPLIED, "root filesystem " + facts.rootFsType()
                    + " is not a type cAdvisor takes stats from" + shown, List.of());
        }
        if (!facts.rootFsStatsWork()) {
            return new Decision(Workaround.FAKE_ROOT_FS, Status.APPLIED, "statfs gives root filesystem "
                    + facts.rootFsType() + " no size, which cAdvisor needs" + shown, List.of());
        }
        if (facts.gvisor()) {
            return new Decision(Workaround.FAKE_ROOT_FS, Status.APPLIED, "root filesystem " + facts.rootFsType()
                    + " is gVisor's own, not a disk's" + shown, List.of());
        }
        return new Decision(Workaround.FAKE_ROOT_FS, Status.NOT_NEEDED,
                "root filesystem " + facts.rootFsType() + " has usable stats", List.of());
    }

    private static Decision imageGc(NodeRequest request, HostFacts facts, String rootShownBy) {
        if (rootShownBy != null) {
            return new Decision(Workaround.IMAGE_GC, Status.NOT_NEEDED,
                    "/ is shown with usable stats (" + rootShownBy + ")", List.of());
        }
        if (facts.rootFsSupportedByCadvisor()) {
            return new Decision(Workaround.IMAGE_GC, Status.NOT_NEEDED,
                    "root filesystem " + facts.rootFsType() + " has usable stats", List.of());
        }
        if (request.passes("--kubelet-arg=image-gc-high-threshold")) {
            return new Decision(Workaround.IMAGE_GC, Status.NOT_NEEDED, "thresholds given on the command line", List.of());
        }
        return new Decision(Workaround.IMAGE_GC, Status.APPLIED, "root filesystem " + facts.rootFsType()
                + " gives kubelet no usable image filesystem stats: thresholds high 100, low 99",
                List.of("--kubelet-arg=image-gc-high-threshold=100", "--kubelet-arg=image-gc-low-threshold=99"));
    }

    private static Decision snapshotter(NodeRequest request, HostFacts facts) {
        if (request.passes("--snapshotter")) {
            return new Decision(Workaround.SNAPSHOTTER, Status.NOT_NEEDED, "--snapshotter given on the command line",
                    List.of());
        }
        if (facts.overlayUsable()) {
            return new Decision(Workaround.SNAPSHOTTER, Status.NOT_NEEDED, "overlay can mount here", List.of());
        }
        String overlay = facts.gvisor() ? "gVisor refuses the whiteouts overlay needs" : "overlay cannot mount here";
        if (facts.fuseOverlayfsUsable()) {
            return new Decision(Workaround.SNAPSHOTTER, Status.APPLIED, overlay + "; fuse-overlayfs and /dev/fuse are "
                    + "present", List.of("--snapshotter=fuse-overlayfs"));
        }
        String fuse = facts.gvisor() && facts.fuseOverlayfs() ? "gVisor's FUSE fails fuse-overlayfs"
                : "fuse-overlayfs is not usable";
        return new Decision(Workaround.SNAPSHOTTER, Status.APPLIED, overlay + " and " + fuse
                + ": the native snapshotter (copies, slow)", List.of("--snapshotter=native"));
    }

    private static Decision kubeletArgs(HostFacts facts, String rootShownBy) {
        List<String> args = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        if (facts.swapOn()) {
            args.add("--kubelet-arg=fail-swap-on=false");
            reasons.add("swap is on");
        }
        if (facts.userNamespace()) {
            args.add("--kubelet-arg=feature-gates=KubeletInUserNamespace=true");
            reasons.add("running in a user namespace");
        }
        if (!facts.rootFsSupportedByCadvisor() && rootShownBy == null) {
            args.add("--kubelet-arg=local-storage-capacity-isolation=false");
            reasons.add("root filesystem " + facts.rootFsType() + " has no stats cAdvisor can use");
        }
        if (args.isEmpty()) {
            return new Decision(Workaround.KUBELET_ARGS, Status.NOT_NEEDED,
                    "no swap, no user namespace, root filesystem stats usable"
                            + (facts.rootFsSupportedByCadvisor() ? "" : " as shown (" + rootShownBy + ")"), List.of());
        }
        return new Decision(Workaround.KUBELET_ARGS, Status.APPLIED, String.join("; ", reasons), args);
    }

    private static Decision sandboxNetwork(NodeRequest request, HostFacts facts) {
        if (request.role() == NodeRequest.Role.AGENT) {
            return new Decision(Workaround.SANDBOX_NETWORK, Status.NOT_NEEDED,
                    "server flags; an agent follows its server's network settings", List.of());
        }
        List<String> args = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        if (facts.gvisor() || !facts.vxlan()) {
            args.add("--flannel-backend=none");
            reasons.add(facts.gvisor() ? "gVisor has no vxlan devices for flannel" : "no vxlan module for flannel");
        }
        if (facts.gvisor() || !facts.ipset()) {
            args.add("--disable-network-policy");
            reasons.add(facts.gvisor() ? "gVisor has no ipset for the network policy controller"
                    : "no ipset for the network policy controller");
        }
        if (args.isEmpty()) {
            return new Decision(Workaround.SANDBOX_NETWORK, Status.NOT_NEEDED, "flannel and network policy can run",
                    List.of());
        }
        return request.sandboxNetwork()
                ? new Decision(Workaround.SANDBOX_NETWORK, Status.APPLIED, String.join("; ", reasons), args)
                : new Decision(Workaround.SANDBOX_NETWORK, Status.OFFERED,
                        String.join("; ", reasons) + " (apply with --sandbox-network)", args);
    }
}
