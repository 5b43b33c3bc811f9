package dev.panatrace.launcher;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.MemoryAccess;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceFailedException;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code k3s-launcher doctor}: checks what this machine offers k3s, one line per check, and what the
 * launcher will do about each gap. Changes nothing: /proc/sys write permission is checked with access(2).
 */
final class DoctorCommand implements Subcommand {
    static final String NAME = "doctor";

    /** The keys kubelet's setupKernelTunables reads and writes; unreadable or unwritable is fatal for it. */
    static final List<String> KUBELET_SYSCTLS = List.of("vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic",
            "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes");

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private Path cniBinDir = HostFacts.DEFAULT_CNI_BIN_DIR;

    @Override
    public CommandSyntax syntax() {
        return new CommandSyntax("k3s-launcher " + NAME, "Checks this machine for running k3s under the launcher: "
                + "the kernel (gVisor recognized by its kernel log), ptrace, seccomp, how the engine reads and writes "
                + "tracee memory, the root filesystem, /dev/kmsg, mount propagation, cgroups, CNI plugins, overlay and "
                + "the kubelet sysctls. One line per check: a mark (\u2713 or \u2717), what was seen, and what the "
                + "launcher does about it. Nothing is changed.")
                .option("--cni-bin-dir", "DIR", "Where kubelet looks for CNI plugins (default: /opt/cni/bin; "
                        + "/usr/lib/cni is checked too).", value -> cniBinDir = Path.of(value))
                .exitStatus("0", "k3s can run here, with the workarounds shown")
                .exitStatus("1", "a blocker has no workaround (lines marked 'blocker')")
                .exitStatus("2", "usage error");
    }

    /**
     * One check's result.
     *
     * @param ok whether the machine is fine here as it is
     * @param topic what was checked
     * @param seen what was found
     * @param action what the launcher does about it
     * @param blocker whether k3s cannot run here because of it, whatever the launcher does
     */
    record Check(boolean ok, String topic, String seen, String action, boolean blocker) {
        String line() {
            return (ok ? "\u2713 " : "\u2717 ") + topic + ": " + seen + " \u2014 " + action
                    + (blocker ? " [blocker]" : "");
        }
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) throws InterruptedException {
        HostFacts facts = HostFacts.probe(cniBinDir);
        List<Check> checks = new ArrayList<>();
        checks.add(kernel(facts));
        checks.addAll(ptrace());
        checks.addAll(checks(facts));
        checks.forEach(check -> out.println(check.line()));
        boolean blocked = checks.stream().anyMatch(Check::blocker);
        out.println(blocked ? "k3s cannot run here: see the lines marked [blocker]"
                : "k3s can run here under the launcher, with the workarounds above");
        out.flush();
        return blocked ? 1 : 0;
    }

    static Check kernel(HostFacts facts) {
        Optional<String> gvisor = facts.gvisorEvidence();
        if (gvisor.isPresent()) {
            return new Check(true, "kernel", "gVisor, release " + facts.kernelRelease() + " (" + gvisor.get() + ")",
                    "the engine finds gVisor's seccomp stop order and memory access by itself; the node's "
                            + "workarounds below take gVisor into account", false);
        }
        return new Check(true, "kernel", "Linux " + facts.kernelRelease(), "nothing to do", false);
    }

    /**
     * Spawns {@code true} under the engine, rewriting each path it opens into the same path, as the launcher
     * rewrites /proc/sys paths: proves ptrace works, and shows whether a seccomp filter installs and how the
     * engine reads and writes tracee memory here.
     */
    private static List<Check> ptrace() throws InterruptedException {
        PathEcho echo = new PathEcho();
        try (TraceSession session = Tracer.builder().mode(TraceMode.SECCOMP).handler(echo).spawn(List.of("true"))) {
            session.waitFor(PROBE_TIMEOUT);
            if (!session.isDone()) {
                return List.of(new Check(false, "ptrace", "a traced 'true' did not end within " + PROBE_TIMEOUT.toSeconds()
                        + " s", "none: the engine cannot run k3s", true));
            }
            Check ptrace = new Check(true, "ptrace", "a traced 'true' ran to its end", "k3s runs under the engine",
                    false);
            return List.of(ptrace, seccomp(session.mode()),
                    memory(session.memoryReads(), session.memoryWrites(), echo.rewrites));
        } catch (TraceFailedException e) {
            return List.of(new Check(false, "ptrace", "not permitted: " + e.getMessage(),
                    "none: the engine cannot run k3s", true));
        }
    }

