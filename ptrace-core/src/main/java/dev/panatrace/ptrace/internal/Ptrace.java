package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.TraceeGoneException;
import dev.panatrace.ptrace.internal.ffm.LibC;

import java.lang.foreign.MemorySegment;

/**
 * Typed ptrace(2) requests. Every failure becomes an {@link ErrnoException}; ESRCH becomes a
 * {@link TraceeGoneException}, here and nowhere else.
 */
public final class Ptrace {
    private Ptrace() {}

    public static final int PEEKDATA = 2;
    public static final int POKEDATA = 5;
    public static final int CONT = 7;
    public static final int DETACH = 17;
    public static final int SYSCALL = 24;
    public static final int SETOPTIONS = 0x4200;
    public static final int GETEVENTMSG = 0x4201;
    public static final int GETSIGINFO = 0x4202;
    public static final int GETREGSET = 0x4204;
    public static final int SETREGSET = 0x4205;
    public static final int SEIZE = 0x4206;
    public static final int INTERRUPT = 0x4207;
    public static final int LISTEN = 0x4208;

    public static final int O_TRACESYSGOOD = 0x1;
    public static final int O_TRACEFORK = 0x2;
    public static final int O_TRACEVFORK = 0x4;
    public static final int O_TRACECLONE = 0x8;
    public static final int O_TRACEEXEC = 0x10;
    public static final int O_TRACESECCOMP = 0x80;
    public static final int O_EXITKILL = 0x100000;

    public static final int EVENT_FORK = 1;
    public static final int EVENT_VFORK = 2;
    public static final int EVENT_CLONE = 3;
    public static final int EVENT_EXEC = 4;
    public static final int EVENT_VFORK_DONE = 5;
    public static final int EVENT_EXIT = 6;
    public static final int EVENT_SECCOMP = 7;
    public static final int EVENT_STOP = 128;

    public static final int NT_PRSTATUS = 1;
    public static final int NT_ARM_SYSTEM_CALL = 0x404;

    /** Any request; returns the kernel's result. */
    public static long request(int request, int tid, long addr, long data) {
        long r = LibC.ptrace(request, tid, addr, data);
        if (r == -1) {
            throw failure(LibC.errno(), name(request), tid);
        }
        return r;
    }

    public static void seize(int tid, int options) {
        request(SEIZE, tid, 0, options);
    }

    public static void resume(int request, int tid, int signal) {
        request(request, tid, 0, signal);
    }

    public static void interrupt(int tid) {
        request(INTERRUPT, tid, 0, 0);
    }

    public static void listen(int tid) {
        request(LISTEN, tid, 0, 0);
    }

    public static void detach(int tid, int signal) {
        request(DETACH, tid, 0, signal);
    }

    /** PTRACE_GETEVENTMSG into a caller-owned 8-byte segment. */
    public static long eventMessage(int tid, MemorySegment scratch8) {
        request(GETEVENTMSG, tid, 0, scratch8.address());
        return scratch8.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
    }

    /**
     * PTRACE_GETREGSET/SETREGSET with an iovec the caller owns. The length is reset on every call:
     * the kernel writes back how much it filled.
     */
    public static void regset(int request, int tid, int type, MemorySegment iovec, MemorySegment buffer) {
        iovec.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, buffer.address());
        iovec.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, buffer.byteSize());
        request(request, tid, type, iovec.address());
    }

    public static ErrnoException failure(int errno, String operation, int tid) {
        return errno == Errno.ESRCH ? new TraceeGoneException(operation, tid) : new ErrnoException(errno, operation, tid);
    }

    static String name(int request) {
        return "ptrace(" + switch (request) {
            case PEEKDATA -> "PTRACE_PEEKDATA";
            case POKEDATA -> "PTRACE_POKEDATA";
            case CONT -> "PTRACE_CONT";
            case DETACH -> "PTRACE_DETACH";
            case SYSCALL -> "PTRACE_SYSCALL";
            case SETOPTIONS -> "PTRACE_SETOPTIONS";
            case GETEVENTMSG -> "PTRACE_GETEVENTMSG";
            case GETSIGINFO -> "PTRACE_GETSIGINFO";
            case GETREGSET -> "PTRACE_GETREGSET";
            case SETREGSET -> "PTRACE_SETREGSET";
            case SEIZE -> "PTRACE_SEIZE";
            case INTERRUPT -> "PTRACE_INTERRUPT";
            case LISTEN -> "PTRACE_LISTEN";
            default -> "request " + request;
        } + ")";
    }
}
