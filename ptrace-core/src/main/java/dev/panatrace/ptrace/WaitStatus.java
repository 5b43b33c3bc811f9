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

    /** {@return whether the thread ended by exit (WIFEXITED)} */
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    /** {@return the exit code (WEXITSTATUS), meaningful when {@link #exited()}} */
    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    /** {@return whether the thread was killed by a signal (WIFSIGNALED)} */
    public boolean signaled() {
        int low = raw & 0x7f;
        return low != 0 && low != 0x7f;
    }

    /** {@return the killing signal (WTERMSIG), meaningful when {@link #signaled()}} */
    public int termSignal() {
        return raw & 0x7f;
    }

    /** {@return whether it dumped core (WCOREDUMP), meaningful when {@link #signaled()}} */
    public boolean coreDumped() {
        return (raw & 0x80) != 0;
    }

    /** {@return whether this is a ptrace-stop or job-control stop (WIFSTOPPED)} */
    public boolean stopped() {
        return (raw & 0xff) == 0x7f;
    }

    /** {@return the stop signal (WSTOPSIG), including the syscall-trap bit; meaningful when {@link #stopped()}} */
    public int stopSignal() {
        return (raw >> 8) & 0xff;
    }

    /** {@return the PTRACE_EVENT_* number of an event stop, or 0} */
    public int event() {
        return (raw >>> 16) & 0xff;
    }

    /** {@return whether this is a syscall-entry or syscall-exit stop (SIGTRAP | 0x80)} */
    public boolean syscallStop() {
        return stopped() && stopSignal() == (Signals.SIGTRAP | SYSCALL_TRAP_BIT) && event() == 0;
    }

    /**
     * {@return the status of an exit with {@code code}, encoded as the kernel does}
     *
     * @param code the exit code
     */
    public static WaitStatus ofExit(int code) {
        return new WaitStatus((code & 0xff) << 8);
    }

    /**
     * {@return the status of a death by {@code signal}}
     *
     * @param signal the signal number
     * @param core whether it dumped core
     */
    public static WaitStatus ofSignal(int signal, boolean core) {
        return new WaitStatus((signal & 0x7f) | (core ? 0x80 : 0));
    }

    /**
     * {@return the status of a stop with a signal and a ptrace event (0 for none)}
     *
     * @param signal the signal number
     * @param event the PTRACE_EVENT_* number, or 0
     */
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
