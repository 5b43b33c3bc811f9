package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.TraceeGoneException;
import dev.panatrace.ptrace.WaitStatus;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Runs a syscall in a stopped tracee thread: point it at a syscall instruction with the number and
 * arguments in place, step it through the syscall's stops to the exit stop, read the result, and put
 * every register back. Valid from any stop except a syscall entry (there the thread is already inside
 * a syscall; the engine hijacks that one instead).
 *
 * <p>Reaching the instruction passes through user mode, where a pending signal can be taken first.
 * Such a signal is held back, with its siginfo, and queued again to the same thread once the registers
 * are restored, so the program still receives it, only a little later.
 */
final class SyscallInjector {
    private final TraceLoop loop;
    private final Arch arch;
    /** Whether the last injection's first stop was a seccomp stop (the probe reads it). */
    boolean sawSeccompFirst;

    SyscallInjector(TraceLoop loop) {
        this.loop = loop;
        this.arch = loop.arch();
    }

    /**
     * @param base the registers to restore afterwards (the thread's current ones, with any changes the
     *             handler made)
     * @param syscallAddress the address of a syscall instruction in the thread's address space
     * @return the syscall's result, or -errno
     */
    long inject(ThreadState thread, Registers base, long syscallAddress, long nr, long... args) {
        Deque<byte[]> heldSignals = new ArrayDeque<>();
        long deadline = System.nanoTime() + loop.injectionTimeout().toNanos();
        try {
            while (true) {
                long result = runOnce(thread, base, syscallAddress, nr, args, heldSignals, deadline);
                if (result == TIMED_OUT) {
                    throw new ErrnoException(Errno.ETIMEDOUT, "injected syscall " + loop.table().name((int) nr)
                            + " did not return within " + loop.injectionTimeout().toMillis() + " ms and was interrupted "
                            + "(while it runs, every other tracee that stops waits: an injected syscall must not wait "
                            + "for another traced thread)", thread.tid);
                }
                // Interrupted before it could complete; the kernel would restart it, and so do we.
                if (!Errno.isRestart(result)) {
                    return result;
                }
            }
        } finally {
            loop.io().setRegisters(thread.tid, base);
            requeue(thread, base, syscallAddress, heldSignals);
            if (groupStopSeen) {
                // The thread joined a group stop meanwhile, and was run on to finish the injection. Have it
                // trap again the moment it is resumed: while the group is still stopped, that trap is a
                // group-stop the main loop holds with PTRACE_LISTEN, as job control wants.
                groupStopSeen = false;
                Ptrace.interrupt(thread.tid);
            }
        }
    }

    /** A group-stop was reported for the injected thread during the current injection. */
    private boolean groupStopSeen;

    /** What {@link #runOnce} returns for a syscall that was interrupted at the deadline. */
    private static final long TIMED_OUT = Long.MIN_VALUE;

    private long runOnce(ThreadState thread, Registers base, long syscallAddress, long nr, long[] args,
                         Deque<byte[]> heldSignals, long deadline) {
        int tid = thread.tid;
        Registers regs = base.copy();
        regs.setInstructionPointer(syscallAddress);
        if (arch == Arch.X86_64) {
            regs.set("rax", nr);
            // Not inside a syscall any more: keeps the kernel's restart logic off these registers.
            regs.set("orig_rax", -1);
        } else {
            regs.set("x8", nr);
        }
        for (int i = 0; i < args.length; i++) {
            regs.setArg(i, args[i]);
        }
        loop.io().setRegisters(tid, regs);
        Ptrace.resume(Ptrace.SYSCALL, tid, 0);
        // Entry and exit are the two syscall stops; a seccomp stop comes between them (Linux 4.8+) or
        // before both (older kernels, gVisor) when the filter traces the number.
        sawSeccompFirst = false;
        int syscallStops = 0;
        boolean interrupted = false;
        for (boolean first = true; ; first = false) {
            WaitStatus ws = interrupted ? loop.io().waitThread(tid) : loop.io().waitThread(tid, deadline);
            if (ws == null) {
                // PTRACE_INTERRUPT ends a blocking syscall as a signal would: its exit stop comes next, then
                // the interrupt's own stop, which the main loop takes after the registers are restored.
                Ptrace.interrupt(tid);
                interrupted = true;
                continue;
            }
            if (!ws.stopped()) {
                loop.replayLater(tid, ws);
                throw new TraceeGoneException("injected syscall " + nr, tid);
            }
            if (ws.event() == Ptrace.EVENT_SECCOMP) {
                sawSeccompFirst |= first;
            } else if (ws.syscallStop()) {
                if (++syscallStops == 2) {
                    long result = loop.registersOf(tid).returnValue();
                    return interrupted && Errno.isRestart(result) ? TIMED_OUT : result;
                }
            } else if (ws.event() == 0) {
                heldSignals.add(loop.io().signalInfo(tid));
            }
            // Other event stops (a group stop, an interrupt) wait until the injection is done.
            groupStopSeen |= ws.event() == Ptrace.EVENT_STOP && Signals.isStopSignal(ws.stopSignal());
            Ptrace.resume(Ptrace.SYSCALL, tid, 0);
        }
    }

    /**
     * Queues held signals again to the thread, with their original siginfo, by injecting
     * rt_tgsigqueueinfo: only a thread's own process may queue arbitrary siginfo to it.
     */
    private void requeue(ThreadState thread, Registers base, long syscallAddress, Deque<byte[]> held) {
        while (!held.isEmpty()) {
            byte[] siginfo = held.poll();
            int signal = java.nio.ByteBuffer.wrap(siginfo).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
            long slot = loop.scratch().slotOrZero(thread);
            if (slot == 0) {
                // No scratch memory for the siginfo: send the bare signal (its siginfo becomes a tkill's).
                NativeIo.tgkill(thread.process.pid, thread.tid, signal);
                continue;
            }
            thread.placed[0] = null; // the siginfo takes the first string's place, even if its write fails half-way
            loop.memory().write(thread.tid, thread.process.pid, slot, Arrays.copyOf(siginfo, 128));
            long r = runOnce(thread, base, syscallAddress, loop.table().numberOf("rt_tgsigqueueinfo"),
                    new long[] {thread.process.pid, thread.tid, signal, slot}, held,
                    System.nanoTime() + loop.injectionTimeout().toNanos());
            loop.io().setRegisters(thread.tid, base);
            if (r < 0) {
                NativeIo.tgkill(thread.process.pid, thread.tid, signal);
            }
        }
    }
}
