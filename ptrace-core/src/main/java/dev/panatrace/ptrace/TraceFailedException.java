package dev.panatrace.ptrace;

/** The trace engine failed (not the traced program): it could not spawn, attach or follow the tracee. */
public class TraceFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed
     * @param cause the underlying error, may be null
     */
    public TraceFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
