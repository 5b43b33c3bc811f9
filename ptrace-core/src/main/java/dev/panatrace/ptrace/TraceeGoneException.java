package dev.panatrace.ptrace;

/**
 * The tracee no longer exists or is no longer stopped for us (ESRCH): it was killed, or its thread
 * vanished in another thread's execve. This is a normal event for a tracer, not a bug; the trace loop
 * catches it and waits for the tracee's exit to be reported.
 */
public final class TraceeGoneException extends ErrnoException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for ESRCH.
     *
     * @param operation what was called
     * @param tid the thread that is gone
     */
    public TraceeGoneException(String operation, int tid) {
        super(Errno.ESRCH, operation, tid);
    }
}
