package dev.panatrace.ptrace.internal.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * glibc's posix_spawn and the functions that fill its attributes and file actions. These are library
 * code, not system calls: they return an error number instead of setting errno. Linked when the first
 * tracee is spawned, or by {@link #link}, not when a tracer merely attaches; addopen, needed only for
 * redirected streams, on first use.
 */
public final class PosixSpawn {
    private PosixSpawn() {}

    /** glibc's {@code sizeof(posix_spawnattr_t)} is 336 and {@code sizeof(posix_spawn_file_actions_t)} 80; we over-allocate. */
    public static final long ATTR_SIZE = 512;
    public static final long FILE_ACTIONS_SIZE = 256;
    /** {@code sizeof(sigset_t)} in glibc: 1024 bits. */
    public static final long SIGSET_SIZE = 128;

    private static final FunctionDescriptor ONE_POINTER = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor TWO_POINTERS = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);

    private static final MethodHandle POSIX_SPAWN = bind("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_INIT = bind("posix_spawnattr_init", ONE_POINTER);
    private static final MethodHandle ATTR_DESTROY = bind("posix_spawnattr_destroy", ONE_POINTER);
    private static final MethodHandle ATTR_SETFLAGS = bind("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = bind("posix_spawnattr_setsigmask", TWO_POINTERS);
    private static final MethodHandle ATTR_SETSIGDEFAULT = bind("posix_spawnattr_setsigdefault", TWO_POINTERS);
    private static final MethodHandle FILE_ACTIONS_INIT = bind("posix_spawn_file_actions_init", ONE_POINTER);
    private static final MethodHandle FILE_ACTIONS_DESTROY = bind("posix_spawn_file_actions_destroy", ONE_POINTER);
    private static final MethodHandle FILE_ACTIONS_ADDCLOSEFROM = bind("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FILE_ACTIONS_ADDCHDIR = bind("posix_spawn_file_actions_addchdir_np",
            TWO_POINTERS);

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LibC.LINKER.downcallHandle(LibC.symbol(name), descriptor);
    }

    /** Holds addopen, linked on first use. */
    private static final class AddOpen {
        static final MethodHandle HANDLE = bind("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    /** Links the downcalls now, if not yet done: initializing this class does it. */
    public static void link() {
        // Nothing more: the static fields are the work.
    }

    /** sigemptyset(3), done here: a sigset_t is a plain bit array. */
    public static void emptySignalSet(MemorySegment set) {
        set.asSlice(0, SIGSET_SIZE).fill((byte) 0);
    }

    /**
     * sigfillset(3), done here as glibc does it: every signal but the two that glibc keeps for itself
     * (32, SIGCANCEL, and 33, SIGSETXID; signal N is bit N-1).
     */
    public static void fillSignalSet(MemorySegment set) {
        set.asSlice(0, SIGSET_SIZE).fill((byte) 0xff);
        set.set(JAVA_BYTE, 3, (byte) 0x7f);
        set.set(JAVA_BYTE, 4, (byte) 0xfe);
    }

    public static int spawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions,
                            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return (int) POSIX_SPAWN.invokeExact(pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int attrInit(MemorySegment attr) {
        return call(ATTR_INIT, attr);
    }

    public static int attrDestroy(MemorySegment attr) {
        return call(ATTR_DESTROY, attr);
    }

    public static int attrSetflags(MemorySegment attr, short flags) {
        try {
            return (int) ATTR_SETFLAGS.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int attrSetsigmask(MemorySegment attr, MemorySegment set) {
        return call(ATTR_SETSIGMASK, attr, set);
    }

    public static int attrSetsigdefault(MemorySegment attr, MemorySegment set) {
        return call(ATTR_SETSIGDEFAULT, attr, set);
    }

    public static int fileActionsInit(MemorySegment actions) {
        return call(FILE_ACTIONS_INIT, actions);
    }

    public static int fileActionsDestroy(MemorySegment actions) {
        return call(FILE_ACTIONS_DESTROY, actions);
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
            return (int) AddOpen.HANDLE.invokeExact(actions, fd, path, oflag, mode);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fileActionsAddchdir(MemorySegment actions, MemorySegment path) {
        return call(FILE_ACTIONS_ADDCHDIR, actions, path);
    }

    private static int call(MethodHandle handle, MemorySegment a) {
        try {
            return (int) handle.invokeExact(a);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int call(MethodHandle handle, MemorySegment a, MemorySegment b) {
        try {
            return (int) handle.invokeExact(a, b);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
