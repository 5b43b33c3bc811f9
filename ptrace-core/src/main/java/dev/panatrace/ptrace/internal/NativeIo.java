package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.WaitStatus;
import dev.panatrace.ptrace.internal.ffm.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;

/**
 * The tracer thread's native calls and the buffers they fill, allocated once per trace: waiting,
 * registers, event messages, siginfo. Tracer thread only.
 */
final class NativeIo {
    private static final System.Logger LOG = System.getLogger("dev.panatrace.ptrace");
    private static final int WNOHANG = 1;
    private static final int WUNTRACED = 2;
    private static final int WNOTHREAD = 0x20000000;
    private static final int WALL = 0x40000000;
    /** siginfo's si_code for a signal sent by tkill/tgkill. */
    private static final int SI_TKILL = -6;
    /** Spins in a row that found no stop, after which the tracer blocks at once for {@link #BLOCKING_WAITS} waits. */
    private static final int SPINS_BEFORE_BLOCKING = 8;
    private static final int BLOCKING_WAITS = 256;

    private final Arch arch;
    private long spinNanos;
    private final int jvmPid = (int) ProcessHandle.current().pid();
    private final MemorySegment status;
    private final MemorySegment word;
    private final MemorySegment iovec;
    private final MemorySegment registers;
    private final MemorySegment siginfo;
    private int emptySpins;
    private int blockingWaits;

    /**
     * @param arena the trace's arena, confined to the tracer thread
     * @param arch the tracees' architecture
     * @param spinNanos how long {@link #waitAny} polls before it blocks; 0 blocks at once
     */
    NativeIo(Arena arena, Arch arch, long spinNanos) {
        this.arch = arch;
        this.spinNanos = spinNanos;
        this.status = arena.allocate(ValueLayout.JAVA_INT);
        this.word = arena.allocate(ValueLayout.JAVA_LONG);
        this.iovec = arena.allocate(16, 8);
        this.registers = arena.allocate(Registers.size(arch), 16);
        this.siginfo = arena.allocate(128, 8);
    }

    // ---- waiting ----------------------------------------------------------------------------------

    /** How long {@link #waitAny} polls from now on before it blocks; 0 blocks at once. */
    void spin(long nanos) {
        spinNanos = nanos;
    }

    /**
     * The next stop of any tracee: its tid, its status in {@link #lastStatus}; -1 with errno set on
     * failure. Polled for a while before blocking: a blocked tracer pays a wake-up, often on another CPU,
     * at every stop, which costs more than the poll when stops come close together.
     */
    int waitAny() {
        if (spinNanos > 0 && blockingWaits == 0) {
            long deadline = System.nanoTime() + spinNanos;
            do {
                int tid = LibC.waitpid(-1, status, WALL | WNOTHREAD | WNOHANG);
                if (tid != 0) {
                    emptySpins = 0;
                    return tid;
                }
                // sched_yield, not a pause: on a busy machine a spinning tracer would take the CPU from the
                // very tracee it waits for; on an idle one yield returns at once.
                Thread.yield();
            } while (System.nanoTime() < deadline);
            if (++emptySpins == SPINS_BEFORE_BLOCKING) {
                // Stops come further apart than the spin (a tracee that computes or sleeps; gVisor, where
                // every wait is an emulated syscall): polling only adds calls. Block for a while, then look again.
                emptySpins = 0;
                blockingWaits = BLOCKING_WAITS;
            }
        } else if (blockingWaits > 0) {
            blockingWaits--;
        }
        return LibC.waitpid(-1, status, WALL | WNOTHREAD);
    }

    /** The status {@link #waitAny} took. */
    WaitStatus lastStatus() {
        return new WaitStatus(status.get(ValueLayout.JAVA_INT, 0));
    }

    /** The next stop or end of {@code tid}, blocking. */
    WaitStatus waitThread(int tid) {
        return waitFor(tid, 0);
    }

    /** The next stop or end of the process {@code pid}, job-control stops included (not yet traced). */
    WaitStatus waitUntraced(int pid) {
        return waitFor(pid, WUNTRACED);
    }

