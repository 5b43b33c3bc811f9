package dev.panatrace.ptrace;

/**
 * A system call made by the engine failed. The message names the errno, the operation and the thread,
 * for example {@code ptrace(PTRACE_GETREGSET) on tid 4242 failed: EIO (Input/output error)}.
 */
public class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The error number. */
    private final int errno;
    /** What was called. */
    private final String operation;
    /** The thread it concerned, or 0. */
    private final int tid;

    /**
     * Creates the exception; the message is built from the arguments.
     *
     * @param errno the error number
     * @param operation what was called, e.g. {@code ptrace(PTRACE_SEIZE)}
     * @param tid the thread it concerned, or 0 when none
     */
    public ErrnoException(int errno, String operation, int tid) {
        super(operation + (tid > 0 ? " on tid " + tid : "") + " failed: "
                + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
        this.errno = errno;
        this.operation = operation;
        this.tid = tid;
    }

    /** {@return the error number} */
    public int errno() {
        return errno;
    }

    /** {@return the failed operation, e.g. {@code ptrace(PTRACE_SEIZE)}} */
    public String operation() {
        return operation;
    }

    /** {@return the thread concerned, or 0} */
    public int tid() {
        return tid;
    }
}
