package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.TraceeGoneException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The engine's memory in the tracees, and where it runs syscalls there: the scratch region of each
 * address space ({@link AddressSpace}) with its per-thread slots (replaced strings, a stub with a
 * {@code syscall} instruction), and, without one, a {@code syscall} instruction verified in the tracee's
 * own code or its vDSO. Tracer thread only.
 */
final class ScratchMemory {
    private static final System.Logger LOG = System.getLogger("dev.panatrace.ptrace");
    private static final long AT_SYSINFO_EHDR = 33;

    private final Arch arch;
    private final SyscallTable table;
    private final TraceeMemory memory;

    ScratchMemory(Arch arch, SyscallTable table, TraceeMemory memory) {
        this.arch = arch;
        this.table = table;
        this.memory = memory;
    }

    /**
     * Turns the syscall in {@code regs} into the mmap of {@code space}'s scratch region.
     *
     * @param mmapNumber the architecture's mmap
     */
    static void requestRegion(Registers regs, AddressSpace space, int mmapNumber) {
        regs.setSyscallNumber(mmapNumber);
        regs.setArg(0, 0);
        regs.setArg(1, AddressSpace.REGION_SIZE);
        regs.setArg(2, space.executable ? AddressSpace.PROT_READ_WRITE_EXEC : AddressSpace.PROT_READ_WRITE);
        regs.setArg(3, AddressSpace.MAP_PRIVATE_ANONYMOUS_NORESERVE);
        regs.setArg(4, -1);
        regs.setArg(5, 0);
    }

    /** Records the result of the mmap {@link #requestRegion} asked for, in process {@code pid}. */
    static void regionMapped(AddressSpace space, long result, int pid) {
        if (result < 0 && result > -4096) {
            if (space.executable && (result == -Errno.EACCES || result == -Errno.EPERM)) {
                // A policy against writable and executable memory: the next wanted syscall maps it without stubs.
                space.executable = false;
            } else {
                space.failed = true;
                LOG.log(System.Logger.Level.WARNING, "cannot map scratch memory in pid " + pid + ": "
                        + Errno.name((int) -result) + "; its string arguments stay unchanged");
            }
        } else {
            space.base = result;
        }
        space.mapper = null;
    }

    /**
     * Points a thread whose syscall was turned into another one back at its own syscall, which then runs
     * again and stops again: at the thread's stub, which jumps back to where the syscall was made, or at
     * the syscall instruction just before the instruction pointer when the bytes there say it is one.
     * Neither: the syscall fails with ENOSYS rather than run whatever lies there.
     */
    void rerun(ThreadState t, Registers restart) {
        long next = restart.instructionPointer();
        long site;
        if (t.process.space.hasStubs() && SyscallInstruction.stubReturns(arch)) {
            site = stubSyscall(t);
            memory.write(t.tid, t.process.pid, t.slot.returnCell(), littleEndian(next));
        } else if (isSyscallAt(t, next - SyscallInstruction.length(arch))) {
            site = next - SyscallInstruction.length(arch);
        } else {
            LOG.log(System.Logger.Level.WARNING, "pid " + t.process.pid + ": no syscall instruction before 0x"
                    + Long.toHexString(next) + " to run " + table.name((int) restart.syscallNumber())
                    + " again; it fails with ENOSYS");
            restart.setReturnValue(-Errno.ENOSYS);
            return;
        }
        restart.setInstructionPointer(site);
        if (arch == Arch.X86_64) {
            restart.set("rax", restart.syscallNumber());
        }
    }

    /** The address of the syscall instruction in this thread's stub, written on first use. */
    private long stubSyscall(ThreadState t) {
        AddressSpace.Slot slot = slot(t);
        long stub = slot.stubAddress();
        if (slot.claimStub()) {
            memory.write(t.tid, t.process.pid, stub, SyscallInstruction.stub(arch, stub, slot.returnCell()));
        }
        return stub + SyscallInstruction.syscallOffset(arch);
    }

