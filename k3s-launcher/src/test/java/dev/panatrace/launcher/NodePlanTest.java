package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.panatrace.procsys.FilesystemType;
import dev.panatrace.procsys.SysctlProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which workarounds apply on which machine, and the plan text, decided from facts alone. */
@Timeout(30)
class NodePlanTest {
    private static final Path K3S = Path.of("/usr/local/bin/k3s");
    private static final SysctlProfile PROFILE = SysctlProfile.parse("test.conf",
            "kernel.panic = 10\nvm.overcommit_memory = 1\n");

    /** The start of gVisor's kernel log (runsc 2022-12), as dmesg prints it there. */
    static final String GVISOR_LOG = """
            [    0.000000] Starting gVisor...
            [    0.439013] Checking naughty and nice process list...
            [    0.658531] Reading process obituaries...
            """;

    /** The seed research's sandbox: gVisor, a 9p root, no /dev/kmsg, a private /, CNI plugins as links. */
    static HostFacts gvisorLike() {
        return new HostFacts("4.4.0", "Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016", GVISOR_LOG,
                "BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet", false, "9p", false,
                false, false, "v1", List.of("cpu", "memory", "pids"), true, false, false, true, false, false,
                Path.of("/opt/cni/bin"), List.of("host-local", "loopback"), List.of("bridge"));
    }

    /** A plain Linux host on which k3s needs nothing. */
    static HostFacts ordinaryHost() {
        return new HostFacts("6.8.0", "Linux version 6.8.0", "", "BOOT_IMAGE=/vmlinuz-6.8.0 root=/dev/vda1 ro", true,
                "ext4", true, true, false, "v2",
                List.of("cpu", "memory", "pids"), false, true, false, true, true, true, Path.of("/opt/cni/bin"),
                List.of(), List.of("bridge", "host-local"));
    }

    private static NodeRequest request(NodeRequest.Role role, boolean controlPlaneOnly, String... args) {
        return new NodeRequest(role, K3S, controlPlaneOnly, null, Set.of(), false, List.of(args));
    }

    @Test
    void serverInTheSandbox() {
        NodePlan plan = NodePlan.of(request(NodeRequest.Role.SERVER, false, "--node-name", "cp"), gvisorLike());
        assertEquals("""
                k3s command:
                  /usr/local/bin/k3s server --node-name cp --snapshotter=native \
                --kubelet-arg=feature-gates=KubeletInUserNamespace=true
                run as:
                  unshare --mount --propagation unchanged sh -c 'set -e; mount --make-shared /; \
                [ -e /dev/kmsg ] || touch /dev/kmsg; mount --bind /dev/null /dev/kmsg; exec "$@"' k3s-launcher-node \
                /usr/local/bin/k3s server --node-name cp --snapshotter=native \
                --kubelet-arg=feature-gates=KubeletInUserNamespace=true
                environment added:
                  PANATRACE_SYSCTL_TRACED=1
                disguise:
                  mount / shown as ext4 (mount tables, statfs)
                workarounds:
                  dev-kmsg           applied      /dev/kmsg is missing or unreadable; kubelet's OOM watcher needs it: \
                bind /dev/null over it in the node's mount namespace
                  mount-propagation  applied      / is not a shared mount; kubelet's bind mounts need it: \
                mount --make-shared / (gVisor refuses the recursive --make-rshared with EINVAL) in the node's mount \
                namespace
                  fake-root-fs       applied      root filesystem 9p is not a type cAdvisor takes stats from: / shown \
                to the node as ext4 (mount tables and statfs, maj:min kept, zero sizes made plausible)
                  image-gc           not needed   / is shown with usable stats (fake-root-fs)
                  cni-plugins        applied      /opt/cni/bin has symbolic links (host-local, loopback): copy their \
                real files over them
                  snapshotter        applied      gVisor refuses the whiteouts overlay needs and fuse-overlayfs is not \
                usable: the native snapshotter (copies, slow) [--snapshotter=native]
                  kubelet-args       applied      running in a user namespace \
                [--kubelet-arg=feature-gates=KubeletInUserNamespace=true]
                  sandbox-network    offered      gVisor has no vxlan devices for flannel; gVisor has no ipset for \
                the network policy controller (apply with --sandbox-network) [--flannel-backend=none \
                --disable-network-policy]
                profile test.conf (2 keys):
                  kernel.panic = 10
                  vm.overcommit_memory = 1
                """, PlanCommand.render(plan, PROFILE));
    }

