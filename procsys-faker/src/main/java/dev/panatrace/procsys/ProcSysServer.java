package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.paths.PathMap;
import dev.panatrace.ptrace.paths.PathRedirector;
import dev.panatrace.ptrace.paths.Rewrite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

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
 * makes) keeps being served. The answer is kept per process and looked at again after
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

    private final SysctlTree tree;
    private final PrivateDirectory directory;
    private final CopyCaptures captures;
    /** The parts, each with one job, in the order a syscall's entry meets them. */
    private final HandlerChain parts;

    private ProcSysServer(SysctlTree tree, PrivateDirectory directory, MaterializedTree files, PathMap binds,
            Consumer<Rewrite> log) {
        this.tree = tree;
        this.directory = directory;
        this.captures = new CopyCaptures(tree);
        ProcSysPathMap map = new ProcSysPathMap(tree, files, binds);
        TraceeViews views = new TraceeViews(directory);
        ServedPaths paths = new ServedPaths(map, log == null ? new PathRedirector(map) : new PathRedirector(map, log),
                views);
        DescriptorTargets descriptors = new DescriptorTargets(files, views);
        // The path handlers after ServedPaths see the paths it redirected, and its classification of them.
        this.parts = HandlerChain.of(views, paths, new KeyOpens(tree, paths), new ProcStatfs(paths, views, descriptors),
                new DescriptorLinks(files, views), new KeyDescriptors(tree, views, descriptors, captures));
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
            PrivateDirectory directory = PrivateDirectory.create(parent, "panatrace-procsys-");
            try {
                MaterializedTree files = tree.materialize(directory.path());
                directory.deleteWith(files::close);
                return new ProcSysServer(tree, directory, files, binds, log);
            } catch (IOException | RuntimeException e) {
                directory.close();
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
        return directory.path();
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
        return parts.syscalls();
    }

    /** True: redirected paths are placed in scratch memory. */
    @Override
    public boolean usesScratchMemory() {
        return true;
    }

    /** Redirects, fails or takes over the syscall as the class description says. */
    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        captures.apply(0);
        return parts.onSyscallEntry(call);
    }

    /** Completes what the entry began. */
    @Override
    public void onSyscallExit(Syscall call) {
        parts.onSyscallExit(call);
    }

    @Override
    public void onExec(Tracee tracee, int formerTid) {
        parts.onExec(tracee, formerTid);
    }

    /** What an ended process wrote through copies it could not have watched goes to the tree. */
    @Override
    public void onExit(int tid, int pid, ExitStatus status) {
        if (tid == pid) {
            captures.apply(pid);
        }
    }

    /**
     * Deletes the materialized directory. Traced programs still running then find /proc/sys keys
     * missing; close the server after the trace.
     *
     * @throws java.io.UncheckedIOException if something cannot be deleted
     */
    @Override
    public void close() {
        directory.close();
    }
}
