package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.paths.PathMap;
import dev.panatrace.ptrace.paths.PathRedirector;
import dev.panatrace.ptrace.paths.PathSyscalls;
import dev.panatrace.ptrace.paths.Rewrite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a {@link SysctlTree} as the /proc/sys of traced programs: a {@link TraceHandler} for
 * {@link dev.panatrace.ptrace.Tracer}, and the owner of the tree's materialized files.
 *
 * <pre>{@code
 * SysctlTree tree = SysctlTree.builder().profile(SysctlProfile.builtIn("k3s")).missing(Missing.ENOENT).build();
 * try (ProcSysServer server = ProcSysServer.builder(tree).build();
 *      TraceSession trace = Tracer.builder().handler(server).spawn(List.of("sh", "-c",
 *              "echo 0 > /proc/sys/vm/overcommit_memory; cat /proc/sys/vm/overcommit_memory"))) {
 *     trace.waitFor();                              // the shell printed 0; the host's value is untouched
 *     server.report();                              // vm/overcommit_memory: 1 read, 1 write, value 0
 * }
 * }</pre>
 *
 * <h2>Paths</h2>
 * The tree is written out in a fresh private directory ({@link MaterializedTree}; mode 0700, deleted on
 * {@link #close()} or when the JVM exits) and every path-taking syscall is handed to a
 * {@link PathRedirector} whose map sends /proc/sys paths there: a served key to its file, a served
 * directory to its directory (so {@code getdents64} lists the served names), a key no rule serves to
 * the host's /proc/sys when the policy is {@link Missing#PASSTHROUGH} or to ENOENT under
 * {@link Missing#ENOENT}. Paths outside /proc/sys go to the optional extra {@link PathMap} ({@code --bind});
 * under /proc/sys the tree alone decides. Changes to the tree's structure fail as in /proc/sys:
 * {@code unlink}, {@code rename}, {@code mkdir}, {@code chmod} and the like with EPERM, extended
 * attribute changes with EOPNOTSUPP. {@code openat2} of a /proc/sys path fails with ENOSYS, as on a
 * kernel before 5.6, so that callers fall back to {@code openat}.
 *
 * <h2>Writes</h2>
 * Opening a served key for writing fails with EACCES if the key is read-only (procfs refuses root too).
 * Otherwise {@code O_TRUNC} and {@code O_APPEND} are dropped (the file is shared by every reader) and the new descriptor is
 * moved to [{@value #FD_LOW}, {@value #FD_HIGH}), where {@code write}, {@code pwrite64},
 * {@code writev}, {@code pwritev}, {@code pwritev2} and {@code ftruncate} stop. Such a write never
 * reaches a file: the tree takes the bytes ({@link SysctlTree#write(String, byte[], int, int)}) and
 * the tracee gets the byte count, or EINVAL for a value the key's validator refuses, EACCES for a
 * read-only key. The tree rewrites the key's file in place, so every process and thread sees the last
 * write. Opening, for writing, a key that shows the host's through ({@link PathKind#HOST}) opens the
 * host's file read-only, moved into the range the same way; its writes are taken by the tree, and
 * later opens see the tree's file. {@code creat} of such a key fails with EACCES (it has no flags to
 * change). So writes never reach the host's /proc/sys.
 *
 * <p>A copy of such a descriptor outside the range, as a shell's redirection ({@code echo 2 >
 * /proc/sys/...}) makes with {@code dup2} onto standard output, is followed: the engine is asked to stop
 * the process's writes to that descriptor number too ({@link Syscall#watchDescriptor}), so they are
 * validated the same way. That watch lasts as long as the process and its children, so their later
 * writes to that number (standard output, usually) stop too and pass through. Where the watch cannot
 * be set up (no room for one more seccomp filter), what is written through the copy lands in a file
 * nobody else sees, and is handed to the tree at the process's next watched syscall or its exit: a
 * valid value is applied late, an invalid one dropped and logged. Copies made with
 * {@code fcntl(F_DUPFD)} are followed the same way. For the host's file such writes fail with EBADF. Programs
 * that write through the descriptor they opened (Go's {@code os.WriteFile}, stdio, {@code tee},
 * {@code dd}) are validated. If a descriptor cannot be moved
 * into the range (e.g. RLIMIT_NOFILE is 1000 or less) it is kept and that is logged once; the host's
 * file is then closed and the open fails with that error instead.
 *
 * <p>Which key a written descriptor holds is read from the kernel ({@code /proc/TID/fd/N}) at each
 * write, not remembered: the kernel's descriptor table is already right after {@code fork},
 * {@code dup2}, {@code close_range}, descriptor passing and close-on-exec, and a stale record could
 * let the tree answer a write meant for a socket. It costs one {@code readlink} and one read of
 * {@code fdinfo} per write to a descriptor in the range. Each write is taken as the whole value, at
 * offset 0: the descriptor's offset does not advance (the kernel would ignore a second numeric write
 * on the same descriptor); a positioned write at a non-zero offset is accepted and ignored, as
 * {@code kernel.sysctl_writes_strict=1} does for numbers. {@code creat} of a key truncates its file
 * for the moment before the write that usually follows (creat has no flags to change).
 *
 * <h2>What else is kernel-like</h2>
 * {@code statfs} of a served path and {@code fstatfs} of a served descriptor report
 * {@code PROC_SUPER_MAGIC}; {@code readlink} of {@code /proc/self/fd/N}, {@code /proc/thread-self/fd/N},
 * {@code /proc/PID/fd/N}, {@code /proc/PID/task/TID/fd/N}, {@code /dev/fd/N} and the {@code cwd} links
 * beside them (absolute paths only) reads as the /proc/sys path when the descriptor or working
 * directory is a served file or directory. {@code getcwd} itself still reports the materialized path.
 *
 * <h2>Other roots and mount namespaces</h2>
 * A process that cannot reach the materialized directory at the same path (a container's root, a
 * chroot) is left alone entirely, binds included: it sees the /proc/sys its own root holds. See
 * {@code TraceeViews}: the test is whether {@code /proc/TID/root} plus the directory's path is the same
 * directory, so a private mount namespace that still shares the file system (as {@code unshare -m}
 * makes) keeps being served. The answer is cached per thread and looked at again after
 * {@code execve} and after {@code unshare}, {@code setns}, {@code chroot} and {@code pivot_root}.
 *
 * <h2>Reads</h2>
 * Reads are served by the kernel from the materialized files, without a stop. An open of a served key
 * for reading counts as a read in {@link #report()}.
 */
public final class ProcSysServer implements TraceHandler, AutoCloseable {
    /** The lowest descriptor that opened keys are moved to. */
    public static final int FD_LOW = 1000;
    /** One past the highest such descriptor. */
    public static final int FD_HIGH = 1064;

    private static final System.Logger LOG = System.getLogger(ProcSysServer.class.getName());

    /** From {@code <asm-generic/fcntl.h>}, the same on x86_64 and aarch64. */
    private static final int O_ACCMODE = 03;
    private static final int O_RDONLY = 00;
    private static final int O_WRONLY = 01;
    private static final int O_RDWR = 02;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;
    private static final int O_CLOEXEC = 02000000;
    private static final int F_DUPFD = 0;
    private static final int F_DUPFD_CLOEXEC = 1030;
    /** From {@code <linux/magic.h>}. */
    private static final long PROC_SUPER_MAGIC = 0x9fa0;
    /** EBADF, from {@code <asm-generic/errno-base.h>}. */
    private static final int EBADF = 9;
    /** UIO_MAXIOV: writev(2) fails more iovecs with EINVAL. */
    private static final int MAX_IOVECS = 1024;
    /** The most bytes a write may hand the tree; sysctl values are far shorter, and longer ones fail. */
    private static final int MAX_WRITE = 65536;

    private static final Set<String> WRITES = Set.of("write", "pwrite64", "writev", "pwritev", "pwritev2",
            "ftruncate");
    private static final Set<String> VIEW_CHANGES = Set.of("unshare", "setns", "chroot", "pivot_root");
    private static final Set<String> DUPLICATIONS = Set.of("dup", "dup2", "dup3");
    /** What is watched on a descriptor that may hold a key: writes, and copies of it. */
    private static final String[] ON_KEY_DESCRIPTORS = on(WRITES, DUPLICATIONS, Set.of("fcntl"));
    /** fcntl's commands that copy a descriptor: F_DUPFD and F_DUPFD_CLOEXEC. */
    private static final Set<Long> FCNTL_DUPLICATIONS = Set.of((long) F_DUPFD, (long) F_DUPFD_CLOEXEC);
    /** Descriptor links a program reads to learn what it opened. */
    private static final Pattern FD_LINK = Pattern.compile(
            "/(?:proc/(self|thread-self|([0-9]+)(/task/[0-9]+)?)/(fd/[0-9]+|cwd)|dev/(fd/[0-9]+))");

    /** What an entry stop asked to do at the exit of the same syscall. */
    private sealed interface Pending {}

    /** Move the descriptor an open returns into the watched range. */
    private record MoveDescriptor(boolean closeOnExec, boolean hostFile) implements Pending {}

    /** Report PROC_SUPER_MAGIC in the {@code struct statfs} at {@code buffer}. */
    private record ProcMagic(long buffer) implements Pending {}

    /** Replace a descriptor link's target, read through {@code link}, by its /proc/sys path. */
    private record LinkTarget(Path link, long buffer, long size) implements Pending {}

    /** A key's descriptor was copied; if the copy is outside the range, its writes are captured. */
    private record CopiedOut(SysctlKey key) implements Pending {}

    /** What a process writes through a copy of a key's descriptor, held until it is applied. */
    private record Capture(int pid, SysctlKey key, FileChannel file) {}

    /** The thread's root or namespaces may have changed. */
    private record ViewChange() implements Pending {}

    /** Only the redirector wants the exit (to log a rewrite). */
    private record RedirectorOnly() implements Pending {}

    private final SysctlTree tree;
    private final MaterializedTree files;
    private final String rootSlash;
    private final ProcSysPathMap map;
    private final PathRedirector redirector;
    private final TraceeViews views;
    private final Thread deleteOnExit;
    /** By tid; tracer thread only. */
    private final Map<Integer, Pending> pending = new HashMap<>();
    /** Tids whose current syscall's exit the redirector wants too; tracer thread only. */
    private final Set<Integer> redirectorExits = new HashSet<>();
    private boolean unvalidatedWritesLogged;
    /**
     * By process: descriptor numbers outside the range whose writes its stacked filters stop, because a
     * copy of a key's descriptor was made to them there or in an ancestor (filters are inherited, as these
     * sets are). Dropped when the process ends; tracer thread only.
     */
    private final Map<Integer, Set<Integer>> watchedCopies = new HashMap<>();
    /** Files written through copies of key descriptors, not applied yet; tracer thread only. */
    private final List<Capture> captures = new ArrayList<>();

    private ProcSysServer(SysctlTree tree, MaterializedTree files, PathMap binds, Consumer<Rewrite> log)
            throws IOException {
        this.tree = tree;
        this.files = files;
        this.rootSlash = files.root() + "/";
        this.map = new ProcSysPathMap(tree, files, binds);
        this.redirector = log == null ? new PathRedirector(map) : new PathRedirector(map, log);
        this.views = new TraceeViews(files.root());
        this.deleteOnExit = Thread.ofPlatform().name("procsys-delete-" + files.root().getFileName())
                .unstarted(this::deleteFiles);
        Runtime.getRuntime().addShutdownHook(deleteOnExit);
    }

    /**
     * A builder for a server of {@code tree}.
     *
     * @param tree the keys to serve; its {@link SysctlTree#missing()} policy decides unserved keys
     * @return a builder without binds, materializing under {@code java.io.tmpdir}
     */
    public static Builder builder(SysctlTree tree) {
        return new Builder(tree);
    }

    /** Options of a {@link ProcSysServer}. */
    public static final class Builder {
        private final SysctlTree tree;
        private PathMap binds;
        private Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        private Consumer<Rewrite> log;

        private Builder(SysctlTree tree) {
            this.tree = Objects.requireNonNull(tree, "tree");
        }

        /**
         * Also redirects the paths of {@code binds} outside /proc/sys, such as {@code run --bind}'s.
         *
         * @param binds a map, e.g. a {@link dev.panatrace.ptrace.paths.BindMap}
         * @return this builder
         */
        public Builder binds(PathMap binds) {
            this.binds = Objects.requireNonNull(binds, "binds");
            return this;
        }

        /**
         * Where to create the private directory the tree is materialized in (default {@code java.io.tmpdir}).
         *
         * @param parent an existing directory whose real path is ASCII
         * @return this builder
         */
        public Builder directory(Path parent) {
            this.parent = Objects.requireNonNull(parent, "parent");
            return this;
        }

        /**
         * Reports every rewritten path, as {@link PathRedirector#PathRedirector(PathMap, Consumer)} does.
         *
         * @param log called on the tracer thread
         * @return this builder
         */
        public Builder log(Consumer<Rewrite> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Materializes the tree in a new directory and makes the server.
         *
         * @return the server; close it to delete the directory
         * @throws IOException if the directory or its files cannot be created
         * @throws IllegalArgumentException if the directory's real path is not printable ASCII (paths
         *     handed to tracees are built from it)
         * @throws IllegalStateException if the tree is materialized elsewhere already
         */
        public ProcSysServer build() throws IOException {
            Path directory = Files.createTempDirectory(parent, "panatrace-procsys-");
            MaterializedTree files;
            try {
                if (!directory.toRealPath().toString().matches("[ -~]+")) {
                    throw new IllegalArgumentException("the directory's path is not printable ASCII: " + directory);
                }
                files = tree.materialize(directory);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(directory);
                throw e;
            }
            try {
                return new ProcSysServer(tree, files, binds, log);
            } catch (IOException | RuntimeException e) {
                files.close();
                throw e;
            }
        }
    }

    /**
     * The tree served.
     *
     * @return the tree given to the builder
     */
    public SysctlTree tree() {
        return tree;
    }

    /**
     * The directory the tree is materialized in.
     *
     * @return its real path
     */
    public Path materializedRoot() {
        return files.root();
    }

    /**
     * Which keys traced programs read (opened for reading) and wrote, and their values now.
     *
     * @return the tree's report
     */
    public SysctlReport report() {
        return tree.report();
    }

    /**
     * The path syscalls, {@code fstatfs}, the syscalls that change a thread's root or namespaces, and
     * writes and copies ({@code dup}, {@code dup2}, {@code dup3}, {@code fcntl}) of descriptors in
     * [{@value #FD_LOW}, {@value #FD_HIGH}).
     */
    @Override
    public SyscallSet syscalls() {
        Set<String> names = new TreeSet<>(PathSyscalls.allNames());
        names.add("fstatfs");
        names.addAll(VIEW_CHANGES);
        // Writes and copies matter only for the descriptors moved into the range.
        return SyscallSet.of(names).withFdRange(FD_LOW, FD_HIGH, ON_KEY_DESCRIPTORS);
    }

    /** True: redirected paths are placed in scratch memory. */
    @Override
    public boolean usesScratchMemory() {
        return true;
    }

    /** Redirects, fails or takes over the syscall as the class description says. */
    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        String name = call.name();
        Tracee tracee = call.tracee();
        applyCaptures(0);
        if (VIEW_CHANGES.contains(name)) {
            return await(tracee.tid(), new ViewChange());
        }
        if (WRITES.contains(name)) {
            return write(call);
        }
        TraceeViews.View view = views.of(tracee);
        if (!view.seesTree()) {
            return EntryAction.CONTINUE;
        }
        if (name.equals("fcntl") && !FCNTL_DUPLICATIONS.contains(call.arg(1))) {
            return EntryAction.CONTINUE;
        }
        if (DUPLICATIONS.contains(name) || name.equals("fcntl")) {
            int fd = (int) call.arg(0);
            boolean watched = fd >= FD_LOW && fd < FD_HIGH || watchesCopy(tracee.pid(), fd);
            DescriptorKey key = watched ? keyOfDescriptor(tracee, fd) : null;
            return key != null && !key.hostFile() ? await(tracee.tid(), new CopiedOut(key.key())) : EntryAction.CONTINUE;
        }
        if (name.equals("fstatfs")) {
            return servedDescriptor(tracee.tid(), (int) call.arg(0))
                    ? await(tracee.tid(), new ProcMagic(call.arg(1))) : EntryAction.CONTINUE;
        }
        return pathSyscall(call, view);
    }

    /** Completes what the entry stop began. */
    @Override
    public void onSyscallExit(Syscall call) {
        int tid = call.tracee().tid();
        Pending what = pending.remove(tid);
        switch (what) {
            case MoveDescriptor move -> moveDescriptor(call, move);
            case ProcMagic magic -> reportProcMagic(call, magic);
            case LinkTarget link -> rewriteLink(call, link);
            case CopiedOut copied -> followCopy(call, copied.key());
            case ViewChange _ -> views.forgetProcess(call.tracee().pid());
            case RedirectorOnly _ -> { }
            case null -> { }
        }
        if (redirectorExits.remove(tid)) {
            redirector.onSyscallExit(call);
        }
    }

    /** The thread that exec'd takes over the leader's tid; its view is looked at afresh. */
    @Override
    public void onExec(Tracee tracee, int formerTid) {
        Pending what = pending.remove(formerTid);
        if (what != null) {
            pending.put(tracee.tid(), what);
        }
        if (redirectorExits.remove(formerTid)) {
            redirectorExits.add(tracee.tid());
        }
        views.forget(formerTid);
        views.forget(tracee.tid());
        redirector.onExec(tracee, formerTid);
    }

    /** A new thread inherits its creator's view. */
    @Override
    public void onNewTracee(int parentTid, int tid, int pid) {
        views.started(parentTid, tid, pid);
        if (tid == pid && !watchedCopies.isEmpty()) {
            // A new process inherits its parent's filters, and with them what they watch.
            Set<Integer> inherited = watchedCopies.get(processOf(parentTid));
            if (inherited != null) {
                watchedCopies.put(pid, new HashSet<>(inherited));
            }
        }
    }

    private boolean watchesCopy(int pid, int fd) {
        Set<Integer> fds = watchedCopies.get(pid);
        return fds != null && fds.contains(fd);
    }

    /** The process of a live thread, from /proc/TID/status; the tid itself if that cannot be read. */
    private static int processOf(int tid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "status"))) {
                if (line.startsWith("Tgid:")) {
                    return Integer.parseInt(line.substring(5).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(Level.DEBUG, "cannot read the process of tid {0}: {1}", tid, e);
        }
        return tid;
    }

    /** How many processes have watched copies (for tests: the map must shrink as processes end). */
    int processesWithWatchedCopies() {
        return watchedCopies.size();
    }

    /** Forgets the thread. */
    @Override
    public void onExit(int tid, int pid, ExitStatus status) {
        if (tid == pid) {
            applyCaptures(pid);
            watchedCopies.remove(pid);
        }
        pending.remove(tid);
        redirectorExits.remove(tid);
        views.forget(tid);
        redirector.onExit(tid, pid, status);
    }

    /**
     * Deletes the materialized directory. Traced programs still running then find /proc/sys keys
     * missing; close the server after the trace.
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(deleteOnExit);
        } catch (IllegalStateException e) {
            // The JVM is shutting down and the hook runs anyway.
        }
        deleteFiles();
    }

    private void deleteFiles() {
        try {
            files.close();
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + files.root(), e);
        }
    }

    private EntryAction await(int tid, Pending what) {
        pending.put(tid, what);
        return EntryAction.OBSERVE_EXIT;
    }

    private EntryAction pathSyscall(Syscall call, TraceeViews.View view) {
        String name = call.name();
        int tid = call.tracee().tid();
        int flagsIndex = switch (name) {
            case "open" -> 1;
            case "openat" -> 2;
            default -> -1;
        };
        int flags = flagsIndex < 0 ? 0 : (int) call.arg(flagsIndex);
        boolean writeOpen = name.equals("creat") || (flagsIndex >= 0 && isWriteAccess(flags));
        map.begin(name, writeOpen);
        EntryAction action = redirector.onSyscallEntry(call);
        if (action.skips()) {
            return action;
        }
        ProcSysPathMap.Resolution resolution = map.last();
        Pending what = switch (name) {
            case "open", "openat", "creat" -> opened(call, resolution, writeOpen, flagsIndex, flags);
            case "statfs" -> resolution != null && resolution.materialized() ? new ProcMagic(call.arg(1)) : null;
            case "readlink" -> linkTarget(call, 0, call.arg(1), call.arg(2));
            case "readlinkat" -> linkTarget(call, 1, call.arg(2), call.arg(3));
            default -> null;
        };
        if (action.observesExit()) {
            redirectorExits.add(tid);
            what = what == null ? new RedirectorOnly() : what;
        }
        return what == null ? EntryAction.CONTINUE : await(tid, what);
    }

    private static boolean isWriteAccess(int flags) {
        int access = flags & O_ACCMODE;
        return access == O_WRONLY || access == O_RDWR;
    }

    private Pending opened(Syscall call, ProcSysPathMap.Resolution resolution, boolean writeOpen, int flagsIndex,
            int flags) {
        if (resolution == null) {
            return null;
        }
        boolean servedKey = resolution.kind() == PathKind.KEY && resolution.materialized();
        if (!writeOpen) {
            if (servedKey) {
                tree.read(resolution.procPath());
            }
            return null;
        }
        if (!servedKey && resolution.kind() != PathKind.HOST) {
            return null;
        }
        // procfs ignores both; on the shared regular file they would empty it or append to it.
        int served = flags & ~(O_TRUNC | O_APPEND);
        if (!servedKey) {
            // The host's file, read-only: a copy of the descriptor outside the watched range (a shell's
            // dup2 onto standard output) then fails its writes with EBADF instead of changing the host.
            served = (served & ~O_ACCMODE) | O_RDONLY;
        }
        if (flagsIndex >= 0 && served != flags) {
            call.setArg(flagsIndex, served);
        }
        return new MoveDescriptor((flags & O_CLOEXEC) != 0, !servedKey);
    }

    private void moveDescriptor(Syscall call, MoveDescriptor move) {
        long fd = call.result();
        if (fd < 0) {
            return;
        }
        SyscallTable table = SyscallTable.of(call.tracee().arch());
        long moved = call.inject(table.numberOf("fcntl"), fd, move.closeOnExec() ? F_DUPFD_CLOEXEC : F_DUPFD, FD_LOW);
        if (moved >= FD_HIGH) {
            closeInTracee(call, moved);
            moved = -Errno.EMFILE;
        }
        if (moved < 0) {
            if (move.hostFile()) {
                // Its writes would reach the host's /proc/sys unseen: better no descriptor at all.
                closeInTracee(call, fd);
                call.setResult(moved);
                LOG.log(Level.WARNING, "pid {0}: an open of a host /proc/sys key for writing failed with {1}: its "
                        + "descriptor could not be moved to [{2}, {3})", call.tracee().pid(),
                        Errno.name((int) -moved), FD_LOW, FD_HIGH);
            } else if (!unvalidatedWritesLogged) {
                unvalidatedWritesLogged = true;
                LOG.log(Level.WARNING, "pid {0}: a /proc/sys key opened for writing stays at descriptor {1} ({2} "
                        + "moving it to [{3}, {4})): writes to it go to the file unvalidated; logged once",
                        call.tracee().pid(), fd, Errno.name((int) -moved), FD_LOW, FD_HIGH);
            }
            return;
        }
        closeInTracee(call, fd);
        call.setResult(moved);
    }

    /** Closes a descriptor the program did not ask for; a failure leaves it open there, which is said. */
    private static void closeInTracee(Syscall call, long fd) {
        long result = call.inject(SyscallTable.of(call.tracee().arch()).numberOf("close"), fd);
        if (result < 0) {
            LOG.log(Level.WARNING, "pid {0}: closing descriptor {1}, a copy the launcher made, failed with {2}; "
                    + "it stays open in that process", call.tracee().pid(), fd, Errno.name((int) -result));
        }
    }

    /**
     * A copy of a key's descriptor outside the range (a shell's {@code dup2} onto standard output): have
     * the engine stop this process's writes to that descriptor number too, so they are validated like
     * any other; where it cannot, capture them instead.
     */
    private void followCopy(Syscall call, SysctlKey key) {
        long copy = call.result();
        if (copy < 0 || (copy >= FD_LOW && copy < FD_HIGH)) {
            return;
        }
        try {
            // Its writes, and its own copies (a shell's `exec 5>key; echo x >&5` copies twice).
            call.watchDescriptor((int) copy, ON_KEY_DESCRIPTORS);
            watchedCopies.computeIfAbsent(call.tracee().pid(), pid -> new HashSet<>()).add((int) copy);
        } catch (ErrnoException | IllegalStateException e) {
            LOG.log(Level.DEBUG, "cannot watch descriptor {0} of pid {1} ({2}); capturing its writes",
                    copy, call.tracee().pid(), e.getMessage());
            capture(call, key);
        }
    }

    /**
     * A copy of a key's descriptor outside the range will be written unwatched: publish the key's file
     * anew, so that those writes land in the old file, which only the copy and this server hold.
     */
    private void capture(Syscall call, SysctlKey key) {
        long copy = call.result();
        if (copy < 0 || (copy >= FD_LOW && copy < FD_HIGH)) {
            return;
        }
        int tid = call.tracee().tid();
        try {
            FileChannel file = FileChannel.open(Path.of("/proc/" + tid + "/fd/" + copy), StandardOpenOption.READ);
            tree.republish(key);
            captures.add(new Capture(call.tracee().pid(), key, file));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot hold the copy of {0} in tid {1}: {2}", key, tid, e);
        }
    }

    /**
     * Hands what was written through copies to the tree: each capture once it holds something (whichever
     * process stops next, so that a reader started after the write sees it), and all of an ended
     * process's captures.
     *
     * @param endedPid the process that ended, or 0
     */
    private void applyCaptures(int endedPid) {
        if (captures.isEmpty()) {
            return;
        }
        for (Iterator<Capture> it = captures.iterator(); it.hasNext(); ) {
            Capture capture = it.next();
            int pid = capture.pid();
            try {
                long size = capture.file().size();
                if (size == 0 && pid != endedPid) {
                    continue;
                }
                if (size > 0) {
                    ByteBuffer data = ByteBuffer.allocate((int) Math.min(size, MAX_WRITE));
                    capture.file().read(data, 0);
                    WriteResult result = tree.write(capture.key().path(), data.array(), 0, data.position());
                    if (result != WriteResult.OK) {
                        LOG.log(Level.WARNING, "pid {0} wrote {1} through a copied descriptor; the value was "
                                + "refused ({2}) and dropped", pid, capture.key().name(), Errno.name(result.errno()));
                    }
                }
                capture.file().close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "cannot read what pid {0} wrote to {1}: {2}", pid, capture.key(), e);
            }
            it.remove();
        }
    }

    @SafeVarargs
    private static String[] on(Set<String>... groups) {
        Set<String> all = new TreeSet<>();
        for (Set<String> group : groups) {
            all.addAll(group);
        }
        return all.toArray(String[]::new);
    }

    private static void reportProcMagic(Syscall call, ProcMagic magic) {
        if (call.result() != 0) {
            return;
        }
        // f_type is the first member of struct statfs, a 64-bit word on x86_64 and aarch64 (little-endian).
        byte[] type = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(PROC_SUPER_MAGIC).array();
        try {
            call.tracee().write(magic.buffer(), type);
        } catch (ErrnoException e) {
            // The kernel filled the buffer, so it is writable; a thread that unmapped it meanwhile keeps its data.
        }
    }

    /** A pending link rewrite if the syscall reads a descriptor link, else null. */
    private static Pending linkTarget(Syscall call, int pathIndex, long buffer, long size) {
        byte[] path;
        try {
            path = call.readString(pathIndex);
        } catch (ErrnoException e) {
            return null;
        }
        if (path == null) {
            return null;
        }
        Matcher link = FD_LINK.matcher(new String(path, StandardCharsets.ISO_8859_1));
        if (!link.matches()) {
            return null;
        }
        Tracee tracee = call.tracee();
        if (link.group(5) != null) {
            return new LinkTarget(Path.of("/proc/" + tracee.pid() + "/" + link.group(5)), buffer, size);
        }
        if (link.group(1).equals("self")) {
            return new LinkTarget(Path.of("/proc/" + tracee.pid() + "/" + link.group(4)), buffer, size);
        }
        if (link.group(1).equals("thread-self")) {
            return new LinkTarget(Path.of("/proc/" + tracee.pid() + "/task/" + tracee.tid() + "/" + link.group(4)),
                    buffer, size);
        }
        // Numbered in the thread's pid namespace, which may not be the tracer's.
        return new LinkTarget(ProcPaths.asSeenBy(tracee.tid(),
                link.group(2) + (link.group(3) == null ? "" : link.group(3)) + "/" + link.group(4)), buffer, size);
    }

    private void rewriteLink(Syscall call, LinkTarget link) {
        if (call.result() <= 0) {
            return;
        }
        Optional<String> procPath;
        try {
            procPath = files.procPath(Files.readSymbolicLink(link.link()).toString());
        } catch (IOException e) {
            return;
        }
        if (procPath.isEmpty()) {
            return;
        }
        byte[] text = procPath.get().getBytes(StandardCharsets.US_ASCII);
        // readlink(2) truncates to bufsiz bytes and adds no NUL.
        int length = (int) Math.min(text.length, link.size());
        try {
            call.tracee().write(link.buffer(), Arrays.copyOf(text, length));
        } catch (ErrnoException e) {
            return;
        }
        call.setResult(length);
    }

    /** Whether a thread's descriptor is a materialized file or directory. */
    private boolean servedDescriptor(int tid, int fd) {
        String target = descriptorTarget(tid, fd);
        return target != null && (target.startsWith(rootSlash) || target.equals(files.root().toString()));
    }

    private static String descriptorTarget(int tid, int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/" + tid + "/fd/" + fd)).toString();
            // A key's file replaced by a later write still names its key; the kernel marks it so.
            return target.endsWith(DELETED) ? target.substring(0, target.length() - DELETED.length()) : target;
        } catch (IOException e) {
            return null;
        }
    }

    /** What the kernel appends to a descriptor's link when its file was unlinked or renamed over. */
    private static final String DELETED = " (deleted)";

    /** A write-like syscall on a descriptor in the range: the tree's if the descriptor is a key's. */
    private EntryAction write(Syscall call) {
        Tracee tracee = call.tracee();
        int fd = (int) call.arg(0);
        if ((fd < FD_LOW || fd >= FD_HIGH) && !watchesCopy(tracee.pid(), fd)) {
            // Only in syscall mode, where every write stops.
            return EntryAction.CONTINUE;
        }
        DescriptorKey key = keyOfDescriptor(tracee, fd);
        if (key == null) {
            return EntryAction.CONTINUE;
        }
        if (!key.hostFile() && !openForWriting(tracee.tid(), fd)) {
            return EntryAction.failing(EBADF);
        }
        if (call.name().equals("ftruncate")) {
            // procfs accepts and ignores a size change of a sysctl file.
            return EntryAction.returning(0);
        }
        long offset = switch (call.name()) {
            case "pwrite64", "pwritev" -> call.arg(3);
            // -1: at the current offset, which for these descriptors stays 0.
            case "pwritev2" -> call.arg(3) == -1 ? 0 : call.arg(3);
            default -> 0;
        };
        byte[] data;
        try {
            data = call.name().startsWith("pwritev") || call.name().equals("writev")
                    ? gather(tracee, call.arg(1), call.arg(2))
                    : bytes(tracee, call.arg(1), call.arg(2));
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EFAULT) {
                return EntryAction.failing(Errno.EFAULT);
            }
            throw e;
        }
        if (data == null) {
            return EntryAction.failing(Errno.EINVAL);
        }
        if (data.length == 0 || offset != 0) {
            return EntryAction.returning(data.length);
        }
        WriteResult result = tree.write(key.key().path(), data, 0, data.length);
        return result == WriteResult.OK ? EntryAction.returning(data.length) : EntryAction.failing(result.errno());
    }

    /** The key a descriptor holds, and whether the descriptor is the host's file of it. */
    private record DescriptorKey(SysctlKey key, boolean hostFile) {}

    /**
     * The key a descriptor holds: a materialized key's file, or, for a thread that sees the tracer's
     * file system, a host /proc/sys file opened for a key shown through. Null for anything else.
     */
    private DescriptorKey keyOfDescriptor(Tracee tracee, int fd) {
        String target = descriptorTarget(tracee.tid(), fd);
        if (target == null) {
            return null;
        }
        if (target.startsWith(rootSlash)) {
            return files.keyOf(Path.of(target)).map(key -> new DescriptorKey(key, false)).orElse(null);
        }
        if (target.startsWith(SysctlKey.PROC_SYS_SLASH) && views.of(tracee).seesTree()) {
            try {
                return new DescriptorKey(SysctlKey.ofPath(target), true);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** Whether the descriptor's access mode allows writing, from {@code /proc/TID/fdinfo/N}. */
    private static boolean openForWriting(int tid, int fd) {
        String info;
        try {
            info = Files.readString(Path.of("/proc/" + tid + "/fdinfo/" + fd), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return false;
        }
        for (String line : info.split("\n")) {
            if (line.startsWith("flags:")) {
                return isWriteAccess(Integer.parseInt(line.substring("flags:".length()).strip(), 8));
            }
        }
        return false;
    }

    /** {@code length} bytes at {@code address}, or null if too many for a sysctl value. */
    private static byte[] bytes(Tracee tracee, long address, long length) {
        if (length < 0 || length > MAX_WRITE) {
            return null;
        }
        return length == 0 ? new byte[0] : tracee.read(address, (int) length);
    }

    /** The bytes of {@code count} iovecs at {@code iov}, or null if too many. */
    private static byte[] gather(Tracee tracee, long iov, long count) {
        if (count < 0 || count > MAX_IOVECS) {
            return null;
        }
        if (count == 0) {
            return new byte[0];
        }
        // struct iovec { void *iov_base; size_t iov_len; }: 16 bytes on 64-bit Linux.
        ByteBuffer vectors = ByteBuffer.wrap(tracee.read(iov, (int) count * 16)).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            long base = vectors.getLong();
            long length = vectors.getLong();
            if (length < 0 || data.size() + length > MAX_WRITE) {
                return null;
            }
            data.writeBytes(bytes(tracee, base, length));
        }
        return data.toByteArray();
    }
}
