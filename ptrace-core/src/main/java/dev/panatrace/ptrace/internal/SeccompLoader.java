package dev.panatrace.ptrace.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Puts a compiled seccomp filter where a stopped tracee's injected seccomp(2) can load it: the
 * {@code struct sock_fprog} at an address the engine owns in the tracee, the program right after it.
 * Shared by the filter installed at spawn and the small ones stacked to watch a descriptor.
 */
final class SeccompLoader {
    /** seccomp(2)'s SECCOMP_SET_MODE_FILTER. */
    static final long SET_MODE_FILTER = 1;
    /** Apply the filter to every thread of the process. */
    static final long FLAG_TSYNC = 1;
    /** {@code sizeof(struct sock_fprog)} on 64-bit: an unsigned short length, padding, a pointer. */
    private static final int FPROG_SIZE = 16;

    private SeccompLoader() {}

    /**
     * Writes {@code filter} at {@code address} in thread {@code tid} of process {@code pid}.
     *
     * @param room the bytes available at {@code address}
     * @return the address of the {@code struct sock_fprog}, the argument of seccomp(2)
     * @throws IllegalStateException when the filter does not fit in {@code room}
     */
    static long place(TraceeMemory memory, int tid, int pid, long address, long room, SeccompFilter filter) {
        byte[] program = filter.bytes();
        if (FPROG_SIZE + program.length > room) {
            throw new IllegalStateException("seccomp program of " + program.length + " bytes is too large");
        }
        byte[] image = new byte[FPROG_SIZE + program.length];
        MemorySegment fprog = MemorySegment.ofArray(image);
        fprog.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) filter.length());
        fprog.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, address + FPROG_SIZE);
        System.arraycopy(program, 0, image, FPROG_SIZE, program.length);
        memory.write(tid, pid, address, image);
        return address;
    }
}
