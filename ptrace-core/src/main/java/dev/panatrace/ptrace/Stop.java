package dev.panatrace.ptrace;

/**
 * One thing a tracee reported: the engine decodes every waitpid result into one of these records.
 * Entry/exit bookkeeping is the engine's: a {@link SyscallEntry} and its {@link SyscallExit} are
 * already told apart here.
 */
public sealed interface Stop {
    /** {@return the thread that reported the stop} */
    int tid();

    /**
     * A syscall-entry stop.
     *
     * @param tid the thread that stopped
     * @param number the syscall number
     */
    record SyscallEntry(int tid, long number) implements Stop {}

    /**
     * A syscall-exit stop.
     *
     * @param tid the thread that stopped
     * @param number the syscall number
     * @param result the return value or -errno
     */
    record SyscallExit(int tid, long number, long result) implements Stop {}

    /**
     * A seccomp SECCOMP_RET_TRACE stop.
     *
     * @param tid the thread that stopped
     * @param number the syscall number
     * @param data the filter's 16-bit data
     */
    record Seccomp(int tid, long number, int data) implements Stop {}

    /**
     * A signal is about to be delivered; the tracer decides whether it is.
     *
     * @param tid the thread the signal is for
     * @param signal the signal number
     */
    record SignalDelivery(int tid, int signal) implements Stop {}

    /**
     * The thread entered a job-control stop (SIGSTOP and friends).
     *
     * @param tid the thread that stopped
     * @param signal the stopping signal
     */
    record GroupStop(int tid, int signal) implements Stop {}

    /**
     * A PTRACE_INTERRUPT stop, or the first stop of a newly followed thread.
     *
     * @param tid the thread that stopped
     */
    record Interrupt(int tid) implements Stop {}

    /**
     * The thread forked.
     *
     * @param tid the thread that forked
     * @param childPid the new process
     */
    record Fork(int tid, int childPid) implements Stop {}

    /**
     * The thread vforked.
     *
     * @param tid the thread that vforked
     * @param childPid the new process
     */
    record VFork(int tid, int childPid) implements Stop {}

    /**
     * The thread called clone.
     *
     * @param tid the thread that called clone
     * @param newTid the new thread or process
     * @param newThread true when it shares the thread group (CLONE_THREAD)
     */
    record Clone(int tid, int newTid, boolean newThread) implements Stop {}

    /**
     * A successful execve. Reported on the thread-group leader's tid.
     *
     * @param tid the thread-group leader
     * @param formerTid the tid of the thread that called execve (differs from tid when a non-leader execs)
     */
    record Exec(int tid, int formerTid) implements Stop {}

    /**
     * The thread exited.
     *
     * @param tid the thread that exited
     * @param code its exit code
     */
    record Exited(int tid, int code) implements Stop {}

    /**
     * The thread was killed by a signal.
     *
     * @param tid the thread that was killed
     * @param signal the killing signal
     * @param coreDumped whether it dumped core
     */
    record Killed(int tid, int signal, boolean coreDumped) implements Stop {}
}
