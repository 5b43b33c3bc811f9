package dev.panatrace.ptrace;

/**
 * The system call a tracee is making, seen at its entry or exit stop. Argument changes made at entry and
 * result changes made at exit reach the kernel and the tracee when the thread resumes.
 */
public interface Syscall {
    /** The calling thread. */
    Tracee tracee();

    /** The syscall number. */
    long number();

    /** The syscall's name from the tracee architecture's table, e.g. {@code "openat"}. */
    String name();

    /** Whether this is the entry stop (else the exit stop). */
    boolean isEntry();

    /** Argument {@code index} (0..5). At exit on aarch64, argument 0 has been replaced by the result. */
    long arg(int index);

    /** Changes argument {@code index} (entry only). */
    void setArg(int index, long value);

    /** The return value or -errno (exit only). */
    long result();

    /** Changes the return value the tracee sees (exit only). */
    void setResult(long value);
}
