package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.MemoryAccess;
import dev.panatrace.ptrace.TraceMode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code doctor}'s lines decided from hand-built facts: the kernel, the engine's ways, the root filesystem. */
@Timeout(10)
class DoctorCommandTest {
    private static final String CHECK = "\u2713 ";
    private static final String CROSS = "\u2717 ";
    private static final String DASH = " \u2014 ";

    @Test
    void gvisorIsRecognizedByWhatItSaysOfItself() {
        assertEquals(CHECK + "kernel: gVisor, release 4.4.0 (kernel log: \"Starting gVisor...\")" + DASH
                + "the engine finds gVisor's seccomp stop order and memory access by itself; the node's workarounds "
                + "below take gVisor into account", DoctorCommand.kernel(NodePlanTest.gvisorLike()).line());

        HostFacts noLog = withKernel(NodePlanTest.gvisorLike(), "4.4.0", "", "BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet");
        assertEquals("gVisor, release 4.4.0 (boot command line: BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet)",
                DoctorCommand.kernel(noLog).seen());

        assertEquals(CHECK + "kernel: Linux 6.8.0" + DASH + "nothing to do",
                DoctorCommand.kernel(NodePlanTest.ordinaryHost()).line());
    }

    @Test
    void aLinux440IsNotTakenForGvisor() {
        // Ubuntu 16.04's kernels are 4.4.0-NNN; "4.4.0" alone says nothing about gVisor.
        HostFacts linux = withKernel(NodePlanTest.ordinaryHost(), "4.4.0", "[    0.000000] Linux version 4.4.0",
                "BOOT_IMAGE=/boot/vmlinuz-4.4.0 root=/dev/sda1 ro");
        assertFalse(linux.gvisor());
        assertEquals("Linux 4.4.0", DoctorCommand.kernel(linux).seen());
        assertTrue(withKernel(linux, "4.4.0", NodePlanTest.GVISOR_LOG, "").gvisor());
    }

    @Test
    void theEnginesModeAndMemoryWaysAreShown() {
        assertEquals(CHECK + "seccomp: a seccomp filter installed in the traced command" + DASH
                + "only path syscalls stop", DoctorCommand.seccomp(TraceMode.SECCOMP).line());
        assertEquals(CROSS + "seccomp: no seccomp filter could be installed" + DASH
                + "every syscall stops (PTRACE_SYSCALL): k3s runs, slower", DoctorCommand.seccomp(TraceMode.SYSCALL).line());

        assertEquals(CHECK + "tracee memory: reads with process_vm_readv, writes with process_vm_writev" + DASH
                + "nothing to do", DoctorCommand.memory(MemoryAccess.PROCESS_VM, MemoryAccess.PROCESS_VM, 2).line());
        assertEquals(CROSS + "tracee memory: reads through /proc/PID/mem, writes word by word with PTRACE_POKEDATA "
                + "(the kernel refused the faster ways)" + DASH + "paths are rewritten all the same, with more system "
                + "calls per rewrite", DoctorCommand.memory(MemoryAccess.PROC_MEM, MemoryAccess.PEEK_POKE, 2).line());
        assertEquals("reads word by word with PTRACE_PEEKDATA, writes through /proc/PID/mem (the kernel refused the "
                + "faster ways)", DoctorCommand.memory(MemoryAccess.PEEK_POKE, MemoryAccess.PROC_MEM, 1).seen());
        DoctorCommand.Check unused = DoctorCommand.memory(MemoryAccess.PROCESS_VM, MemoryAccess.PROCESS_VM, 0);
        assertFalse(unused.ok());
        assertEquals("not used: the traced 'true' opened no file", unused.seen());
    }

    @Test
    void aRootCadvisorCannotUseIsDisguisedByServerAndAgent() {
        String action = "server and agent show / to k3s as ext4 (fake-root-fs)";
        assertEquals(CROSS + "root filesystem: 9p, statfs gives no size, which cAdvisor cannot use" + DASH + action,
                DoctorCommand.rootFilesystem(NodePlanTest.gvisorLike()).line());
        assertEquals(CROSS + "root filesystem: overlay, gVisor's own" + DASH + action,
                DoctorCommand.rootFilesystem(NodePlanTest.withRoot(NodePlanTest.gvisorLike(), "overlay", true)).line());
        HostFacts host = NodePlanTest.ordinaryHost();
        for (String type : List.of("9p", "fuse", "virtiofs", "ecryptfs")) {
            DoctorCommand.Check check = DoctorCommand.rootFilesystem(NodePlanTest.withRoot(host, type, true));
            assertEquals(type + ", which cAdvisor cannot use", check.seen());
            assertEquals(action, check.action(), type);
            assertFalse(check.ok(), type);
        }
        for (String type : HostFacts.CADVISOR_FILESYSTEMS) {
            DoctorCommand.Check usable = DoctorCommand.rootFilesystem(NodePlanTest.withRoot(host, type, true));
            assertEquals(CHECK + "root filesystem: " + type + " with usable stats" + DASH + "nothing to do",
                    usable.line());
            DoctorCommand.Check sizeless = DoctorCommand.rootFilesystem(NodePlanTest.withRoot(host, type, false));
            assertFalse(sizeless.ok(), type);
            assertEquals(action, sizeless.action(), type);
        }
    }

    private static HostFacts withKernel(HostFacts f, String release, String kernelLog, String bootCommandLine) {
        return new HostFacts(release, "Linux version " + release, kernelLog, bootCommandLine, f.kmsgReadable(),
                f.rootFsType(), f.rootShared(), f.rootFsStatsWork(), f.swapOn(), f.cgroupVersion(), f.cgroupControllers(),
                f.userNamespace(), f.overlayListed(), f.fuseOverlayfs(), f.unshare(), f.vxlan(), f.ipset(),
                f.cniBinDir(), f.cniSymlinks(), f.cniFiles());
    }
}
