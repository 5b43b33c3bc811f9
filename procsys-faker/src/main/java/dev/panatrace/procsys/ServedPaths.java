package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import dev.panatrace.ptrace.paths.PathRedirector;
import dev.panatrace.ptrace.paths.PathSyscalls;

/**
 * Hands every path-taking syscall of a process that {@linkplain TraceeViews sees the tree} to a
 * {@link PathRedirector} over the {@link ProcSysPathMap}, and tells the handlers after it in the chain
 * how the syscall's /proc/sys path was classified ({@link #resolution}).
 */
final class ServedPaths implements TraceHandler {
    private final ProcSysPathMap map;
    private final PathRedirector redirector;
    private final TraceeViews views;
    private final TraceeLocal<ProcSysPathMap.Resolution> resolution = TraceeLocal.perSyscall();

    ServedPaths(ProcSysPathMap map, PathRedirector redirector, TraceeViews views) {
        this.map = map;
        this.redirector = redirector;
        this.views = views;
    }

    /**
     * How the current syscall's /proc/sys path was classified, if it named one that was not refused;
     * valid from this handler's entry to the syscall's exit.
     */
    ProcSysPathMap.Resolution resolution(Tracee tracee) {
        return tracee.get(resolution);
    }

    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of(PathSyscalls.allNames());
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        if (!views.seesTree(call.tracee())) {
            return EntryAction.CONTINUE;
        }
        map.begin(call.name(), KeyOpens.opensForWriting(call));
        EntryAction action = redirector.onSyscallEntry(call);
        if (!action.skips()) {
            call.tracee().set(resolution, map.last());
        }
        return action;
    }

    /** The redirector logs its rewrites with their result. */
    @Override
    public void onSyscallExit(Syscall call) {
        redirector.onSyscallExit(call);
    }
}
