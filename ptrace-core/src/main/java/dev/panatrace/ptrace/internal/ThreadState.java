package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Registers;

/** A followed thread, as the trace loop keeps it: where it is in its syscall, and its scratch slot. */
final class ThreadState {
    final int tid;
    final ProcessState process;
    /** Between a syscall's entry and the exit stop the loop asked for. */
    boolean inSyscall;
    /** The number of the syscall last entered. */
    long syscall = -1;
    /** Its first argument at entry, which aarch64 overwrites with the result. */
    long entryArg0;
    /** The handler asked for the exit. */
    boolean observeExit;
    /** The handler skipped the syscall: the exit sets {@link #skipResult}. */
    boolean skip;
    long skipResult;
    /** In seccomp mode with the old stop order: a syscall-entry stop is due before the exit stop. */
    boolean lateEntryDue;
    /** This entry was turned into the scratch mmap; {@link #savedRegisters} hold the original. */
    boolean injectedScratch;
    Registers savedRegisters;
    /** Stopped at an entry until its address space's scratch region is mapped: was it a seccomp stop. */
    boolean waitingForScratch;
    /** Pairs of (argument index, original value) the handler replaced at the last entry, or null. */
    long[] replaced;
    /** The scratch slot of this thread, or null. */
    AddressSpace.Slot slot;
    /**
     * The strings this thread's slot holds at each string position, as last placed there (null:
     * unknown). A program opens the same few paths again and again; a string already in place needs
     * no write, which matters where writes take a ptrace call per word (gVisor).
     */
    final byte[][] placed = new byte[2][];
    /**
     * The short strings on the slot's shelf, by entry (null: free or unknown), and the entry to reuse next:
     * a thread that alternates between a few paths (two keys, say) writes none of them again.
     */
    final byte[][] shelved = new byte[AddressSpace.SHELF_ENTRIES][];
    int nextShelfEntry;
    /** It, or the thread it was cloned from, set its own CPU affinity: the engine leaves its mask alone. */
    boolean ownsAffinity;
    /** At the entry of sched_getaffinity or sched_setaffinity while the engine pins the trace: its exit matters. */
    boolean affinityCall;
    /** Handlers' values for this thread. */
    TraceeLocalValues locals = new TraceeLocalValues();

    ThreadState(int tid, ProcessState process) {
        this.tid = tid;
        this.process = process;
    }
}
