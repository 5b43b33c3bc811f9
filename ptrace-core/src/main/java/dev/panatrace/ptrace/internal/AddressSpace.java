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
    /** Two PATH_MAX strings per slot: syscalls such as renameat2 take two paths. */
    static final int SLOT_SIZE = 2 * 4096;
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
    TraceLoop.ThreadState mapper;
    /** Threads stopped at a wanted entry until the mapping is done. */
    final List<TraceLoop.ThreadState> waiters = new ArrayList<>();
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

    long slotAddress(int slot) {
        return base + CODE_SIZE + (long) slot * SLOT_SIZE;
    }

    long stubAddress(int slot) {
        return base + (long) slot * SyscallInstruction.STUB_SIZE;
    }

    /** Where the stub of {@code slot} jumps to after its syscall. */
    long returnCell(int slot) {
        return base + (long) SLOTS * SyscallInstruction.STUB_SIZE + 8L * slot;
    }

    /** Whether the stub of {@code slot} still has to be written; it counts as written from now on. */
    boolean claimStub(int slot) {
        if (stubs.get(slot)) {
            return false;
        }
        stubs.set(slot);
        return true;
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
