package dev.panatrace.ptrace.paths;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceeLocal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Shows traced programs the host paths of a {@link PathMap} at their guest paths, by rewriting the path
 * arguments of every path-taking syscall ({@link PathSyscalls}) at its entry.
 *
 * <pre>{@code
 * BindMap binds = BindMap.builder().bind(fakeSys.toRealPath(), Path.of("/proc/sys")).build();
 * try (TraceSession trace = Tracer.builder()
 *         .handler(new PathRedirector(binds, rewrite -> System.err.println(rewrite)))
 *         .spawn(List.of("cat", "/proc/sys/kernel/ostype"))) {   // prints fakeSys/kernel/ostype
 *     trace.waitFor();
 * }
 * }</pre>
 *
 * <p>A path is mapped lexically ({@link LexicalResolver}): a relative one is first made absolute
 * against the thread's working directory or the syscall's directory file descriptor, as the kernel
 * reports them in {@code /proc/TID/cwd} and {@code /proc/TID/fd/N}. When that directory is a HOST path
 * (the thread entered a bound directory) it is mapped back to its GUEST path first, so that {@code ..}
 * from the top of HOST leads to GUEST's parent, never to HOST's; such a path is rewritten to its
 * absolute guest form even when it leaves every bind. Paths that no bind concerns are left exactly as
 * the tracee wrote them, so the kernel resolves them, symbolic links and all, as without a tracer.
 *
 * <p>Left to the kernel, so that it fails them as it would untraced: an unreadable path (EFAULT), a
 * path of PATH_MAX bytes or more (ENAMETOOLONG), an empty path, a NULL path where the syscall allows
 * one, a relative path whose directory cannot be read from {@code /proc} (a bad or non-directory file
 * descriptor), and {@code openat2} confined by {@code RESOLVE_BENEATH} or {@code RESOLVE_IN_ROOT},
 * whose relative lookups stay under the directory file descriptor anyway. A mapped path of PATH_MAX
 * bytes or more fails the syscall with ENAMETOOLONG, as the kernel would fail the mapped path.
 *
 * <p>Not done: symbolic links elsewhere that point into a GUEST are followed by the kernel to the real
 * files; {@code getcwd} and {@code readlink} of {@code /proc/self/fd/N} report HOST paths.
 */
public final class PathRedirector implements TraceHandler {
    /** {@code sizeof(struct open_how)}: u64 flags, mode, resolve (openat2(2)). */
    private static final int OPEN_HOW_SIZE = 24;
    private static final int OPEN_HOW_RESOLVE_OFFSET = 16;
    /** From {@code <linux/openat2.h>}. */
    private static final long RESOLVE_BENEATH = 0x08;
    private static final long RESOLVE_IN_ROOT = 0x10;

    private final PathMap map;
    private final Consumer<Rewrite> log;
    /** The errno the map failed the last path given to {@link #redirect} with, or 0; tracer thread only. */
    private int failure;
    /** The rewrites of the thread's current syscall, awaiting its result. */
    private final TraceeLocal<List<Replaced>> awaitingResult = TraceeLocal.perSyscall();

    /** A path argument and what replaced it. */
    private record Replaced(byte[] original, byte[] replacement) {}

    /**
     * A redirector that keeps no log.
     *
     * @param map the guest paths to redirect and their host paths, e.g. a {@link BindMap}
     */
    public PathRedirector(PathMap map) {
        this.map = Objects.requireNonNull(map, "map");
        this.log = null;
    }

    /**
     * A redirector that reports every rewrite once its syscall has returned. Rewritten syscalls then
     * stop at their exit too.
     *
     * @param map the guest paths to redirect and their host paths, e.g. a {@link BindMap}
     * @param log called on the tracer thread with each rewrite; a slow log slows the tracee
     */
    public PathRedirector(PathMap map, Consumer<Rewrite> log) {
        this.map = Objects.requireNonNull(map, "map");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Exactly the path-taking syscalls. */
    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of(PathSyscalls.allNames());
    }

    /** True: rewritten paths are placed in the engine's scratch memory. */
    @Override
    public boolean usesScratchMemory() {
        return true;
    }

