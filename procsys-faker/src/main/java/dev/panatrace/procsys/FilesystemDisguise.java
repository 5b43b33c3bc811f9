package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import dev.panatrace.ptrace.paths.LexicalResolver;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Presents chosen mounts of traced programs as another, widely supported filesystem type, consistently
 * across the mount tables, {@code statfs} and {@code fstatfs}; optionally also changes the kernel
 * release {@code uname} reports. Made for cAdvisor, which takes a filesystem's type from
 * {@code /proc/self/mountinfo}, finds a path's mount by matching {@code stat}'s {@code st_dev} with
 * mountinfo's {@code maj:min}, and its sizes from {@code statfs}.
 *
 * <pre>{@code
 * try (FilesystemDisguise disguise = FilesystemDisguise.builder().mount("/", FilesystemType.XFS).build();
 *      TraceSession trace = Tracer.builder().handler(disguise).spawn(List.of("stat", "-f", "-c", "%T", "/"))) {
 *     trace.waitFor();                              // prints xfs
 * }
 * }</pre>
 *
 * <h2>Mount tables</h2>
 * An open for reading of {@code /proc/self/mountinfo}, {@code /proc/thread-self/mountinfo},
 * {@code /proc/PID/mountinfo}, {@code /proc/PID/task/TID/mountinfo}, {@code /proc/mounts},
 * {@code /proc/self/mounts}, {@code /proc/thread-self/mounts} or {@code /proc/PID[/task/TID]/mounts}
 * (absolute paths) reads the real table of the process or thread the path names ({@code self}: the
 * calling thread's process, {@code thread-self}: the calling thread), rewrites it with a
 * {@link MountTableRewriter}, writes the result to a new file (mode 0600, in a private 0700 directory)
 * and opens that instead. The file is unlinked as soon as the open returns, or the thread ends inside
 * it, so it lives as long as the descriptor. Since the whole table is
 * made at open, reads of any size, seeks and re-reads see one consistent file. A link such as
 * {@code /proc/self/fd/N} of such a descriptor names the private file. A numbered path is read as the
 * thread would read it, through its own root ({@code /proc/TID/root/proc/PID/...}), so the number means
 * what it means in the thread's pid namespace. Nothing is served to a thread that cannot reach the private
 * directory at the tracer's path (another root or mount namespace without it).
 *
 * <h2>statfs and fstatfs</h2>
 * When the path (or descriptor) lies on a disguised mount (its {@code st_dev}, looked up through
 * {@code /proc/TID/root}, {@code /proc/TID/cwd} or {@code /proc/TID/fd/N}, is the {@code maj:min} of a
 * disguised mount point in the thread's mountinfo), a successful call's {@code f_type} becomes the
 * type's magic; zero block or inode counts become plausible non-zero ones, real non-zero ones are kept.
 * The path is read after any redirection by handlers earlier in a {@link HandlerChain}, so it is the
 * path the kernel looks up.
 *
 * <h2>stat where AT_NO_AUTOMOUNT is refused</h2>
 * A disguise is checked by comparing {@code stat}'s {@code st_dev} with mountinfo's {@code maj:min}, but
 * gVisor (release 2022-12, Debian's runsc) fails {@code statx} and {@code newfstatat} with EINVAL when their
 * flags hold {@code AT_NO_AUTOMOUNT}, which coreutils' {@code stat} and {@code ls} always pass; there they fail
 * on every path, traced or not. So the first such call that fails with EINVAL is made again without the flag
 * (an automount point is the one thing the flag changes, and gVisor has none); if that succeeds, the kernel
 * is known to refuse the flag, and from then on it is dropped before the call. A kernel that accepts the
 * flag is left alone once it has shown so.
 */
public final class FilesystemDisguise implements TraceHandler, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FilesystemDisguise.class.getName());

    /** From {@code <linux/fcntl.h>}. */
    private static final long AT_NO_AUTOMOUNT = 0x800;
    /** {@code struct utsname} has six fields of this size; release is the third (sys/utsname.h). */
    private static final int UTSNAME_FIELD = 65;
    private static final int UTSNAME_RELEASE = 2 * UTSNAME_FIELD;
    private static final Pattern MOUNT_TABLE = Pattern.compile("mountinfo|mounts");
    private static final FileAttribute<Set<PosixFilePermission>> TABLE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** What an entry stop asked to do at the exit. */
    private sealed interface Pending {}

    /** Unlink the private file an open was redirected to, named after the thread ({@link #tableFile}). */
    private record RedirectedOpen(Path file) implements Pending {}

    /** Present the {@code struct statfs} at {@code buffer} as {@code type}'s. */
    private record StatfsResult(long buffer, FilesystemType type) implements Pending {}

    /** Write the configured release into the {@code struct utsname} at {@code buffer}. */
    private record UnameResult(long buffer) implements Pending {}

    /**
     * See whether the kernel refuses {@code AT_NO_AUTOMOUNT}, which this stat call passes.
     *
     * @param args the call's arguments at its entry
     * @param flagsIndex which of them holds the flags
     */
    private record AutomountProbe(long[] args, int flagsIndex) implements Pending {}

    /** Whether the kernel takes {@code AT_NO_AUTOMOUNT} in statx and newfstatat, as far as calls have shown. */
    private enum AutomountFlag { UNKNOWN, ACCEPTED, REFUSED }

    private final MountTableRewriter rewriter;
    private final Map<String, FilesystemType> mounts;
    private final byte[] release;
    private final PrivateDirectory directory;
    private final TraceeLocal<Pending> pending = TraceeLocal.perSyscall();
    private long tablesServed;
    /**
     * Rewritten tables not deleted yet (over-counted when a thread's file is written anew before it was
     * deleted); while there are none, a thread's exit has nothing to look for. Tracer thread only.
     */
    private int tablesOpening;
    /** Tracer thread only. */
    private AutomountFlag automountFlag = AutomountFlag.UNKNOWN;

    private FilesystemDisguise(Map<String, FilesystemType> mounts, String release, PrivateDirectory directory) {
        this.mounts = Map.copyOf(mounts);
        this.rewriter = new MountTableRewriter(mounts);
        this.release = release == null ? null : release.getBytes(StandardCharsets.US_ASCII);
        this.directory = directory;
    }

    /**
     * A builder without disguised mounts or release.
     *
     * @return a builder making its private directory under {@code java.io.tmpdir}
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link FilesystemDisguise}. */
    public static final class Builder {
        private final Map<String, FilesystemType> mounts = new LinkedHashMap<>();
        private String release;
        private Path parent = Path.of(System.getProperty("java.io.tmpdir"));

        private Builder() {}

        /**
         * Presents the mount at {@code mountPoint} as {@code type}.
         *
         * @param mountPoint an absolute path, as it appears (unescaped) in the tracee's mount table
         * @param type the type to show
         * @return this builder
         * @throws IllegalArgumentException if the path is not absolute and normalized
         */
        public Builder mount(String mountPoint, FilesystemType type) {
            Objects.requireNonNull(type, "type");
            if (!mountPoint.startsWith("/") || !Path.of(mountPoint).normalize().toString().equals(mountPoint)) {
                throw new IllegalArgumentException("a mount point must be an absolute normalized path, got '"
                        + mountPoint + "'");
            }
            mounts.put(mountPoint, type);
            return this;
        }

        /**
         * Makes {@code uname} report {@code release} as the kernel release ({@code uname -r}).
         *
         * @param release printable ASCII, at most 64 bytes
         * @return this builder
         * @throws IllegalArgumentException for a longer or non-ASCII release
         */
        public Builder release(String release) {
            if (!release.matches("[!-~]{1," + (UTSNAME_FIELD - 1) + "}")) {
                throw new IllegalArgumentException("a release must be 1 to " + (UTSNAME_FIELD - 1)
                        + " printable ASCII characters without spaces, got '" + release + "'");
            }
            this.release = release;
            return this;
        }

        /**
         * Where to create the private directory for rewritten mount tables (default {@code java.io.tmpdir}).
         *
         * @param parent an existing directory whose real path is printable ASCII
         * @return this builder
         */
        public Builder directory(Path parent) {
            this.parent = Objects.requireNonNull(parent, "parent");
            return this;
        }

        /**
         * Makes the handler and its private directory.
         *
         * @return the handler; close it to delete the directory
         * @throws IOException if the directory cannot be created
         * @throws IllegalArgumentException if the directory's real path is not printable ASCII
         */
        public FilesystemDisguise build() throws IOException {
            return new FilesystemDisguise(mounts, release, PrivateDirectory.create(parent, "panatrace-fs-"));
        }
    }

    /**
     * The disguised mount points and their types.
     *
     * @return the disguised mount points and their types
     */
    public Map<String, FilesystemType> mounts() {
        return mounts;
    }

    /**
     * The release {@code uname} reports, if one is configured.
     *
     * @return the release {@code uname} reports, if one is configured
     */
    public Optional<String> release() {
        return release == null ? Optional.empty() : Optional.of(new String(release, StandardCharsets.US_ASCII));
    }

    /**
     * The private directory rewritten mount tables are written to; deleted by {@link #close()}.
     *
     * @return the private directory rewritten mount tables are written to; deleted by {@link #close()}
     */
    public Path directory() {
        return directory.path();
    }

    /**
     * How many opens of a mount table were served a rewritten copy so far.
     *
     * @return how many opens of a mount table were served a rewritten copy so far
     */
    public long tablesServed() {
        return tablesServed;
    }

    /**
     * The opens, {@code statfs}, {@code fstatfs}, {@code statx}, {@code newfstatat}, and {@code uname} when a
     * release is configured.
     */
    @Override
    public SyscallSet syscalls() {
        return release == null ? SyscallSet.of("open", "openat", "openat2", "statfs", "fstatfs", "statx", "newfstatat")
                : SyscallSet.of("open", "openat", "openat2", "statfs", "fstatfs", "statx", "newfstatat", "uname");
    }

    /** True: opens of mount tables are pointed at a private file. */
    @Override
    public boolean usesScratchMemory() {
        return true;
    }

    /** Redirects a mount table's open, or notes what to change at the exit. */
    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        Pending what = switch (call.name()) {
            case "open" -> mountTable(call, 0, call.arg(1));
            case "openat" -> mountTable(call, 1, call.arg(2));
            case "openat2" -> mountTable(call, 1, openHowFlags(call));
            case "statfs" -> statfs(call);
            case "fstatfs" -> fstatfs(call);
            case "uname" -> release == null ? null : new UnameResult(call.arg(0));
            case "statx" -> automountFlag(call, 2);
            case "newfstatat" -> automountFlag(call, 3);
            default -> null;
        };
        if (what == null) {
            return EntryAction.CONTINUE;
        }
        call.tracee().set(pending, what);
        return EntryAction.OBSERVE_EXIT;
    }

    /** Completes what the entry began. */
    @Override
    public void onSyscallExit(Syscall call) {
        switch (call.tracee().get(pending)) {
            case RedirectedOpen open -> delete(open.file());
            case StatfsResult statfs -> StatfsReply.showAs(call, statfs.buffer(), statfs.type());
            case UnameResult uname -> writeRelease(call, uname);
            case AutomountProbe probe -> retryWithoutAutomountFlag(call, probe);
            case null -> { }
        }
    }

    /**
     * Deletes the rewritten table of a thread that ended inside its open. Such a thread never reaches the
     * exit stop that deletes the table, and the engine drops the per-syscall value that named it; so the
     * table is tied to its thread by its name ({@link #tableFile}) rather than by a map from threads to
     * files, and the thread's end finds it. A thread is in one open at a time, and a later open of its
     * writes the same file anew.
     */
    @Override
    public void onExit(int tid, int pid, ExitStatus status) {
        if (tablesOpening > 0) {
            delete(tableFile(tid));
        }
    }

    /**
     * Deletes the private directory and any file still in it.
     *
     * @throws java.io.UncheckedIOException if something cannot be deleted
     */
    @Override
    public void close() {
        directory.close();
    }

    /** The {@code flags} of openat2's {@code struct open_how}, its first 64-bit member. */
    private static long openHowFlags(Syscall call) {
        try {
            return ByteBuffer.wrap(call.tracee().read(call.arg(2), Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        } catch (ErrnoException e) {
            return -1;
        }
    }

    /** Redirects an open of a mount table for reading to a rewritten copy; null if it is none. */
    private Pending mountTable(Syscall call, int pathIndex, long flags) {
        if (flags < 0 || !Fcntl.readsOnly(flags)) {
            return null;
        }
        byte[] path = readPath(call, pathIndex);
        if (path == null) {
            return null;
        }
        Tracee tracee = call.tracee();
        Optional<Path> source = ProcPaths.processFile(tracee, path, MOUNT_TABLE);
        if (source.isEmpty() || !directory.isReachableBy(tracee.tid())) {
            return null;
        }
        byte[] real;
        try {
            real = Files.readAllBytes(source.get());
        } catch (IOException e) {
            // The kernel's own answer (ENOENT for a process that is gone) is the right one.
            return null;
        }
        boolean mountInfo = source.get().getFileName().toString().equals("mountinfo");
        Path file = tableFile(tracee.tid());
        ByteBuffer shown = ByteBuffer.wrap(mountInfo ? rewriter.rewriteMountInfo(real) : rewriter.rewriteMounts(real));
        try (SeekableByteChannel out = Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), TABLE_MODE)) {
            while (shown.hasRemaining()) {
                out.write(shown);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write a rewritten mount table to {0}; the tracee sees the real one: {1}",
                    file, e);
            delete(file);
            return null;
        }
        call.replaceString(pathIndex, file.toString().getBytes(StandardCharsets.US_ASCII));
        tablesServed++;
        tablesOpening++;
        return new RedirectedOpen(file);
    }

    /** The file a thread's redirected open of a mount table opens. */
    private Path tableFile(int tid) {
        return directory.path().resolve("table-" + tid);
    }

    private Pending statfs(Syscall call) {
        byte[] path = readPath(call, 0);
        if (path == null || path.length == 0) {
            return null;
        }
        int tid = call.tracee().tid();
        String name = new String(path, StandardCharsets.ISO_8859_1);
        Path lookup = LexicalResolver.isAbsolute(path) ? Path.of("/proc/" + tid + "/root" + name)
                : Path.of("/proc/" + tid + "/cwd/" + name);
        return onDisguisedMount(tid, lookup).map(type -> (Pending) new StatfsResult(call.arg(1), type)).orElse(null);
    }

    private Pending fstatfs(Syscall call) {
        int tid = call.tracee().tid();
        Path lookup = Path.of("/proc/" + tid + "/fd/" + (int) call.arg(0));
        return onDisguisedMount(tid, lookup).map(type -> (Pending) new StatfsResult(call.arg(1), type)).orElse(null);
    }

    /** The type a file is shown as, when its device is that of a disguised mount point in the thread's view. */
    private Optional<FilesystemType> onDisguisedMount(int tid, Path file) {
        long device;
        byte[] mountinfo;
        try {
            device = (Long) Files.getAttribute(file, "unix:dev");
            mountinfo = Files.readAllBytes(Path.of("/proc/" + tid + "/mountinfo"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        String majorMinor = major(device) + ":" + minor(device);
        for (String line : new String(mountinfo, StandardCharsets.ISO_8859_1).split("\n")) {
            String[] fields = line.split(" ", 6);
            if (fields.length > 4 && fields[2].equals(majorMinor)) {
                FilesystemType type = mounts.get(MountTableRewriter.unescape(fields[4]));
                if (type != null) {
                    return Optional.of(type);
                }
            }
        }
        return Optional.empty();
    }

    /** Drops AT_NO_AUTOMOUNT where the kernel refuses it; asks for the exit while that is not known. */
    private Pending automountFlag(Syscall call, int flagsIndex) {
        long flags = call.arg(flagsIndex);
        if ((flags & AT_NO_AUTOMOUNT) == 0 || automountFlag == AutomountFlag.ACCEPTED) {
            return null;
        }
        if (automountFlag == AutomountFlag.REFUSED) {
            call.setArg(flagsIndex, flags & ~AT_NO_AUTOMOUNT);
            return null;
        }
        long[] args = new long[6];
        for (int i = 0; i < args.length; i++) {
            args[i] = call.arg(i);
        }
        return new AutomountProbe(args, flagsIndex);
    }

    private void retryWithoutAutomountFlag(Syscall call, AutomountProbe probe) {
        if (call.result() != -Errno.EINVAL) {
            // The flags are checked before anything else, so any other answer means they were taken.
            automountFlag = AutomountFlag.ACCEPTED;
            return;
        }
        long[] args = probe.args().clone();
        args[probe.flagsIndex()] &= ~AT_NO_AUTOMOUNT;
        long again;
        try {
            again = call.inject(call.number(), args);
        } catch (IllegalStateException e) {
            LOG.log(Level.DEBUG, "cannot call {0} again without AT_NO_AUTOMOUNT: {1}", call.name(), e.getMessage());
            return;
        }
        if (again == -Errno.EINVAL) {
            // Something else is invalid: the kernel's first answer stands.
            return;
        }
        automountFlag = AutomountFlag.REFUSED;
        LOG.log(Level.DEBUG, "the kernel refuses AT_NO_AUTOMOUNT in stat calls; dropping it from now on");
        call.setResult(again);
    }

    /** The major number of a {@code dev_t}, as glibc's {@code gnu_dev_major} decodes it. */
    static long major(long device) {
        return ((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL);
    }

    /** The minor number of a {@code dev_t}, as glibc's {@code gnu_dev_minor} decodes it. */
    static long minor(long device) {
        return (device & 0xff) | ((device >>> 12) & ~0xffL);
    }

    private void writeRelease(Syscall call, UnameResult uname) {
        if (call.result() != 0) {
            return;
        }
        try {
            call.tracee().write(uname.buffer() + UTSNAME_RELEASE, Arrays.copyOf(release, UTSNAME_FIELD));
        } catch (ErrnoException e) {
            // As for statfs: the buffer was just written by the kernel.
        }
    }

    /** Unlinks a rewritten table: once opened, or once its thread is gone. */
    private void delete(Path file) {
        try {
            if (Files.deleteIfExists(file)) {
                tablesOpening--;
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete {0}, a rewritten mount table: {1}", file, e);
        }
    }

    private static byte[] readPath(Syscall call, int index) {
        try {
            return call.readString(index);
        } catch (ErrnoException e) {
            return null;
        }
    }
}
