package dev.panatrace.ptrace;

/**
 * A decoded {@code waitpid} status word, following the glibc {@code W*} macros and ptrace(2)'s
 * extensions: bit 7 of the stop signal marks a syscall stop under PTRACE_O_TRACESYSGOOD, and
 * bits 16..23 carry the PTRACE_EVENT of an event stop.
 *
 * @param raw the status word as waitpid stored it
 */
public record WaitStatus(int raw) {
    /** The bit PTRACE_O_TRACESYSGOOD adds to SIGTRAP at syscall stops. */
    public static final int SYSCALL_TRAP_BIT = 0x80;

    /** WIFEXITED: the thread ended by exit. */
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    /** WEXITSTATUS, meaningful when {@link #exited()}. */
    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    /** WIFSIGNALED: the thread was killed by a signal. */
    public boolean signaled() {
        int low = raw & 0x7f;
        return low != 0 && low != 0x7f;
    }

    /** WTERMSIG, meaningful when {@link #signaled()}. */
    public int termSignal() {
        return raw & 0x7f;
    }

    /** WCOREDUMP, meaningful when {@link #signaled()}. */
    public boolean coreDumped() {
        return (raw & 0x80) != 0;
    }

    /** WIFSTOPPED: a ptrace-stop or job-control stop. */
    public boolean stopped() {
        return (raw & 0xff) == 0x7f;
    }

    /** WSTOPSIG, including the syscall-trap bit; meaningful when {@link #stopped()}. */
    public int stopSignal() {
        return (raw >> 8) & 0xff;
    }

    /** The PTRACE_EVENT_* number of an event stop, or 0. */
    public int event() {
        return (raw >>> 16) & 0xff;
    }

    /** A syscall-entry or syscall-exit stop (SIGTRAP | 0x80). */
    public boolean syscallStop() {
        return stopped() && stopSignal() == (Signals.SIGTRAP | SYSCALL_TRAP_BIT) && event() == 0;
    }

    /** Encodes an exit status, as the kernel does. */
    public static WaitStatus ofExit(int code) {
        return new WaitStatus((code & 0xff) << 8);
    }

    /** Encodes a death by signal. */
    public static WaitStatus ofSignal(int signal, boolean core) {
        return new WaitStatus((signal & 0x7f) | (core ? 0x80 : 0));
    }

    /** Encodes a stop with a signal and a ptrace event (0 for none). */
    public static WaitStatus ofStop(int signal, int event) {
        return new WaitStatus(0x7f | ((signal & 0xff) << 8) | ((event & 0xff) << 16));
    }

    @Override
    public String toString() {
        if (exited()) {
            return "exited(" + exitCode() + ")";
        }
        if (signaled()) {
            return "killed(" + Signals.name(termSignal()) + (coreDumped() ? ", core" : "") + ")";
        }
        if (stopped()) {
            return "stopped(" + (syscallStop() ? "syscall" : Signals.name(stopSignal()))
                    + (event() != 0 ? ", event " + event() : "") + ")";
        }
        return "status(0x" + Integer.toHexString(raw) + ")";
    }
}