    private WaitStatus waitFor(int pid, int options) {
        while (true) {
            int r = LibC.waitpid(pid, status, options | WALL | WNOTHREAD);
            if (r == pid) {
                return lastStatus();
            }
            int errno = LibC.errno();
            if (r < 0 && errno != Errno.EINTR) {
                throw new ErrnoException(errno, "waitpid(" + pid + ")", pid);
            }
        }
    }

    /**
     * The next stop of {@code tid}, or null at {@code deadline} (System.nanoTime). Polls: waitpid cannot
     * time out. An injected syscall usually returns within the first microseconds of spinning.
     */
    WaitStatus waitThread(int tid, long deadline) {
        long pause = 0;
        while (true) {
            int r = LibC.waitpid(tid, status, WALL | WNOTHREAD | WNOHANG);
            if (r == tid) {
                return lastStatus();
            }
            if (r < 0 && LibC.errno() != Errno.EINTR) {
                throw new ErrnoException(LibC.errno(), "waitpid(" + tid + ")", tid);
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return null;
            }
            // Yield for the first 100 µs, then sleep, longer each time up to 10 ms.
            pause = pause == 0 ? 1_000 : Math.min(pause * 2, 10_000_000);
            if (pause < 100_000) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(Math.min(pause, deadline - now));
            }
        }
    }

    // ---- registers --------------------------------------------------------------------------------

    Registers registers(int tid) {
        Ptrace.regset(Ptrace.GETREGSET, tid, Ptrace.NT_PRSTATUS, iovec, registers);
        Registers regs = Registers.zeroed(arch);
        regs.copyFrom(registers);
        return regs;
    }

    void setRegisters(int tid, Registers regs) {
        regs.copyTo(registers);
        Ptrace.regset(Ptrace.SETREGSET, tid, Ptrace.NT_PRSTATUS, iovec, registers);
    }

    /** Writes registers a handler or the engine changed at a stop, the syscall number included. */
    void storeChangedRegisters(int tid, Registers regs) {
        if (arch == Arch.AARCH64 && regs.syscallNumberChanged()) {
            // aarch64 takes a changed syscall number only through its own register set.
            word.set(ValueLayout.JAVA_INT, 0, (int) regs.syscallNumber());
            Ptrace.regset(Ptrace.SETREGSET, tid, Ptrace.NT_ARM_SYSTEM_CALL, iovec, word.asSlice(0, 4));
        }
        regs.copyTo(registers);
        Ptrace.regset(Ptrace.SETREGSET, tid, Ptrace.NT_PRSTATUS, iovec, registers);
    }

    // ---- events and signals -----------------------------------------------------------------------

    /** PTRACE_GETEVENTMSG: the new tid of a fork/clone, the former tid at exec, the seccomp filter's data. */
    long eventMessage(int tid) {
        return Ptrace.eventMessage(tid, word);
    }

    /** The siginfo of the signal {@code tid} is stopped for (128 bytes). */
    byte[] signalInfo(int tid) {
        Ptrace.request(Ptrace.GETSIGINFO, tid, 0, siginfo.address());
        return siginfo.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Whether the signal {@code tid} is stopped for was sent with tgkill by this JVM (the engine's wake-up). */
    boolean signalIsFromThisJvm(int tid) {
        Ptrace.request(Ptrace.GETSIGINFO, tid, 0, siginfo.address());
        // struct siginfo: si_signo, si_errno, si_code, then (kill/tkill) si_pid at offset 16.
        return siginfo.get(ValueLayout.JAVA_INT, 8) == SI_TKILL && siginfo.get(ValueLayout.JAVA_INT, 16) == jvmPid;
    }

    /** Sends a signal the engine held back; a thread that is gone meanwhile does not need it. */
    static void tgkill(int pid, int tid, int signal) {
        if (LibC.tgkill(pid, tid, signal) != 0 && LibC.errno() != Errno.ESRCH) {
            LOG.log(System.Logger.Level.WARNING, "signal " + Signals.name(signal) + " for tid " + tid
                    + " was lost: tgkill failed with " + Errno.name(LibC.errno()));
        }
    }
}