    /** The engine's mode in the probe: a seccomp filter, or a stop at every syscall where none installs. */
    static Check seccomp(TraceMode mode) {
        return mode == TraceMode.SECCOMP
                ? new Check(true, "seccomp", "a seccomp filter installed in the traced command",
                        "only path syscalls stop", false)
                : new Check(false, "seccomp", "no seccomp filter could be installed",
                        "every syscall stops (PTRACE_SYSCALL): k3s runs, slower", false);
    }

    /**
     * How the engine read and wrote tracee memory in the probe.
     *
     * @param rewrites how many paths the probe read and wrote back; without any, memory was not used
     */
    static Check memory(MemoryAccess reads, MemoryAccess writes, int rewrites) {
        if (rewrites == 0) {
            return new Check(false, "tracee memory", "not used: the traced 'true' opened no file",
                    "the engine finds the way by itself when k3s runs", false);
        }
        String seen = "reads " + describe(reads, "read") + ", writes " + describe(writes, "write");
        if (reads == MemoryAccess.PROCESS_VM && writes == MemoryAccess.PROCESS_VM) {
            return new Check(true, "tracee memory", seen, "nothing to do", false);
        }
        return new Check(false, "tracee memory", seen + " (the kernel refused the faster ways)",
                "paths are rewritten all the same, with more system calls per rewrite", false);
    }

    private static String describe(MemoryAccess access, String verb) {
        return switch (access) {
            case PROCESS_VM -> "with process_vm_" + verb + "v";
            case PROC_MEM -> "through /proc/PID/mem";
            case PEEK_POKE -> "word by word with " + (verb.equals("read") ? "PTRACE_PEEKDATA" : "PTRACE_POKEDATA");
        };
    }

    /** Reads each path {@code openat} is given and writes the same path back into the tracee. */
    private static final class PathEcho implements TraceHandler {
        /** Tracer thread only; read after the trace ended. */
        int rewrites;

        @Override
        public SyscallSet syscalls() {
            return SyscallSet.of("openat");
        }

        @Override
        public boolean usesScratchMemory() {
            return true;
        }

        @Override
        public EntryAction onSyscallEntry(Syscall call) {
            try {
                byte[] path = call.readString(1);
                if (path != null) {
                    call.replaceString(1, path);
                    rewrites++;
                }
            } catch (ErrnoException e) {
                // An unreadable path fails with EFAULT untouched, as without the trace.
            }
            return EntryAction.CONTINUE;
        }
    }