    @Test
    void withTheRootWorkaroundSwitchedOffTheKubeletGetsTheFlagsForAUselessRoot() {
        NodePlan plan = NodePlan.of(agent(Set.of(Workaround.FAKE_ROOT_FS), Optional.empty()), gvisorLike());

        assertEquals(Optional.empty(), plan.disguise());
        assertEquals(List.of(
                "  fake-root-fs       disabled     root filesystem 9p is not a type cAdvisor takes stats from: / shown "
                        + "to the node as ext4 (mount tables and statfs, maj:min kept, zero sizes made plausible) "
                        + "(switched off by --no-workaround fake-root-fs)",
                "  image-gc           applied      root filesystem 9p gives kubelet no usable image filesystem stats: "
                        + "thresholds high 100, low 99 [--kubelet-arg=image-gc-high-threshold=100 "
                        + "--kubelet-arg=image-gc-low-threshold=99]"), rootWorkaroundLines(plan));
        assertTrue(plan.k3sCommand().contains("--kubelet-arg=local-storage-capacity-isolation=false"),
                plan.k3sCommand().toString());
    }

    @Test
    void theRootIsDisguisedWhereCadvisorCannotUseIt() {
        HostFacts host = ordinaryHost();
        // gVisor's overlay root, as plain runsc do has it: a type cAdvisor knows, with sizes, but gVisor's own.
        HostFacts gvisorOverlay = withRoot(gvisorLike(), "overlay", true);
        Map<HostFacts, String> reasons = Map.of(
                withRoot(host, "9p", true), "root filesystem 9p is not a type cAdvisor takes stats from",
                withRoot(host, "virtiofs", true), "root filesystem virtiofs is not a type cAdvisor takes stats from",
                withRoot(host, "xfs", false), "statfs gives root filesystem xfs no size, which cAdvisor needs",
                gvisorOverlay, "root filesystem overlay is gVisor's own, not a disk's");
        reasons.forEach((facts, reason) -> {
            NodePlan plan = NodePlan.of(request(NodeRequest.Role.AGENT, false, "--server", "https://cp:6443"), facts);
            NodePlan.Decision decision = plan.decisions().stream()
                    .filter(d -> d.workaround() == Workaround.FAKE_ROOT_FS).findFirst().orElseThrow();
            assertEquals(NodePlan.Status.APPLIED, decision.status(), facts.rootFsType());
            assertTrue(decision.reason().startsWith(reason + ": / shown to the node as ext4"), decision.reason());
            assertEquals(Map.of("/", FilesystemType.EXT4), plan.disguise().orElseThrow().mounts());
            assertFalse(plan.applies(Workaround.IMAGE_GC), facts.rootFsType());
            assertFalse(plan.k3sCommand().contains("--kubelet-arg=local-storage-capacity-isolation=false"));
        });
        for (String type : HostFacts.CADVISOR_FILESYSTEMS) {
            NodePlan plan = NodePlan.of(request(NodeRequest.Role.AGENT, false, "--server", "https://cp:6443"),
                    withRoot(host, type, true));
            assertFalse(plan.applies(Workaround.FAKE_ROOT_FS), type);
            assertEquals(Optional.empty(), plan.disguise(), type);
        }
        NodePlan controlPlane = NodePlan.of(request(NodeRequest.Role.SERVER, true), gvisorLike());
        assertFalse(controlPlane.applies(Workaround.FAKE_ROOT_FS), "no kubelet, no cAdvisor");
        assertEquals(Optional.empty(), controlPlane.disguise());
    }

    @Test
    void aRootTheUserDisguisesIsLeftAsTheUserAsked() {
        FakeFsOptions.Disguise asked = new FakeFsOptions.Disguise(Map.of("/", FilesystemType.XFS,
                "/var/lib/rancher", FilesystemType.BTRFS), Optional.empty());
        NodePlan plan = NodePlan.of(agent(Set.of(), Optional.of(asked)), gvisorLike());

        assertEquals(Optional.of(asked), plan.disguise());
        assertEquals(List.of(
                "  fake-root-fs       not needed   / is shown as xfs by --fake-fs",
                "  image-gc           not needed   / is shown with usable stats (--fake-fs)"), rootWorkaroundLines(plan));
    }

    @Test
    void theRootWorkaroundKeepsTheUsersOtherMountsAndRelease() {
        FakeFsOptions.Disguise asked = new FakeFsOptions.Disguise(Map.of("/var/lib/rancher", FilesystemType.XFS),
                Optional.of("6.1.0-sandbox"));
        NodePlan plan = NodePlan.of(agent(Set.of(), Optional.of(asked)), gvisorLike());

        assertEquals(List.of("mount /var/lib/rancher shown as xfs (mount tables, statfs)",
                "mount / shown as ext4 (mount tables, statfs)", "kernel release shown as 6.1.0-sandbox (uname)"),
                plan.disguise().orElseThrow().describe());
    }

