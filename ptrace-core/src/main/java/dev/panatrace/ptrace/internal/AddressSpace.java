package dev.panatrace.ptrace.internal;

import java.util.BitSet;

/**
 * The engine's scratch region in one tracee address space: mapped once by an injected mmap, shared by
 * the threads (and vfork children) that share the memory, one slot per thread. Rewritten strings live
 * here, never below a stack pointer: Go's goroutine stacks are small and adjacent.
 */
final class AddressSpace {
    /** Two PATH_MAX strings per slot: syscalls such as renameat2 take two paths. */
    static final int SLOT_SIZE = 2 * 4096;
    static final int SLOTS = 512;
    static final long REGION_SIZE = (long) SLOT_SIZE * SLOTS;
    static final long PROT_READ_WRITE = 0x1 | 0x2;
    /** MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE: untouched slots cost nothing. */
    static final long MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;

    /** The region's address in the tracee, or 0 before it is mapped. */
    long base;
    /** The mmap failed; rewrites are refused in this address space. */
    boolean failed;
    /** The thread whose entry is being turned into the mmap, while that runs. */
    TraceLoop.ThreadState mapper;
    /** Threads stopped at a wanted entry until the mapping is done. */
    final java.util.List<TraceLoop.ThreadState> waiters = new java.util.ArrayList<>();
    private final BitSet used = new BitSet(SLOTS);

    /** The copy a fork child gets: the same mapping, no slots taken (its only thread has none yet). */
    AddressSpace forkCopy() {
        AddressSpace copy = new AddressSpace();
        copy.base = base;
        copy.failed = failed;
        return copy;
    }

    int allocate() {
        int slot = used.nextClearBit(0);
        if (slot >= SLOTS) {
            throw new IllegalStateException("more than " + SLOTS + " threads rewrote strings at once in one process");
        }
        used.set(slot);
        return slot;
    }

    void free(int slot) {
        used.clear(slot);
    }
}
