package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceeLocal;

/**
 * {@code statfs} of a served path and {@code fstatfs} of a served descriptor report procfs's
 * {@code f_type}, {@code PROC_SUPER_MAGIC}, as /proc/sys itself would.
 */
final class ProcStatfs implements TraceHandler {
    private final ServedPaths paths;
    private final TraceeViews views;
    private final DescriptorTargets descriptors;
    /** Where the syscall writes its {@code struct statfs}. */
    private final TraceeLocal<Long> buffer = TraceeLocal.perSyscall();

    ProcStatfs(ServedPaths paths, TraceeViews views, DescriptorTargets descriptors) {
        this.paths = paths;
        this.views = views;
        this.descriptors = descriptors;
    }

    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of("statfs", "fstatfs");
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        boolean served;
        if (call.name().equals("statfs")) {
            ProcSysPathMap.Resolution resolution = paths.resolution(call.tracee());
            served = resolution != null && resolution.materialized();
        } else {
            served = views.seesTree(call.tracee()) && descriptors.isServed(call.tracee().tid(), (int) call.arg(0));
        }
        if (!served) {
            return EntryAction.CONTINUE;
        }
        call.tracee().set(buffer, call.arg(1));
        return EntryAction.OBSERVE_EXIT;
    }

    @Override
    public void onSyscallExit(Syscall call) {
        StatfsReply.setType(call, call.tracee().get(buffer), StatfsReply.PROC_SUPER_MAGIC);
    }
}
