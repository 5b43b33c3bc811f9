package dev.panatrace.ptrace.internal.ffm;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw system calls, all through glibc's {@code syscall(2)}, and the engine's few other libc functions
 * ({@link PosixSpawn}): one downcall handle of one shape (a function's address and seven words, returning
 * a word) serves every call. Linking a downcall of a new shape costs the JVM milliseconds of generated
 * code, and the launcher must start in a few tens of milliseconds, so the engine links one shape, once.
 * On x86_64 and aarch64 Linux a function ignores the integer and pointer arguments it does not take, and
 * an int result is the low half of the word. Results of syscalls are the kernel's: -1 with errno on
 * failure, read back with {@link #errno()}. The typed layer ({@code Ptrace}, {@code TraceeMemory}) turns
 * them into exceptions.
 *
 * <p>Raw ptrace differs from glibc's wrapper only for PTRACE_PEEK*, which store the word at {@code data}
 * instead of returning it (so -1 is never ambiguous).
 */
public final class LibC {
    private LibC() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = errnoOffset();

    /** One capture segment per calling thread: errno is per thread, and so must be where we store it. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // long function(7 longs), the function's address passed first at each call. syscall(2) is variadic but is
    // called as if it were not: on x86_64 a variadic call only adds the count of vector registers in %al,
    // which glibc's syscall (assembly) never reads and a C prologue reads only to skip saving them; on
    // aarch64 Linux integer arguments travel alike either way. Linker.Option.firstVariadicArg would cost
    // start-up about 12 ms of linking (the 40 ms link of `run -- true` fell to 27 ms without it).
    private static final MethodHandle CALL = LINKER.downcallHandle(
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MemorySegment SYSCALL = symbol("syscall");

    private static final SyscallTable TABLE = SyscallTable.of(Arch.current());
    private static final long SYS_PTRACE = TABLE.numberOf("ptrace");
    private static final long SYS_WAIT4 = TABLE.numberOf("wait4");
    private static final long SYS_PROCESS_VM_READV = TABLE.numberOf("process_vm_readv");
    private static final long SYS_PROCESS_VM_WRITEV = TABLE.numberOf("process_vm_writev");
    private static final long SYS_KILL = TABLE.numberOf("kill");
    private static final long SYS_TGKILL = TABLE.numberOf("tgkill");
    private static final long SYS_SCHED_SETAFFINITY = TABLE.numberOf("sched_setaffinity");
    private static final long SYS_SCHED_GETAFFINITY = TABLE.numberOf("sched_getaffinity");
    private static final long SYS_GETCPU = TABLE.numberOf("getcpu");
    private static final long SYS_OPENAT = TABLE.numberOf("openat");
    private static final long SYS_PREAD64 = TABLE.numberOf("pread64");
    private static final long SYS_PWRITE64 = TABLE.numberOf("pwrite64");
    private static final long SYS_CLOSE = TABLE.numberOf("close");
    private static final int AT_FDCWD = -100;

    /**
     * Where errno lies in the capture segment, found by walking the struct's members (padding included):
     * a VarHandle or a path lookup would cost milliseconds of generated code at start-up.
     */
    private static long errnoOffset() {
        long offset = 0;
        for (MemoryLayout member : ((GroupLayout) CAPTURE_LAYOUT).memberLayouts()) {
            if (member.name().filter("errno"::equals).isPresent()) {
                return offset;
            }
            offset += member.byteSize();
        }
        throw new LinkageError("no errno in the capture state layout " + CAPTURE_LAYOUT);
    }

    /** Links the downcall now, if not yet done: initializing this class does it. */
    public static void link() {
        // Nothing more: the static fields are the work.
    }

    static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new LinkageError("libc symbol not found: " + name));
    }

    /** errno as captured by the last call made on this thread. */
    public static int errno() {
        return CAPTURE.get().get(JAVA_INT, ERRNO_OFFSET);
    }

    private static long syscall(long number, long a, long b, long c, long d, long e) {
        return call(SYSCALL, number, a, b, c, d, e, 0);
    }

    /** Calls the libc function at {@code function} with up to seven integer or pointer arguments. */
    static long call(MemorySegment function, long a, long b, long c, long d, long e, long f, long g) {
        try {
            return (long) CALL.invokeExact(function, CAPTURE.get(), a, b, c, d, e, f, g);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long ptrace(int request, int pid, long addr, long data) {
        return syscall(SYS_PTRACE, request, pid, addr, data, 0);
    }

    /** waitpid(2), as wait4 without resource usage. */
    public static int waitpid(int pid, MemorySegment status, int options) {
        return (int) syscall(SYS_WAIT4, pid, status.address(), options, 0, 0);
    }

    public static long processVmReadv(int pid, MemorySegment local, long liovcnt, MemorySegment remote, long riovcnt) {
        return syscall(SYS_PROCESS_VM_READV, pid, local.address(), liovcnt, remote.address(), riovcnt);
    }

    public static long processVmWritev(int pid, MemorySegment local, long liovcnt, MemorySegment remote, long riovcnt) {
        return syscall(SYS_PROCESS_VM_WRITEV, pid, local.address(), liovcnt, remote.address(), riovcnt);
    }

    /** openat(AT_FDCWD, path, flags): {@code path} is a NUL-terminated string. */
    public static int open(MemorySegment path, int flags) {
        return (int) syscall(SYS_OPENAT, AT_FDCWD, path.address(), flags, 0, 0);
    }

    public static long pread(int fd, MemorySegment buffer, long length, long offset) {
        return syscall(SYS_PREAD64, fd, buffer.address(), length, offset, 0);
    }

    public static long pwrite(int fd, MemorySegment buffer, long length, long offset) {
        return syscall(SYS_PWRITE64, fd, buffer.address(), length, offset, 0);
    }

    public static int close(int fd) {
        return (int) syscall(SYS_CLOSE, fd, 0, 0, 0, 0);
    }

    public static int kill(int pid, int sig) {
        return (int) syscall(SYS_KILL, pid, sig, 0, 0, 0);
    }

    public static int tgkill(int tgid, int tid, int sig) {
        return (int) syscall(SYS_TGKILL, tgid, tid, sig, 0, 0);
    }

    public static int schedSetaffinity(int tid, long size, MemorySegment mask) {
        return (int) syscall(SYS_SCHED_SETAFFINITY, tid, size, mask.address(), 0, 0);
    }

    /** The raw syscall: the size of the kernel's CPU mask in bytes, which it wrote to {@code mask}. */
    public static int schedGetaffinity(int tid, long size, MemorySegment mask) {
        return (int) syscall(SYS_SCHED_GETAFFINITY, tid, size, mask.address(), 0, 0);
    }

    /** getcpu(2): the CPU the calling thread runs on, stored as an int at {@code cpu}. */
    public static int getcpu(MemorySegment cpu) {
        return (int) syscall(SYS_GETCPU, cpu.address(), 0, 0, 0, 0);
    }
}
