package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import dev.panatrace.ptrace.internal.jfr.TraceEvents;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The handler's window onto the current stop: one reusable instance per tracer thread, valid between
 * {@link #begin} and {@link #end}. Registers are read on first use and written back by the loop only
 * when they changed.
 */
final class StopView implements Syscall, Tracee {
    private final TraceLoop loop;
    private final Arch arch;
    private final SyscallTable table;
    private final TraceeMemory memory;
    private final Thread owner = Thread.currentThread();

    private ThreadState thread;
    private boolean entry;
    private Registers registers;
    /** The registers as loaded, and room to compare them with their state now: reused, stops allocate nothing. */
    private final MemorySegment pristine;
    private final MemorySegment compared;
    /** How many strings this stop has placed in the thread's scratch slot. */
    private int replaced;
    /** (argument index, original value) pairs of those strings. */
    private final long[] originals = new long[4];
    /** The shelf entry holding this stop's first string, which its second must not take; -1 when none. */
    private int shelfEntryInUse;

    StopView(TraceLoop loop, Arch arch, SyscallTable table, TraceeMemory memory) {
        this.loop = loop;
        this.arch = arch;
        this.table = table;
        this.memory = memory;
        this.pristine = MemorySegment.ofArray(new long[(int) (Registers.size(arch) / Long.BYTES)]);
        this.compared = MemorySegment.ofArray(new long[(int) (Registers.size(arch) / Long.BYTES)]);
    }

    void begin(ThreadState thread, boolean entry, Registers loaded) {
        this.thread = thread;
        this.entry = entry;
        this.registers = loaded;
        if (loaded != null) {
            loaded.copyTo(pristine);
        }
        this.replaced = 0;
        this.shelfEntryInUse = -1;
    }

    void end() {
        thread = null;
        registers = null;
    }

    /** The arguments this entry replaced, as (index, original value) pairs, or null when none. */
    long[] replacedArguments() {
        return replaced == 0 ? null : Arrays.copyOf(originals, 2 * replaced);
    }

    boolean active() {
        return thread != null;
    }

    Registers loadedRegisters() {
        return registers;
    }

    boolean registersChanged() {
        if (registers == null) {
            return false;
        }
        if (registers.syscallNumberChanged()) {
            return true;
        }
        registers.copyTo(compared);
        return compared.mismatch(pristine) != -1;
    }

    /** Forgets the changes a failed hook made. */
    void discardChanges() {
        if (registers != null) {
            Registers restored = Registers.zeroed(arch);
            restored.copyFrom(pristine);
            registers = restored;
        }
        replaced = 0;
        shelfEntryInUse = -1;
    }

    private ThreadState current() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a Tracee may only be used on its tracer thread ("
                    + owner.getName() + "), not on " + Thread.currentThread().getName());
        }
        if (thread == null) {
            throw new IllegalStateException("a Tracee is valid only during the handler call that received it");
        }
        return thread;
    }

    @Override
    public Tracee tracee() {
        current();
        return this;
    }

    @Override
    public int tid() {
        return current().tid;
    }

    @Override
    public int pid() {
        return current().process.pid;
    }

    @Override
    public Arch arch() {
        return arch;
    }

    @Override
    public <T> T get(TraceeLocal<T> local) {
        ThreadState t = current();
        return (local.isPerProcess() ? t.process.locals : t.locals).get(local);
    }

    @Override
    public <T> void set(TraceeLocal<T> local, T value) {
        ThreadState t = current();
        (local.isPerProcess() ? t.process.locals : t.locals).set(local, value);
    }

    @Override
    public Registers registers() {
        ThreadState t = current();
        if (registers == null) {
            registers = loop.registersOf(t.tid);
            registers.copyTo(pristine);
        }
        return registers;
    }

    @Override
    public long number() {
        ThreadState t = current();
        return entry ? registers().syscallNumber() : t.syscall;
    }

    @Override
    public String name() {
        return table.name((int) number());
    }

    @Override
    public boolean isEntry() {
        current();
        return entry;
    }

    @Override
    public long arg(int index) {
        ThreadState t = current();
        if (!entry && index == 0 && arch == Arch.AARCH64) {
            return t.entryArg0;
        }
        return registers().arg(index);
    }

    @Override
    public void setArg(int index, long value) {
        if (!isEntry()) {
            throw new IllegalStateException("arguments can be changed only at syscall entry");
        }
        registers().setArg(index, value);
    }

    @Override
    public long result() {
        if (isEntry()) {
            throw new IllegalStateException("the result is known only at syscall exit");
        }
        return registers().returnValue();
    }

    @Override
    public void setResult(long value) {
        if (isEntry()) {
            throw new IllegalStateException("the result can be set only at syscall exit; to skip a syscall, "
                    + "return EntryAction.returning(value) from onSyscallEntry");
        }
        registers().setReturnValue(value);
    }

    @Override
    public byte[] read(long address, int length) {
        return memory.read(current().tid, current().process.pid, address, length);
    }

    @Override
    public byte[] readCString(long address, int maxLength) {
        return memory.readCString(current().tid, current().process.pid, address, maxLength);
    }

    @Override
    public void write(long address, byte[] bytes) {
        memory.write(current().tid, current().process.pid, address, bytes);
    }

    @Override
    public byte[] readString(int index) {
        return memory.readCString(current().tid, current().process.pid, arg(index), PATH_MAX - 1);
    }

    @Override
    public void replaceString(int index, byte[] value) {
        ThreadState t = current();
        if (!entry) {
            throw new IllegalStateException("string arguments can be replaced only at syscall entry");
        }
        if (value.length >= PATH_MAX) {
            throw new IllegalArgumentException("a replacement string must be shorter than PATH_MAX (" + PATH_MAX
                    + " bytes), got " + value.length);
        }
        for (byte b : value) {
            if (b == 0) {
                throw new IllegalArgumentException("a replacement string cannot hold a NUL byte");
            }
        }
        if (replaced >= 2) {
            throw new IllegalStateException("at most two string arguments can be replaced in one syscall");
        }
        AddressSpace.Slot slot = loop.scratch().slot(t);
        long address = value.length < AddressSpace.SHELF_ENTRY_SIZE ? shelve(t, slot, value) : position(t, slot, value);
        originals[2 * replaced] = index;
        originals[2 * replaced + 1] = registers().arg(index);
        replaced++;
        registers().setArg(index, address);
        if (TraceEvents.recordsRewrites()) {
            TraceEvents.rewrite(t.tid, name(), value.length);
        }
    }

    /** The address of {@code value} on the thread's shelf, where it is written unless already there. */
    private long shelve(ThreadState t, AddressSpace.Slot slot, byte[] value) {
        byte[][] shelved = t.shelved;
        int entry = 0;
        while (entry < shelved.length && !Arrays.equals(shelved[entry], value)) {
            entry++;
        }
        if (entry == shelved.length) {
            entry = t.nextShelfEntry == shelfEntryInUse ? (shelfEntryInUse + 1) % shelved.length : t.nextShelfEntry;
            t.nextShelfEntry = (entry + 1) % shelved.length;
            place(t, shelved, entry, slot.shelfAddress(entry), value);
        }
        shelfEntryInUse = entry;
        return slot.shelfAddress(entry);
    }

    /** The address of {@code value} at the string position this replacement takes, written unless already there. */
    private long position(ThreadState t, AddressSpace.Slot slot, byte[] value) {
        long address = slot.positionAddress(replaced);
        if (!Arrays.equals(t.placed[replaced], value)) {
            place(t, t.placed, replaced, address, value);
        }
        return address;
    }

    /** Writes {@code value}, NUL-terminated, at {@code address}, and records it as {@code held[index]}. */
    private void place(ThreadState t, byte[][] held, int index, long address, byte[] value) {
        held[index] = null; // unknown, should the write fail half-way
        memory.write(t.tid, t.process.pid, address, Arrays.copyOf(value, value.length + 1));
        held[index] = value.clone();
    }

    @Override
    public long inject(long number, long... args) {
        ThreadState t = current();
        if (entry) {
            throw new IllegalStateException("syscalls can be injected at syscall exit: return "
                    + "EntryAction.OBSERVE_EXIT and inject in onSyscallExit");
        }
        if (args.length > 6) {
            throw new IllegalArgumentException("a syscall takes at most 6 arguments, got " + args.length);
        }
        return loop.injectAtExit(t, registers(), number, args);
    }

    @Override
    public void watchDescriptor(int fd, String... names) {
        ThreadState t = current();
        if (entry) {
            throw new IllegalStateException("descriptors can be watched from syscall exit stops: return "
                    + "EntryAction.OBSERVE_EXIT and watch in onSyscallExit");
        }
        loop.watchDescriptor(t, registers(), fd, names);
    }
}
