package dev.panatrace.ptrace;

/**
 * What a handler decides at a syscall entry: let it run (optionally watching its exit), or skip it
 * and make it return a chosen value.
 */
public final class EntryAction {
    private enum Kind { CONTINUE, OBSERVE_EXIT, RETURN }

    /** Let the syscall run; no exit stop is needed. */
    public static final EntryAction CONTINUE = new EntryAction(Kind.CONTINUE, 0);
    /** Let the syscall run and call {@link TraceHandler#onSyscallExit} when it returns. */
    public static final EntryAction OBSERVE_EXIT = new EntryAction(Kind.OBSERVE_EXIT, 0);

    private final Kind kind;
    private final long value;

    private EntryAction(Kind kind, long value) {
        this.kind = kind;
        this.value = value;
    }

    /**
     * Skip the syscall; the tracee sees {@code value} as its result.
     *
     * @return the action
     *
     * @param value the result the tracee sees, e.g. 0 or a byte count
     */
    public static EntryAction returning(long value) {
        return new EntryAction(Kind.RETURN, value);
    }

    /**
     * Skip the syscall; the tracee sees it fail with {@code errno}.
     *
     * @return the action
     *
     * @param errno the error number, 1..4095, e.g. {@link Errno#EPERM}
     * @throws IllegalArgumentException if {@code errno} is out of range
     */
    public static EntryAction failing(int errno) {
        if (errno <= 0 || errno > 4095) {
            throw new IllegalArgumentException("errno must be in 1..4095, got " + errno);
        }
        return new EntryAction(Kind.RETURN, -errno);
    }

    /** {@return whether the syscall is skipped} */
    public boolean skips() {
        return kind == Kind.RETURN;
    }

    /** {@return whether the exit stop is wanted} */
    public boolean observesExit() {
        return kind == Kind.OBSERVE_EXIT;
    }

    /** {@return the value a skipped syscall returns} */
    public long returnValue() {
        return value;
    }

    @Override
    public String toString() {
        return kind == Kind.RETURN ? "RETURN(" + value + ")" : kind.name();
    }
}