    private static List<Check> checks(HostFacts facts) {
        List<Check> checks = new ArrayList<>();
        checks.add(rootFilesystem(facts));
        checks.add(facts.kmsgReadable()
                ? new Check(true, "/dev/kmsg", "readable", "nothing to do", false)
                : new Check(false, "/dev/kmsg", "missing or unreadable", facts.unshare()
                        ? "bind /dev/null over it in k3s's mount namespace (dev-kmsg)"
                        : "none: unshare is not on the PATH; workers fail, a control plane works", false));
        checks.add(facts.rootShared()
                ? new Check(true, "mount propagation", "/ is shared", "nothing to do", false)
                : new Check(false, "mount propagation", "/ is not shared", facts.unshare()
                        ? (facts.gvisor() ? "mount --make-shared /" : "mount --make-rshared /")
                                + " in k3s's mount namespace (mount-propagation)"
                        : "none: unshare is not on the PATH; workers fail, a control plane works", false));
        boolean controllers = facts.cgroupControllers().containsAll(List.of("cpu", "memory", "pids"));
        checks.add(new Check(controllers, "cgroups", facts.cgroupVersion() + ", controllers "
                + (facts.cgroupControllers().isEmpty() ? "none" : String.join(" ", facts.cgroupControllers())),
                controllers ? "nothing to do" : "none: kubelet needs cpu, memory and pids; a control plane works",
                false));
        checks.add(cni(facts));
        checks.add(facts.overlayUsable()
                ? new Check(true, "overlay", "overlay can mount", "nothing to do", false)
                : new Check(false, "overlay", facts.gvisor() ? "gVisor mounts overlay but refuses its whiteouts"
                        : "overlay cannot mount here", facts.fuseOverlayfsUsable() ? "--snapshotter=fuse-overlayfs"
                        : "--snapshotter=native (fuse-overlayfs not usable" + (facts.gvisor() ? " in gVisor" : "")
                                + ")", false));
        checks.add(sysctls());
        if (!facts.vxlan() || !facts.ipset() || facts.gvisor()) {
            checks.add(new Check(false, "network", (facts.vxlan() && !facts.gvisor() ? "vxlan present" : "no vxlan")
                    + ", " + (facts.ipset() && !facts.gvisor() ? "ipset present" : "no ipset"),
                    "server --sandbox-network offers --flannel-backend=none / --disable-network-policy", false));
        } else {
            checks.add(new Check(true, "network", "vxlan and ipset present", "nothing to do", false));
        }
        return checks;
    }

    /** A root cAdvisor cannot use is disguised by server and agent: the disguise also gives it plausible sizes. */
    static Check rootFilesystem(HostFacts facts) {
        if (facts.rootFsSupportedByCadvisor() && !facts.gvisor()) {
            return new Check(true, "root filesystem", facts.rootFsType() + " with usable stats", "nothing to do", false);
        }
        String seen = facts.rootFsType() + (facts.rootFsStatsWork() ? "" : ", statfs gives no size")
                + (facts.rootFsSupportedByCadvisor() ? ", gVisor's own" : ", which cAdvisor cannot use");
        return new Check(false, "root filesystem", seen, "server and agent show / to k3s as "
                + NodePlan.FAKE_ROOT_TYPE + " (" + Workaround.FAKE_ROOT_FS.label() + ")", false);
    }

    private static Check cni(HostFacts facts) {
        List<String> seen = new ArrayList<>();
        boolean anyPlugin = false;
        for (Path dir : List.of(facts.cniBinDir(), Path.of("/usr/lib/cni"))) {
            if (!Files.isDirectory(dir)) {
                seen.add(dir + " missing");
                continue;
            }
            HostFacts.CniEntries entries = HostFacts.CniEntries.of(dir);
            seen.add(dir + ": " + entries.files().size() + " files, " + entries.symlinks().size() + " links");
            anyPlugin |= !entries.files().isEmpty() || !entries.symlinks().isEmpty();
        }
        if (!facts.cniSymlinks().isEmpty()) {
            return new Check(false, "CNI plugins", String.join("; ", seen),
                    "copy the real files over the links in " + facts.cniBinDir() + " (cni-plugins)", false);
        }
        return anyPlugin ? new Check(true, "CNI plugins", String.join("; ", seen), "nothing to do", false)
                : new Check(false, "CNI plugins", String.join("; ", seen),
                        "none needed for k3s's bundled plugins; pods of other CNIs will not start", false);
    }

    /** Readable and writable as access(2) says; never opened for writing, so the host stays as it is. */
    private static Check sysctls() {
        List<String> problems = new ArrayList<>();
        for (String key : KUBELET_SYSCTLS) {
            Path file = Path.of("/proc/sys", key);
            if (!Files.isReadable(file)) {
                problems.add(key + " unreadable");
            } else if (!Files.isWritable(file)) {
                problems.add(key + " read-only");
            }
        }
        return problems.isEmpty()
                ? new Check(true, "kubelet sysctls", "all six readable and writable",
                        "served from the profile anyway, so the host's values stay unchanged", false)
                : new Check(false, "kubelet sysctls", String.join(", ", problems),
                        "served from the profile: kubelet reads and writes its virtual /proc/sys", false);
    }
}
