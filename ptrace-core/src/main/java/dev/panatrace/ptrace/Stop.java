package dev.panatrace.ptrace;

/**
 * One thing a tracee reported: the engine decodes every waitpid result into one of these records.
 * Entry/exit bookkeeping is the engine's: a {@link SyscallEntry} and its {@link SyscallExit} are
 * already told apart here.
 */
public sealed interface Stop {
    /** The thread that reported the stop. */
    int tid();

    /** A syscall-entry stop. @param number the syscall number */
    record SyscallEntry(int tid, long number) implements Stop {}

    /** A syscall-exit stop. @param number the syscall number @param result the return value or -errno */
    record SyscallExit(int tid, long number, long result) implements Stop {}

    /** A seccomp SECCOMP_RET_TRACE stop. @param number the syscall number @param data the filter's 16-bit data */
    record Seccomp(int tid, long number, int data) implements Stop {}

    /** A signal is about to be delivered; the tracer decides whether it is. */
    record SignalDelivery(int tid, int signal) implements Stop {}

    /** The thread entered a job-control stop (SIGSTOP and friends). */
    record GroupStop(int tid, int signal) implements Stop {}

    /** A PTRACE_INTERRUPT stop, or the first stop of a newly followed thread. */
    record Interrupt(int tid) implements Stop {}

    /** The thread forked. @param childPid the new process */
    record Fork(int tid, int childPid) implements Stop {}

    /** The thread vforked. @param childPid the new process */
    record VFork(int tid, int childPid) implements Stop {}

    /**
     * The thread called clone. @param newTid the new thread or process
     * @param newThread true when it shares the thread group (CLONE_THREAD)
     */
    record Clone(int tid, int newTid, boolean newThread) implements Stop {}

    /**
     * A successful execve. Reported on the thread-group leader's tid.
     * @param formerTid the tid of the thread that called execve (differs from tid when a non-leader execs)
     */
    record Exec(int tid, int formerTid) implements Stop {}

    /** The thread exited. @param code its exit code */
    record Exited(int tid, int code) implements Stop {}

    /** The thread was killed by a signal. */
    record Killed(int tid, int signal, boolean coreDumped) implements Stop {}
}
