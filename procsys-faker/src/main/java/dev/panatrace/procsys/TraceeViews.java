package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;

/**
 * Whether each traced process sees the file system the way the tracer does, as far as serving /proc/sys
 * needs: can it reach the materialized tree at the tracer's path for it.
 *
 * <p>A process in another mount namespace, or under another root ({@code chroot}, {@code pivot_root}),
 * usually cannot reach the materialized directory: redirecting its /proc/sys there would make every
 * key vanish. The test is the one that matters rather than a comparison of namespace ids: the
 * directory, looked up through {@code /proc/TID/root}, must be the tracer's (same device and inode). So a
 * private mount namespace that still holds the directory (as {@code unshare -m} makes one) is served,
 * and a container's root is not.
 *
 * <p>The answer is kept per process: its threads share root and working directory, and a new process is
 * looked at afresh. It is looked at again after {@code execve} (a setuid program, say, may differ) and after
 * {@code unshare}, {@code setns}, {@code chroot} and {@code pivot_root} in any of its threads. A thread that
 * alone enters another mount namespace (setns in one thread) thus decides for all of them, until the next
 * such change; a per-thread answer would cost a look per thread for what processes almost never do.
 */
final class TraceeViews implements TraceHandler {
    private final PrivateDirectory tree;
    private final TraceeLocal<Boolean> seesTree = TraceeLocal.perProcess();

    /** @param tree the directory the tree is materialized in */
    TraceeViews(PrivateDirectory tree) {
        this.tree = tree;
    }

    /** Whether the tracee's process reaches the materialized tree. */
    boolean seesTree(Tracee tracee) {
        Boolean sees = tracee.get(seesTree);
        if (sees == null) {
            sees = tree.isReachableBy(tracee.tid());
            tracee.set(seesTree, sees);
        }
        return sees;
    }

    /** The syscalls that change a thread's root or namespaces. */
    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of("unshare", "setns", "chroot", "pivot_root");
    }

    /** Looks again once the change is made. */
    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        return EntryAction.OBSERVE_EXIT;
    }

    @Override
    public void onSyscallExit(Syscall call) {
        call.tracee().set(seesTree, null);
    }

    @Override
    public void onExec(Tracee tracee, int formerTid) {
        tracee.set(seesTree, null);
    }
}
