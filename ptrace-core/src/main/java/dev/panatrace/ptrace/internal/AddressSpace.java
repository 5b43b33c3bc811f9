package dev.panatrace.ptrace.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The engine's scratch region in one tracee address space: mapped once by an injected mmap, shared by
 * the threads (and vfork children) that share the memory, one slot per thread. Rewritten strings live
 * here, never below a stack pointer: Go's goroutine stacks are small and adjacent.
 *
 * <p>The region starts with code: per slot, a stub that runs a syscall and jumps back to where its
 * thread came from, and a table of those return addresses. The engine injects syscalls at a stub's
 * {@code syscall} instruction and re-runs a syscall there, instead of trusting the bytes before a
 * thread's instruction pointer: gVisor's systrap platform patches syscall sites into jumps.
 */
final class AddressSpace {
    /** A slot starts with two PATH_MAX positions: syscalls such as renameat2 take two paths. */
    static final int STRING_POSITION_SIZE = 4096;
    /** Then the shelf: short strings kept where they were written, for a thread that alternates between a few. */
    static final long SHELF_OFFSET = 2L * STRING_POSITION_SIZE;
    static final int SHELF_ENTRY_SIZE = 256;
    static final int SHELF_ENTRIES = 16;
    static final int SLOT_SIZE = (int) SHELF_OFFSET + SHELF_ENTRIES * SHELF_ENTRY_SIZE;
    static final int SLOTS = 512;
    /** The stubs, then their return addresses, rounded up to whole pages. */
    static final long CODE_SIZE = (SLOTS * (SyscallInstruction.STUB_SIZE + 8L) + 4095) & -4096L;
    static final long REGION_SIZE = CODE_SIZE + (long) SLOT_SIZE * SLOTS;
    static final long PROT_READ_WRITE = 0x1 | 0x2;
    static final long PROT_READ_WRITE_EXEC = PROT_READ_WRITE | 0x4;
    /** MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE: untouched slots cost nothing. */
    static final long MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;

    /** The region's address in the tracee, or 0 before it is mapped. */
    long base;
    /** The mmap failed; rewrites are refused in this address space. */
    boolean failed;
    /**
     * Whether the region is executable, so that its stubs can run. A policy against writable and
     * executable memory refuses that once; the region is then mapped without stubs.
     */
    boolean executable = true;
    /** A syscall instruction found in the vDSO, 0 while unknown. */
    long vdsoSyscall;
    /** The thread whose entry is being turned into the mmap, while that runs. */
    ThreadState mapper;
    /** Threads stopped at a wanted entry until the mapping is done. */
    final List<ThreadState> waiters = new ArrayList<>();
    private final BitSet used = new BitSet(SLOTS);
    /** Slots whose stub is written. */
    private final BitSet stubs = new BitSet(SLOTS);

    /** The copy a fork child gets: the same mapping and stubs, no slots taken (its only thread has none yet). */
    AddressSpace forkCopy() {
        AddressSpace copy = new AddressSpace();
        copy.base = base;
        copy.failed = failed;
        copy.executable = executable;
        copy.vdsoSyscall = vdsoSyscall;
        copy.stubs.or(stubs);
        return copy;
    }

    /** Whether threads can run syscalls at stubs here. */
    boolean hasStubs() {
        return base != 0 && executable;
    }

    /** Takes a free slot for a thread of this address space. */
    Slot allocate() {
        int index = used.nextClearBit(0);
        if (index >= SLOTS) {
            throw new IllegalStateException("more than " + SLOTS + " threads rewrote strings at once in one process");
        }
        used.set(index);
        return new Slot(this, index);
    }

    /**
     * One thread's part of a region. It remembers its address space, so that a thread that lived before
     * an exec, and whose end is reported after it, frees its slot there, never the same index in the
     * new address space, where another thread may hold it.
     */
    record Slot(AddressSpace space, int index) {
        /** The slot's strings. */
        long address() {
            return space.base + CODE_SIZE + (long) index * SLOT_SIZE;
        }

        /** String position 0 or 1, room for a PATH_MAX string each. */
        long positionAddress(int position) {
            return address() + (long) position * STRING_POSITION_SIZE;
        }

        long shelfAddress(int entry) {
            return address() + SHELF_OFFSET + (long) entry * SHELF_ENTRY_SIZE;
        }

        long stubAddress() {
            return space.base + (long) index * SyscallInstruction.STUB_SIZE;
        }

        /** Where the stub jumps to after its syscall. */
        long returnCell() {
            return space.base + (long) SLOTS * SyscallInstruction.STUB_SIZE + 8L * index;
        }

        /** Whether the stub still has to be written; it counts as written from now on. */
        boolean claimStub() {
            if (space.stubs.get(index)) {
                return false;
            }
            space.stubs.set(index);
            return true;
        }

        void release() {
            space.used.clear(index);
        }
    }
}