    /** An agent joining https://cp:6443, with workarounds switched off and what --fake-fs asked for. */
    private static NodeRequest agent(Set<Workaround> disabled, Optional<FakeFsOptions.Disguise> disguise) {
        return new NodeRequest(NodeRequest.Role.AGENT, K3S, false, null, disabled, false,
                List.of("--server", "https://cp:6443"), disguise);
    }

    /** The plan's lines of the two workarounds that the root filesystem decides. */
    private static List<String> rootWorkaroundLines(NodePlan plan) {
        return PlanCommand.render(plan, PROFILE).lines()
                .filter(line -> line.startsWith("  fake-root-fs ") || line.startsWith("  image-gc ")).toList();
    }

    /** {@code facts} with another root filesystem type and statfs result. */
    static HostFacts withRoot(HostFacts f, String rootFsType, boolean statsWork) {
        return new HostFacts(f.kernelRelease(), f.procVersion(), f.kernelLog(), f.bootCommandLine(), f.kmsgReadable(),
                rootFsType, f.rootShared(), statsWork, f.swapOn(), f.cgroupVersion(), f.cgroupControllers(),
                f.userNamespace(), f.overlayListed(), f.fuseOverlayfs(), f.unshare(), f.vxlan(), f.ipset(),
                f.cniBinDir(), f.cniSymlinks(), f.cniFiles());
    }

    @Test
    void controlPlaneOnlyNeedsNoWorkaround() {
        NodePlan plan = NodePlan.of(request(NodeRequest.Role.SERVER, true), gvisorLike());
        assertEquals("""
                k3s command:
                  /usr/local/bin/k3s server --disable-agent
                run as:
                  /usr/local/bin/k3s server --disable-agent
                environment added:
                  PANATRACE_SYSCTL_TRACED=1
                workarounds:
                  dev-kmsg           not needed   no kubelet runs in this node (--disable-agent)
                  mount-propagation  not needed   no kubelet runs in this node (--disable-agent)
                  fake-root-fs       not needed   no kubelet runs in this node (--disable-agent)
                  image-gc           not needed   no kubelet runs in this node (--disable-agent)
                  cni-plugins        not needed   no kubelet runs in this node (--disable-agent)
                  snapshotter        not needed   no kubelet runs in this node (--disable-agent)
                  kubelet-args       not needed   no kubelet runs in this node (--disable-agent)
                  sandbox-network    not needed   no kubelet runs in this node (--disable-agent)
                profile test.conf (2 keys):
                  kernel.panic = 10
                  vm.overcommit_memory = 1
                """, PlanCommand.render(plan, PROFILE));
    }

    @Test
    void agentOnAnOrdinaryHostRunsK3sDirectly() {
        NodePlan plan = NodePlan.of(new NodeRequest(NodeRequest.Role.AGENT, K3S, false, Path.of("/var/lib/w2"),
                Set.of(), false, List.of("--server", "https://cp:6443", "--token", "s3cret", "--node-name", "w2")),
                ordinaryHost());
        assertEquals("""
                k3s command:
                  /usr/local/bin/k3s agent --data-dir /var/lib/w2 --server https://cp:6443 --token s3cret \
                --node-name w2
                run as:
                  /usr/local/bin/k3s agent --data-dir /var/lib/w2 --server https://cp:6443 --token s3cret \
                --node-name w2
                environment added:
                  PANATRACE_SYSCTL_TRACED=1
                workarounds:
                  dev-kmsg           not needed   /dev/kmsg is readable
                  mount-propagation  not needed   / is a shared mount
                  fake-root-fs       not needed   root filesystem ext4 has usable stats
                  image-gc           not needed   root filesystem ext4 has usable stats
                  cni-plugins        not needed   no symbolic links in /opt/cni/bin
                  snapshotter        not needed   overlay can mount here
                  kubelet-args       not needed   no swap, no user namespace, root filesystem stats usable
                  sandbox-network    not needed   server flags; an agent follows its server's network settings
                profile test.conf (2 keys):
                  kernel.panic = 10
                  vm.overcommit_memory = 1
                """, PlanCommand.render(plan, PROFILE));
    }

