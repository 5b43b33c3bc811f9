package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes to descriptors that hold keys, and copies of them, as {@link ProcSysServer}'s "Writes" section
 * says: the writes go to the tree, validated; a copy outside the range is watched too
 * ({@link Syscall#watchDescriptor}), or, where it cannot be, its writes are captured ({@link CopyCaptures}).
 *
 * <p>This handler keeps no record of which descriptors it follows: a write or copy of a descriptor
 * outside the range reaches it only because the engine watches that descriptor in the process (it keeps
 * watches per process and hands them to child processes, as the kernel does the filters behind them), or
 * because another handler in a chain wants every such call; in both cases what the descriptor holds, read
 * from the kernel, decides.
 */
final class KeyDescriptors implements TraceHandler {
    /** A part of the server logs as the server, the name its users know. */
    private static final System.Logger LOG = System.getLogger(ProcSysServer.class.getName());

    private static final Set<String> WRITES = Set.of("write", "pwrite64", "writev", "pwritev", "pwritev2",
            "ftruncate");
    private static final Set<String> COPIES = Set.of("dup", "dup2", "dup3", "fcntl");
    /** From {@code <asm-generic/errno-base.h>}. */
    private static final int EBADF = 9;
    /** UIO_MAXIOV: writev(2) fails more iovecs with EINVAL. */
    private static final int MAX_IOVECS = 1024;
    /** The most bytes a write may hand the tree; sysctl values are far shorter, and longer ones fail. */
    static final int MAX_WRITE = 65536;

    private final SysctlTree tree;
    private final TraceeViews views;
    private final DescriptorTargets descriptors;
    private final CopyCaptures captures;
    /** The key whose descriptor the current syscall copies. */
    private final TraceeLocal<SysctlKey> copied = TraceeLocal.perSyscall();

    KeyDescriptors(SysctlTree tree, TraceeViews views, DescriptorTargets descriptors, CopyCaptures captures) {
        this.tree = tree;
        this.views = views;
        this.descriptors = descriptors;
        this.captures = captures;
    }

    /** Writes and copies ({@code dup}, {@code dup2}, {@code dup3}, {@code fcntl}) of descriptors in the range. */
    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of().withFdRange(ProcSysServer.FD_LOW, ProcSysServer.FD_HIGH, watchedOnKeyDescriptors());
    }

    /** What is watched on a descriptor that may hold a key: writes, and copies of it. */
    private static String[] watchedOnKeyDescriptors() {
        Set<String> names = new TreeSet<>(WRITES);
        names.addAll(COPIES);
        return names.toArray(String[]::new);
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        if (WRITES.contains(call.name())) {
            return write(call);
        }
        Tracee tracee = call.tracee();
        if (!views.seesTree(tracee) || call.name().equals("fcntl") && !copiesDescriptor(call.arg(1))) {
            return EntryAction.CONTINUE;
        }
        DescriptorTargets.KeyDescriptor key = descriptors.keyOf(tracee, (int) call.arg(0));
        if (key == null || key.hostFile()) {
            // The host's file is open read-only: its copies' writes fail with EBADF, as they should.
            return EntryAction.CONTINUE;
        }
        tracee.set(copied, key.key());
        return EntryAction.OBSERVE_EXIT;
    }

    /**
     * A copy of a key's descriptor outside the range (a shell's {@code dup2} onto standard output): have
     * the engine stop this process's writes and copies of that descriptor number too (a shell's
     * {@code exec 5>key; echo x >&5} copies twice), so they are validated like any other; where it cannot,
     * capture them instead.
     */
    @Override
    public void onSyscallExit(Syscall call) {
        long copy = call.result();
        if (copy < 0 || inRange(copy)) {
            return;
        }
        try {
            call.watchDescriptor((int) copy, watchedOnKeyDescriptors());
        } catch (ErrnoException | IllegalStateException e) {
            LOG.log(Level.DEBUG, "cannot watch descriptor {0} of pid {1} ({2}); capturing its writes",
                    copy, call.tracee().pid(), e.getMessage());
            captures.capture(call.tracee(), (int) copy, call.tracee().get(copied));
        }
    }

    private static boolean copiesDescriptor(long fcntlCommand) {
        return fcntlCommand == Fcntl.F_DUPFD || fcntlCommand == Fcntl.F_DUPFD_CLOEXEC;
    }

    private static boolean inRange(long fd) {
        return fd >= ProcSysServer.FD_LOW && fd < ProcSysServer.FD_HIGH;
    }

    /**
     * A write-like syscall on a descriptor that may hold a key: the tree's if it holds a served key, or,
     * in the range, the host's file of a key shown through.
     */
    private EntryAction write(Syscall call) {
        Tracee tracee = call.tracee();
        int fd = (int) call.arg(0);
        DescriptorTargets.KeyDescriptor key = descriptors.keyOf(tracee, fd);
        if (key == null || key.hostFile() && !inRange(fd)) {
            return EntryAction.CONTINUE;
        }
        if (!key.hostFile() && !DescriptorTargets.openForWriting(tracee.tid(), fd)) {
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