    private boolean isSyscallAt(ThreadState t, long address) {
        try {
            return SyscallInstruction.matches(arch,
                    memory.read(t.tid, t.process.pid, address, SyscallInstruction.length(arch)));
        } catch (ErrnoException e) {
            if (e instanceof TraceeGoneException) {
                throw e;
            }
            return false;
        }
    }

    /**
     * A syscall instruction at which to inject a syscall into a thread stopped at {@code ip}: its stub,
     * else the instruction just before {@code ip} if it is one (a syscall-exit stop, the trampoline's
     * stop after kill), else one in the vDSO. Never an unchecked {@code ip - 2}: gVisor's systrap
     * platform patches syscall sites into jumps.
     */
    long injectionSite(ThreadState t, long ip) {
        AddressSpace space = t.process.space;
        if (space.hasStubs()) {
            return stubSyscall(t);
        }
        long before = ip - SyscallInstruction.length(arch);
        if (isSyscallAt(t, before)) {
            return before;
        }
        if (space.vdsoSyscall == 0) {
            space.vdsoSyscall = findVdsoSyscall(t);
        }
        if (space.vdsoSyscall > 0) {
            return space.vdsoSyscall;
        }
        throw new IllegalStateException("no syscall instruction to inject at in pid " + t.process.pid
                + ": none before 0x" + Long.toHexString(ip) + ", no scratch memory, none in the vDSO");
    }

    /**
     * A syscall instruction in the thread's vDSO, or -1. The vDSO is found by its address in the auxiliary
     * vector (AT_SYSINFO_EHDR), not by its name in maps: gVisor leaves it unnamed.
     */
    private long findVdsoSyscall(ThreadState t) {
        Path proc = Path.of("/proc", Integer.toString(t.process.pid));
        try {
            long start = auxvValue(Files.readAllBytes(proc.resolve("auxv")), AT_SYSINFO_EHDR);
            String prefix = Long.toHexString(start) + "-";
            for (String line : Files.readAllLines(proc.resolve("maps"))) {
                if (start != 0 && line.startsWith(prefix)) {
                    long end = Long.parseUnsignedLong(line.substring(prefix.length(), line.indexOf(' ')), 16);
                    byte[] code = memory.read(t.tid, t.process.pid, start, (int) (end - start));
                    int at = SyscallInstruction.indexIn(arch, code);
                    return at < 0 ? -1 : start + at;
                }
            }
        } catch (IOException | ErrnoException e) {
            if (e instanceof TraceeGoneException gone) {
                throw gone;
            }
            LOG.log(System.Logger.Level.DEBUG, "cannot search the vDSO of pid " + t.process.pid + ": " + e);
        }
        return -1;
    }

    /** The value of {@code type} in an auxiliary vector (pairs of native words), or 0. */
    private static long auxvValue(byte[] auxv, long type) {
        MemorySegment words = MemorySegment.ofArray(auxv);
        for (long at = 0; at + 16 <= auxv.length; at += 16) {
            if (words.get(ValueLayout.JAVA_LONG_UNALIGNED, at) == type) {
                return words.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8);
            }
        }
        return 0;
    }

    private static byte[] littleEndian(long value) {
        byte[] bytes = new byte[Long.BYTES];
        MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        return bytes;
    }

    /** This thread's scratch slot, allocated on first use. */
    AddressSpace.Slot slot(ThreadState t) {
        AddressSpace space = t.process.space;
        if (space.base == 0) {
            throw new IllegalStateException(space.failed ? "no scratch memory in pid " + t.process.pid
                    : "no scratch memory: the handler's usesScratchMemory() must return true");
        }
        if (t.slot == null) {
            t.slot = space.allocate();
            Arrays.fill(t.placed, null);
            Arrays.fill(t.shelved, null);
        }
        return t.slot;
    }

    /** The address of this thread's scratch slot, or 0 where there is no scratch memory. */
    long slotOrZero(ThreadState t) {
        return t.process.space.base == 0 ? 0 : slot(t).address();
    }
}
