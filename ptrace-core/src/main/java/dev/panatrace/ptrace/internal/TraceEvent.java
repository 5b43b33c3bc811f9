package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.WaitStatus;

/**
 * What one waitpid result means for a followed thread, decided from the status and the little the loop
 * knows of the thread ({@link #decode}): the first step of wait, decode, act, restart.
 */
sealed interface TraceEvent {
    /** The thread ended: exited or killed. */
    record Ended(ExitStatus status) implements TraceEvent {}

    /** A syscall-entry stop. */
    record SyscallEntry() implements TraceEvent {}

    /** A syscall-exit stop. */
    record SyscallExit() implements TraceEvent {}

    /** The syscall-entry stop that follows a seccomp stop where the kernel reports seccomp first: no news. */
    record LateEntry() implements TraceEvent {}

    /** A SECCOMP_RET_TRACE stop: an entry the filter chose. */
    record Seccomp() implements TraceEvent {}

    /** The thread created a thread or process; {@code event} is PTRACE_EVENT_FORK, _VFORK or _CLONE. */
    record Created(int event) implements TraceEvent {}

    /** The thread completed an execve. */
    record Exec() implements TraceEvent {}

    /** A job-control stop by {@code signal}. */
    record GroupStop(int signal) implements TraceEvent {}

    /** A PTRACE_INTERRUPT stop, or the first stop of a seized thread. */
    record Interrupt() implements TraceEvent {}

    /** A signal is about to be delivered. */
    record SignalDelivery(int signal) implements TraceEvent {}

    /** A ptrace event the engine did not ask for. */
    record OtherEvent(int event) implements TraceEvent {}

    /**
     * Decodes a waitpid status. A pure function: the tests feed it recorded statuses.
     *
     * @param status the raw status
     * @param inSyscall whether the thread's last syscall stop was an entry whose exit is still due
     * @param lateEntryDue whether a syscall-entry stop is due after a seccomp stop (seccomp first)
     * @return what it means
     */
    static TraceEvent decode(int status, boolean inSyscall, boolean lateEntryDue) {
        WaitStatus ws = new WaitStatus(status);
        if (ws.exited()) {
            return new Ended(ExitStatus.exited(ws.exitCode()));
        }
        if (ws.signaled()) {
            return new Ended(ExitStatus.killed(ws.termSignal(), ws.coreDumped()));
        }
        if (ws.syscallStop()) {
            return lateEntryDue ? new LateEntry() : inSyscall ? new SyscallExit() : new SyscallEntry();
        }
        int signal = ws.stopSignal();
        return switch (ws.event()) {
            case 0 -> new SignalDelivery(signal);
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> new Created(ws.event());
            case Ptrace.EVENT_EXEC -> new Exec();
            case Ptrace.EVENT_SECCOMP -> new Seccomp();
            case Ptrace.EVENT_STOP -> Signals.isStopSignal(signal) ? new GroupStop(signal) : new Interrupt();
            default -> new OtherEvent(ws.event());
        };
    }
}
