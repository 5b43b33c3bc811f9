package dev.panatrace.ptrace.paths;

import dev.panatrace.ptrace.Errno;
import java.util.Arrays;
import java.util.Objects;

/**
 * One path a {@link PathRedirector} rewrote, with the result of the syscall that used it.
 *
 * @param tid the calling thread
 * @param syscall the syscall's name
 * @param original the path the tracee gave
 * @param replacement the path the syscall got instead
 * @param result the syscall's return value, or -errno
 */
public record Rewrite(int tid, String syscall, byte[] original, byte[] replacement, long result) {
    /** Errors are -1..-4095; anything below is a value (an address, say), not an errno. */
    private static final long MAX_ERRNO = 4095;

    /**
     * Copies the paths, so that the record does not change with the caller's arrays.
     *
     * @throws NullPointerException if a name or path is null
     */
    public Rewrite {
        Objects.requireNonNull(syscall, "syscall");
        original = original.clone();
        replacement = replacement.clone();
    }

    /** {@return the path the tracee gave; a copy} */
    @Override
    public byte[] original() {
        return original.clone();
    }

    /** {@return the path the syscall got instead; a copy} */
    @Override
    public byte[] replacement() {
        return replacement.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Rewrite that && tid == that.tid && result == that.result
                && syscall.equals(that.syscall) && Arrays.equals(original, that.original)
                && Arrays.equals(replacement, that.replacement);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tid, syscall, Arrays.hashCode(original), Arrays.hashCode(replacement), result);
    }

    /**
     * One line, {@code tid syscall original -> replacement = result}, with the errno's name after a
     * negative result, for example {@code 4242 openat /proc/sys/kernel/ostype -> /tmp/sys/kernel/ostype = -2 ENOENT}.
     * In the paths, bytes other than {@code !}..{@code ~} and the backslash are written {@code \xNN}, so the
     * line splits on spaces.
     */
    @Override
    public String toString() {
        String outcome = result < 0 && result >= -MAX_ERRNO ? result + " " + Errno.name((int) -result)
                : Long.toString(result);
        return tid + " " + syscall + " " + FileNameBytes.escape(original) + " -> "
                + FileNameBytes.escape(replacement) + " = " + outcome;
    }
}
