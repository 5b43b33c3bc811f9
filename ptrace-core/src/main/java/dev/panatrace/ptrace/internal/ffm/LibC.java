package dev.panatrace.ptrace.internal.ffm;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw glibc bindings. Each method returns the C result unchanged; calls that set errno store it in the
 * calling thread's capture segment, read back with {@link #errno()}. The typed layer
 * ({@code dev.panatrace.ptrace.internal.Sys}) turns results into exceptions.
 */
public final class LibC {
    private LibC() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** One capture segment per calling thread: errno is per thread, and so must be where we store it. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    public static final AddressLayout C_POINTER = ADDRESS;

    /** errno as captured by the last errno-capturing call made on this thread. */
    public static int errno() {
        return (int) ERRNO_HANDLE.get(CAPTURE.get(), 0L);
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new LinkageError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    // long ptrace(enum __ptrace_request request, ...): variadic after the request. pid is an int
    // (not promoted); addr and data are passed as 64-bit words, which is what the kernel takes.
    private static final MethodHandle PTRACE = bind("ptrace",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle WAITPID = bind("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    private static final MethodHandle PROCESS_VM_READV = bind("process_vm_readv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG), ERRNO);
    private static final MethodHandle PROCESS_VM_WRITEV = bind("process_vm_writev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG), ERRNO);
    private static final MethodHandle KILL = bind("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle TGKILL = bind("tgkill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    // int prctl(int option, ...): variadic after the option.
    private static final MethodHandle PRCTL = bind("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle GETTID = bind("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = bind("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SCHED_SETAFFINITY = bind("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO);
    private static final MethodHandle SCHED_GETCPU = bind("sched_getcpu", FunctionDescriptor.of(JAVA_INT), ERRNO);

    // posix_spawn family: these return an error number instead of setting errno.
    private static final MethodHandle POSIX_SPAWN = bind("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_INIT = bind("posix_spawnattr_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_DESTROY = bind("posix_spawnattr_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETFLAGS = bind("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ValueLayout.JAVA_SHORT));
    private static final MethodHandle SPAWNATTR_SETSIGMASK = bind("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETSIGDEFAULT = bind("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_INIT = bind("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_DESTROY = bind("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_ADDDUP2 = bind("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FILE_ACTIONS_ADDCLOSEFROM = bind("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FILE_ACTIONS_ADDOPEN = bind("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FILE_ACTIONS_ADDCHDIR = bind("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGFILLSET = bind("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = bind("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** glibc's {@code sizeof(posix_spawnattr_t)} is 336 and {@code sizeof(posix_spawn_file_actions_t)} 80; we over-allocate. */
    public static final long SPAWNATTR_SIZE = 512;
    public static final long FILE_ACTIONS_SIZE = 256;
    /** {@code sizeof(sigset_t)} in glibc. */
    public static final long SIGSET_SIZE = 128;

    public static long ptrace(int request, int pid, long addr, long data) {
        try {
            return (long) PTRACE.invokeExact(CAPTURE.get(), request, pid, addr, data);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int waitpid(int pid, MemorySegment status, int options) {
        try {
            return (int) WAITPID.invokeExact(CAPTURE.get(), pid, status, options);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long processVmReadv(int pid, MemorySegment local, long liovcnt, MemorySegment remote, long riovcnt) {
        try {
            return (long) PROCESS_VM_READV.invokeExact(CAPTURE.get(), pid, local, liovcnt, remote, riovcnt, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long processVmWritev(int pid, MemorySegment local, long liovcnt, MemorySegment remote, long riovcnt) {
        try {
            return (long) PROCESS_VM_WRITEV.invokeExact(CAPTURE.get(), pid, local, liovcnt, remote, riovcnt, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int kill(int pid, int sig) {
        try {
            return (int) KILL.invokeExact(CAPTURE.get(), pid, sig);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int tgkill(int tgid, int tid, int sig) {
        try {
            return (int) TGKILL.invokeExact(CAPTURE.get(), tgid, tid, sig);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        try {
            return (int) PRCTL.invokeExact(CAPTURE.get(), option, arg2, arg3, arg4, arg5);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int schedSetaffinity(int tid, long size, MemorySegment mask) {
        try {
            return (int) SCHED_SETAFFINITY.invokeExact(CAPTURE.get(), tid, size, mask);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int schedGetcpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact(CAPTURE.get());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int posixSpawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions,
                                 MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return (int) POSIX_SPAWN.invokeExact(pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int spawnattrInit(MemorySegment attr) {
        return call1(SPAWNATTR_INIT, attr);
    }

    public static int spawnattrDestroy(MemorySegment attr) {
        return call1(SPAWNATTR_DESTROY, attr);
    }

    public static int spawnattrSetflags(MemorySegment attr, short flags) {
        try {
            return (int) SPAWNATTR_SETFLAGS.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int spawnattrSetsigmask(MemorySegment attr, MemorySegment set) {
        return call2(SPAWNATTR_SETSIGMASK, attr, set);
    }

    public static int spawnattrSetsigdefault(MemorySegment attr, MemorySegment set) {
        return call2(SPAWNATTR_SETSIGDEFAULT, attr, set);
    }

    public static int fileActionsInit(MemorySegment actions) {
        return call1(FILE_ACTIONS_INIT, actions);
    }

    public static int fileActionsDestroy(MemorySegment actions) {
        return call1(FILE_ACTIONS_DESTROY, actions);
    }

    public static int fileActionsAdddup2(MemorySegment actions, int fd, int newfd) {
        try {
            return (int) FILE_ACTIONS_ADDDUP2.invokeExact(actions, fd, newfd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fileActionsAddclosefrom(MemorySegment actions, int from) {
        try {
            return (int) FILE_ACTIONS_ADDCLOSEFROM.invokeExact(actions, from);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fileActionsAddopen(MemorySegment actions, int fd, MemorySegment path, int oflag, int mode) {
        try {
            return (int) FILE_ACTIONS_ADDOPEN.invokeExact(actions, fd, path, oflag, mode);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fileActionsAddchdir(MemorySegment actions, MemorySegment path) {
        return call2(FILE_ACTIONS_ADDCHDIR, actions, path);
    }

    public static int sigfillset(MemorySegment set) {
        return call1(SIGFILLSET, set);
    }

    public static int sigemptyset(MemorySegment set) {
        return call1(SIGEMPTYSET, set);
    }

    private static int call1(MethodHandle handle, MemorySegment a) {
        try {
            return (int) handle.invokeExact(a);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int call2(MethodHandle handle, MemorySegment a, MemorySegment b) {
        try {
            return (int) handle.invokeExact(a, b);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