    /** Rewrites the path arguments that lie in a GUEST, or that leave HOST through {@code ..}. */
    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        Optional<PathSyscall> layout = PathSyscalls.of(call.tracee().arch()).get(call.name());
        if (layout.isEmpty() || confinedToDirectory(call, layout.get())) {
            return EntryAction.CONTINUE;
        }
        List<Replaced> replaced = new ArrayList<>(2);
        for (PathArgument argument : layout.get().paths()) {
            byte[] original = readPath(call, argument);
            byte[] replacement = original == null ? null : redirect(call, argument, original);
            if (failure != 0) {
                report(call.tracee().tid(), call.name(), List.of(new Replaced(original, original)), -failure);
                return EntryAction.failing(failure);
            }
            if (replacement == null) {
                continue;
            }
            replaced.add(new Replaced(original, replacement));
            if (replacement.length >= Syscall.PATH_MAX) {
                report(call.tracee().tid(), call.name(), replaced, -Errno.ENAMETOOLONG);
                return EntryAction.failing(Errno.ENAMETOOLONG);
            }
            call.replaceString(argument.index(), replacement);
        }
        if (replaced.isEmpty() || log == null) {
            return EntryAction.CONTINUE;
        }
        call.tracee().set(awaitingResult, replaced);
        return EntryAction.OBSERVE_EXIT;
    }

    /** Logs the rewrites of the returning syscall with its result. */
    @Override
    public void onSyscallExit(Syscall call) {
        List<Replaced> replaced = call.tracee().get(awaitingResult);
        if (replaced != null) {
            call.tracee().set(awaitingResult, null);
            report(call.tracee().tid(), call.name(), replaced, call.result());
        }
    }

    private void report(int tid, String syscall, List<Replaced> replaced, long result) {
        if (log != null) {
            for (Replaced path : replaced) {
                log.accept(new Rewrite(tid, syscall, path.original(), path.replacement(), result));
            }
        }
    }

    /** The path argument's bytes, or null when there is none the kernel would look up successfully. */
    private static byte[] readPath(Syscall call, PathArgument argument) {
        if (argument.nullable() && call.arg(argument.index()) == 0) {
            return null;
        }
        byte[] path;
        try {
            path = call.readString(argument.index());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EFAULT) {
                return null;
            }
            throw e;
        }
        return path == null || path.length == 0 ? null : path;
    }

    /**
     * The path the syscall should get instead of {@code path}, or null to leave it alone; sets
     * {@link #failure} when the map fails the path instead.
     */
    private byte[] redirect(Syscall call, PathArgument argument, byte[] path) {
        failure = 0;
        if (LexicalResolver.isAbsolute(path)) {
            byte[] guestPath = LexicalResolver.normalize(path);
            failure = map.failure(guestPath);
            return failure != 0 ? null : map.toHost(guestPath).orElse(null);
        }
        byte[] base = baseDirectory(call, argument);
        if (base == null) {
            return null;
        }
        Optional<byte[]> guestBase = map.toGuest(base);
        byte[] guestPath = LexicalResolver.resolve(guestBase.orElse(base), path);
        failure = map.failure(guestPath);
        if (failure != 0) {
            return null;
        }
        Optional<byte[]> hostPath = map.toHost(guestPath);
        if (hostPath.isPresent()) {
            return hostPath.get();
        }
        // From inside HOST, a path that leaves every GUEST must not be looked up from HOST.
        return guestBase.isPresent() ? guestPath : null;
    }

    /**
     * The directory a relative path of this argument is looked up in, as the kernel names it, or null
     * when there is no such directory (a bad descriptor, or one that is not a directory).
     */
    private static byte[] baseDirectory(Syscall call, PathArgument argument) {
        int tid = call.tracee().tid();
        // dirfd is a C int; the upper half of the register is not part of it.
        int dirfd = argument.dirfd().isPresent() ? (int) call.arg(argument.dirfd().getAsInt()) : PathArgument.AT_FDCWD;
        Path link;
        if (dirfd == PathArgument.AT_FDCWD) {
            link = Path.of("/proc", Integer.toString(tid), "cwd");
        } else if (dirfd >= 0) {
            link = Path.of("/proc", Integer.toString(tid), "fd", Integer.toString(dirfd));
            if (!Files.isDirectory(link)) {
                return null;
            }
        } else {
            return null;
        }
        try {
            Path directory = Files.readSymbolicLink(link);
            // Descriptors of pipes, sockets and the like link to "type:[inode]", which is no directory.
            return directory.isAbsolute() ? FileNameBytes.of(directory) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Whether {@code openat2}'s {@code struct open_how} confines the lookup to its directory, which a
     * rewrite to an absolute path would break (EXDEV for RESOLVE_BENEATH, a different root for
     * RESOLVE_IN_ROOT). Also true when the struct is unreadable or too small: the kernel fails those.
     */
    private static boolean confinedToDirectory(Syscall call, PathSyscall layout) {
        if (layout.openHow().isEmpty()) {
            return false;
        }
        int index = layout.openHow().getAsInt();
        if (Long.compareUnsigned(call.arg(index + 1), OPEN_HOW_SIZE) < 0) {
            return true;
        }
        byte[] openHow;
        try {
            openHow = call.tracee().read(call.arg(index), OPEN_HOW_SIZE);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EFAULT) {
                return true;
            }
            throw e;
        }
        // x86_64 and aarch64 Linux are both little-endian.
        long resolve = ByteBuffer.wrap(openHow).order(ByteOrder.LITTLE_ENDIAN).getLong(OPEN_HOW_RESOLVE_OFFSET);
        return (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) != 0;
    }
}
