package dev.panatrace.ptrace;

/**
 * A traced thread, as handlers see it during a stop. Valid only on the tracer thread and only while
 * the hook that received it runs; the engine checks both and says so when misused.
 */
public interface Tracee {
    /** {@return the thread id} */
    int tid();

    /** {@return the process (thread group) id} */
    int pid();

    /** {@return the architecture of the tracee} */
    Arch arch();

    /** {@return the thread's registers, read on first use during this stop} Changes are written back on resume. */
    Registers registers();

    /**
     * Reads {@code length} bytes at {@code address} in the tracee.
     *
     * @param address the address in the tracee
     * @param length the number of bytes
     * @return the bytes read
     * @throws ErrnoException with EFAULT when the range is not mapped
     */
    byte[] read(long address, int length);

    /**
     * Reads a NUL-terminated string of at most {@code maxLength} bytes (the NUL excluded), page by page so
     * that a string ending just before an unmapped page reads correctly.
     *
     * @param address the address in the tracee
     * @param maxLength the longest string to read, the NUL excluded
     * @return the bytes without the NUL, or {@code null} when no NUL occurs within {@code maxLength} bytes
     * @throws ErrnoException with EFAULT when {@code address} or a page the string continues into is unmapped
     */
    byte[] readCString(long address, int maxLength);

    /**
     * Writes {@code bytes} at {@code address} in the tracee.
     *
     * @param address the address in the tracee
     * @param bytes the bytes to write
     * @throws ErrnoException with EFAULT when the range is not mapped or not writable
     */
    void write(long address, byte[] bytes);

    /**
     * This thread's value for {@code local}.
     *
     * @param local the key
     * @param <T> the value's type
     * @return the value, or null when none is set (or a per-syscall one was dropped)
     */
    <T> T get(TraceeLocal<T> local);

    /**
     * Sets this thread's value for {@code local}; null removes it.
     *
     * @param local the key
     * @param value the value
     * @param <T> the value's type
     */
    <T> void set(TraceeLocal<T> local, T value);
}
