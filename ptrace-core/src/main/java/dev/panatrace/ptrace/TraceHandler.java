package dev.panatrace.ptrace;

/**
 * What a tool does with a tracee's events. Every method has a pass-through default, so a handler
 * overrides only what it cares about. All methods run on the tracer thread, one stop at a time; a
 * slow handler slows the tracee. What a handler keeps per thread, per process, or from a syscall's entry
 * to its exit belongs in a {@link TraceeLocal}: the engine follows exec hand-overs and drops it when the
 * thread, process or syscall ends.
 *
 * <p>An exception thrown by a hook does not end the trace: the engine logs it once per hook and
 * syscall, drops the hook's register changes and its answer, and the event proceeds as with the
 * default (the syscall runs with its own arguments and result, the signal is delivered). What the hook
 * already did to the tracee stays done, since none of it can be undone: syscalls it injected have run,
 * memory it wrote (its own or the engine's scratch memory) stays written, descriptors it watched stay
 * watched. An {@link Error} other than {@link AssertionError} and {@link LinkageError} is not caught: it
 * ends the trace (see {@link TraceSession#waitFor()}).
 */
public interface TraceHandler {
    /**
     * The syscalls this handler wants to see. Others are not stopped at all where seccomp acceleration
     * is available. Asked once, when tracing starts.
     *
     * @return the wanted syscalls; by default all
     */
    default SyscallSet syscalls() {
        return SyscallSet.all();
    }

    /**
     * Whether this handler replaces string arguments ({@link Syscall#replaceString}). The engine then maps
     * a scratch region into each address space before the first wanted syscall of it is handed over.
     * Asked once, when tracing starts.
     *
     * @return whether scratch memory is needed; by default false
     */
    default boolean usesScratchMemory() {
        return false;
    }

    /**
     * Whether {@link #onStop} is called. Asked once, when tracing starts. Observing stops costs: every
     * wanted syscall then stops at its exit too, and its registers are read there.
     *
     * @return whether this handler observes every stop; by default false
     */
    default boolean observesStops() {
        return false;
    }

    /**
     * Every stop, decoded, before the more specific hook for it; called only when {@link #observesStops()}.
     *
     * @param stop the decoded stop
     */
    default void onStop(Stop stop) {}

    /**
     * A wanted syscall is entered.
     *
     * @param call the syscall
     * @return what to do with it; by default {@link EntryAction#CONTINUE}
     */
    default EntryAction onSyscallEntry(Syscall call) {
        return EntryAction.CONTINUE;
    }

    /**
     * A syscall whose entry returned {@link EntryAction#OBSERVE_EXIT} returns.
     *
     * @param call the syscall
     */
    default void onSyscallExit(Syscall call) {}

    /**
     * A signal is about to be delivered to {@code tracee}.
     *
     * @param tracee the thread that stopped
     * @param signal the signal number
     * @return the signal to deliver instead, or 0 to suppress it
     */
    default int onSignal(Tracee tracee, int signal) {
        return signal;
    }

    /**
     * {@code tracee} completed an execve; {@code formerTid} is the tid that called it.
     *
     * @param tracee the thread that stopped
     * @param formerTid the tid that called execve
     */
    default void onExec(Tracee tracee, int formerTid) {}

    /**
     * A new thread or process is followed.
     *
     * @param parentTid the thread that created it
     * @param tid the thread id
     * @param pid the process id
     */
    default void onNewTracee(int parentTid, int tid, int pid) {}

    /**
     * A traced thread ended.
     *
     * @param tid the thread id
     * @param pid the process id
     * @param status how it ended
     */
    default void onExit(int tid, int pid, ExitStatus status) {}
}
