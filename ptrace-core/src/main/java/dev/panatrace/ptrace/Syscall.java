package dev.panatrace.ptrace;

/**
 * The system call a tracee is making, seen at its entry or exit stop. Argument changes made at entry and
 * result changes made at exit reach the kernel and the tracee when the thread resumes.
 */
public interface Syscall {
    /** {@return the calling thread} */
    Tracee tracee();

    /** {@return the syscall number} */
    long number();

    /** {@return the syscall's name from the tracee architecture's table, e.g. {@code "openat"}} */
    String name();

    /** {@return whether this is the entry stop (else the exit stop)} */
    boolean isEntry();

    /**
     * {@return argument {@code index} (0..5)} At exit on aarch64, argument 0 has been replaced by the result.
     *
     * @param index the argument index, 0..5
     */
    long arg(int index);

    /**
     * Changes argument {@code index} (entry only).
     *
     * @param index the argument index, 0..5
     * @param value the new value
     */
    void setArg(int index, long value);

    /** {@return the return value or -errno (exit only)} */
    long result();

    /**
     * Changes the return value the tracee sees (exit only).
     *
     * @param value a result, or -errno
     */
    void setResult(long value);

    /** PATH_MAX: the longest path the kernel accepts, its NUL included. */
    int PATH_MAX = 4096;

    /**
     * The NUL-terminated string that argument {@code index} points to, read page by page.
     *
     * @param index the argument index, 0..5
     * @return its bytes without the NUL, or null when it is PATH_MAX bytes or longer (the kernel fails
     *         such a path with ENAMETOOLONG)
     * @throws ErrnoException with EFAULT when the pointer, or a page the string continues into, is
     *         unmapped (the kernel fails the syscall with EFAULT; leave it alone and it will)
     */
    byte[] readString(int index);

    /**
     * Points argument {@code index} at a copy of {@code value} (a NUL is appended) in engine-owned scratch
     * memory of the tracee: a slot of this thread, never the tracee's stack. Entry only. Needs a handler
     * whose {@link TraceHandler#usesScratchMemory()} is true. A syscall may replace up to two arguments.
     *
     * @param index the argument index, 0..5
     * @param value the string's bytes, without a NUL
     * @throws IllegalArgumentException when {@code value} holds a NUL or is PATH_MAX bytes or longer
     */
    void replaceString(int index, byte[] value);

    /**
     * Runs syscall {@code number} with {@code args} in this thread, now, and returns its result (or
     * -errno); the thread's registers, including changes made in this stop, are kept. Exit stops only.
     * A signal that arrives meanwhile is held and delivered after, with its siginfo; an injected syscall
     * interrupted by one is run again.
     *
     * <p>The syscall runs at a {@code syscall} instruction the engine wrote into its scratch memory (with
     * {@link TraceHandler#usesScratchMemory()}), else at the one the thread just left if the bytes there
     * are one, else at one in the vDSO: never at an address merely assumed to hold one, since gVisor's
     * systrap platform rewrites syscall sites.
     *
     * <p>While it runs, the tracer waits for this thread alone: every other tracee that stops waits too. An
     * injected syscall must therefore not wait for another traced thread (a read from a pipe that another
     * tracee writes, a wait4 for a traced child): it would never return. Past
     * {@link Tracer.Builder#injectionTimeout} the engine interrupts it and throws.
     *
     * @param number the syscall number
     * @param args its arguments, at most six
     * @return the injected syscall's result, or -errno
     * @throws IllegalStateException at an entry stop, or where no syscall instruction can be found
     * @throws ErrnoException with ETIMEDOUT when the syscall ran past the injection timeout and was interrupted
     */
    long inject(long number, long... args);

    /**
     * From now on, also stop this process (all its threads, and the children it starts, for good) at
     * the syscalls named {@code names} whenever their first argument is descriptor {@code fd}, and hand
     * them to the handler. Where a seccomp filter is in use this stacks one more small filter, injected
     * into the process; the kernel keeps it for the life of the process and its descendants, so every
     * later call of those syscalls on that descriptor number stops, whatever file it then holds. Exit
     * stops only, like {@link #inject}; needs {@link TraceHandler#usesScratchMemory()}.
     *
     * @param fd the descriptor
     * @param names syscall names, e.g. {@code "write"}; names the architecture lacks are ignored
     * @throws ErrnoException if the kernel refuses the filter (e.g. no room left for one)
     * @throws IllegalStateException at an entry stop, or without scratch memory
     */
    void watchDescriptor(int fd, String... names);
}