    @Test
    void theDisguiseIsListedBeforeTheWorkarounds() {
        FakeFsOptions.Disguise disguise = new FakeFsOptions.Disguise(Map.of("/var/lib/rancher", FilesystemType.XFS),
                Optional.of("6.1.0-sandbox"));
        NodePlan plan = NodePlan.of(agent(Set.of(), Optional.of(disguise)), ordinaryHost());
        assertEquals("""
                k3s command:
                  /usr/local/bin/k3s agent --server https://cp:6443
                run as:
                  /usr/local/bin/k3s agent --server https://cp:6443
                environment added:
                  PANATRACE_SYSCTL_TRACED=1
                disguise:
                  mount /var/lib/rancher shown as xfs (mount tables, statfs)
                  kernel release shown as 6.1.0-sandbox (uname)
                workarounds:
                  dev-kmsg           not needed   /dev/kmsg is readable
                  mount-propagation  not needed   / is a shared mount
                  fake-root-fs       not needed   root filesystem ext4 has usable stats
                  image-gc           not needed   root filesystem ext4 has usable stats
                  cni-plugins        not needed   no symbolic links in /opt/cni/bin
                  snapshotter        not needed   overlay can mount here
                  kubelet-args       not needed   no swap, no user namespace, root filesystem stats usable
                  sandbox-network    not needed   server flags; an agent follows its server's network settings
                profile test.conf (2 keys):
                  kernel.panic = 10
                  vm.overcommit_memory = 1
                """, PlanCommand.render(plan, PROFILE));
    }

    @Test
    void aWorkaroundSwitchedOffIsNotApplied() {
        NodePlan plan = NodePlan.of(new NodeRequest(NodeRequest.Role.SERVER, K3S, false, null,
                Set.of(Workaround.MOUNT_PROPAGATION, Workaround.IMAGE_GC), false, List.of()), gvisorLike());
        assertFalse(plan.applies(Workaround.MOUNT_PROPAGATION));
        assertFalse(plan.applies(Workaround.IMAGE_GC));
        assertTrue(plan.applies(Workaround.DEV_KMSG));
        assertFalse(String.join(" ", plan.command()).contains("--make-rshared"), plan.command().toString());
        assertFalse(plan.k3sCommand().contains("--kubelet-arg=image-gc-high-threshold=100"));
        assertTrue(String.join(" ", plan.command()).contains("mount --bind /dev/null /dev/kmsg"));
    }

    @Test
    void sandboxNetworkIsAppliedOnlyWhenAskedFor() {
        NodePlan asked = NodePlan.of(new NodeRequest(NodeRequest.Role.SERVER, K3S, false, null, Set.of(), true,
                List.of()), gvisorLike());
        assertTrue(asked.k3sCommand().containsAll(List.of("--flannel-backend=none", "--disable-network-policy")));
        NodePlan notAsked = NodePlan.of(request(NodeRequest.Role.SERVER, false), gvisorLike());
        assertFalse(notAsked.k3sCommand().contains("--flannel-backend=none"));
    }

    @Test
    void withoutUnshareTheMountWorkaroundsAreUnavailable() {
        HostFacts f = gvisorLike();
        HostFacts noUnshare = new HostFacts(f.kernelRelease(), f.procVersion(), f.kernelLog(), f.bootCommandLine(),
                f.kmsgReadable(), f.rootFsType(),
                f.rootShared(), f.rootFsStatsWork(), f.swapOn(), f.cgroupVersion(), f.cgroupControllers(),
                f.userNamespace(), f.overlayListed(), f.fuseOverlayfs(), false, f.vxlan(), f.ipset(), f.cniBinDir(),
                f.cniSymlinks(), f.cniFiles());
        NodePlan plan = NodePlan.of(request(NodeRequest.Role.AGENT, false), noUnshare);
        assertEquals(plan.k3sCommand(), plan.command());
        assertEquals(NodePlan.Status.UNAVAILABLE, plan.decisions().getFirst().status());
    }

    @Test
    void theUsersArgumentsReachK3sUnchangedAndInOrder() {
        qt().forAll(lists().of(strings().allPossible().ofLengthBetween(0, 12)).ofSizeBetween(0, 8))
                .checkAssert(args -> {
                    List<String> given = new ArrayList<>(args);
                    given.remove("--disable-agent");
                    for (HostFacts facts : List.of(gvisorLike(), ordinaryHost())) {
                        NodePlan plan = NodePlan.of(new NodeRequest(NodeRequest.Role.SERVER, K3S, false, null,
                                Set.of(), false, given), facts);
                        List<String> k3s = plan.k3sCommand();
                        assertEquals(List.of(K3S.toString(), "server"), k3s.subList(0, 2));
                        assertEquals(given, k3s.subList(2, 2 + given.size()));
                        // The wrapper passes k3s's words as "$@": they are not re-parsed by the shell.
                        assertEquals(k3s, plan.command().subList(plan.command().size() - k3s.size(),
                                plan.command().size()));
                    }
                });
    }
}
