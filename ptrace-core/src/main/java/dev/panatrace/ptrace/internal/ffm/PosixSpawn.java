package dev.panatrace.ptrace.internal.ffm;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * glibc's posix_spawn and the functions that fill its attributes and file actions, called through
 * {@link LibC}'s one downcall. These are library code, not system calls: they return an error number
 * instead of setting errno.
 */
public final class PosixSpawn {
    private PosixSpawn() {}

    /** glibc's {@code sizeof(posix_spawnattr_t)} is 336 and {@code sizeof(posix_spawn_file_actions_t)} 80; we over-allocate. */
    public static final long ATTR_SIZE = 512;
    public static final long FILE_ACTIONS_SIZE = 256;
    /** {@code sizeof(sigset_t)} in glibc: 1024 bits. */
    public static final long SIGSET_SIZE = 128;

    private static final MemorySegment POSIX_SPAWN = LibC.symbol("posix_spawn");
    private static final MemorySegment ATTR_INIT = LibC.symbol("posix_spawnattr_init");
    private static final MemorySegment ATTR_DESTROY = LibC.symbol("posix_spawnattr_destroy");
    private static final MemorySegment ATTR_SETFLAGS = LibC.symbol("posix_spawnattr_setflags");
    private static final MemorySegment ATTR_SETSIGMASK = LibC.symbol("posix_spawnattr_setsigmask");
    private static final MemorySegment ATTR_SETSIGDEFAULT = LibC.symbol("posix_spawnattr_setsigdefault");
    private static final MemorySegment FILE_ACTIONS_INIT = LibC.symbol("posix_spawn_file_actions_init");
    private static final MemorySegment FILE_ACTIONS_DESTROY = LibC.symbol("posix_spawn_file_actions_destroy");
    private static final MemorySegment FILE_ACTIONS_ADDCLOSEFROM = LibC.symbol("posix_spawn_file_actions_addclosefrom_np");
    private static final MemorySegment FILE_ACTIONS_ADDCHDIR = LibC.symbol("posix_spawn_file_actions_addchdir_np");
    private static final MemorySegment FILE_ACTIONS_ADDOPEN = LibC.symbol("posix_spawn_file_actions_addopen");

    /** Finds the functions now, if not yet done: initializing this class does it. */
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
        return (int) LibC.call(POSIX_SPAWN, pid.address(), path.address(), fileActions.address(), attr.address(),
                argv.address(), envp.address(), 0);
    }

    public static int attrInit(MemorySegment attr) {
        return call(ATTR_INIT, attr);
    }

    public static int attrDestroy(MemorySegment attr) {
        return call(ATTR_DESTROY, attr);
    }

    public static int attrSetflags(MemorySegment attr, short flags) {
        return (int) LibC.call(ATTR_SETFLAGS, attr.address(), flags, 0, 0, 0, 0, 0);
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
        return (int) LibC.call(FILE_ACTIONS_ADDCLOSEFROM, actions.address(), from, 0, 0, 0, 0, 0);
    }

    public static int fileActionsAddopen(MemorySegment actions, int fd, MemorySegment path, int oflag, int mode) {
        return (int) LibC.call(FILE_ACTIONS_ADDOPEN, actions.address(), fd, path.address(), oflag, mode, 0, 0);
    }

    public static int fileActionsAddchdir(MemorySegment actions, MemorySegment path) {
        return call(FILE_ACTIONS_ADDCHDIR, actions, path);
    }

    private static int call(MemorySegment function, MemorySegment a) {
        return (int) LibC.call(function, a.address(), 0, 0, 0, 0, 0, 0);
    }

    private static int call(MemorySegment function, MemorySegment a, MemorySegment b) {
        return (int) LibC.call(function, a.address(), b.address(), 0, 0, 0, 0, 0);
    }
}
