package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceeLocal;
import java.lang.System.Logger.Level;

/**
 * Opens of /proc/sys keys, after {@link ServedPaths} redirected them: an open of a served key for reading
 * counts as a read; an open for writing loses {@code O_TRUNC} and {@code O_APPEND} (the file is shared by
 * every reader), or becomes read-only for a key that shows the host's file, and its descriptor is moved
 * into [{@value ProcSysServer#FD_LOW}, {@value ProcSysServer#FD_HIGH}), where {@link KeyDescriptors} takes
 * its writes.
 */
final class KeyOpens implements TraceHandler {
    /** A part of the server logs as the server, the name its users know. */
    private static final System.Logger LOG = System.getLogger(ProcSysServer.class.getName());

    /** Move the descriptor the open returns into the range. */
    private record Move(boolean closeOnExec, boolean hostFile) {}

    private final SysctlTree tree;
    private final ServedPaths paths;
    private final TraceeLocal<Move> move = TraceeLocal.perSyscall();
    private boolean unvalidatedWritesLogged;

    KeyOpens(SysctlTree tree, ServedPaths paths) {
        this.tree = tree;
        this.paths = paths;
    }

    /** Whether the syscall, an open or not, opens for writing. */
    static boolean opensForWriting(Syscall call) {
        int flagsIndex = flagsIndex(call.name());
        return call.name().equals("creat") || flagsIndex >= 0 && Fcntl.writes(call.arg(flagsIndex));
    }

    /** Which argument holds an open's flags; -1 for creat and any other syscall. */
    private static int flagsIndex(String name) {
        return switch (name) {
            case "open" -> 1;
            case "openat" -> 2;
            default -> -1;
        };
    }

    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of("open", "openat", "creat");
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        ProcSysPathMap.Resolution resolution = paths.resolution(call.tracee());
        if (resolution == null) {
            return EntryAction.CONTINUE;
        }
        boolean servedKey = resolution.kind() == PathKind.KEY && resolution.materialized();
        if (!opensForWriting(call)) {
            if (servedKey) {
                tree.read(resolution.procPath());
            }
            return EntryAction.CONTINUE;
        }
        if (!servedKey && resolution.kind() != PathKind.HOST) {
            return EntryAction.CONTINUE;
        }
        int flagsIndex = flagsIndex(call.name());
        int flags = flagsIndex < 0 ? 0 : (int) call.arg(flagsIndex);
        // procfs ignores both; on the shared regular file they would empty it or append to it.
        int served = flags & ~(Fcntl.O_TRUNC | Fcntl.O_APPEND);
        if (!servedKey) {
            // The host's file, read-only: a copy of the descriptor outside the range (a shell's dup2 onto
            // standard output) then fails its writes with EBADF instead of changing the host.
            served = (served & ~Fcntl.O_ACCMODE) | Fcntl.O_RDONLY;
        }
        if (flagsIndex >= 0 && served != flags) {
            call.setArg(flagsIndex, served);
        }
        call.tracee().set(move, new Move((flags & Fcntl.O_CLOEXEC) != 0, !servedKey));
        return EntryAction.OBSERVE_EXIT;
    }

    /** Moves the new descriptor into the range: a copy made there by fcntl, the original closed. */
    @Override
    public void onSyscallExit(Syscall call) {
        Move what = call.tracee().get(move);
        long fd = call.result();
        if (what == null || fd < 0) {
            return;
        }
        SyscallTable table = SyscallTable.of(call.tracee().arch());
        long moved = call.inject(table.numberOf("fcntl"), fd,
                what.closeOnExec() ? Fcntl.F_DUPFD_CLOEXEC : Fcntl.F_DUPFD, ProcSysServer.FD_LOW);
        if (moved >= ProcSysServer.FD_HIGH) {
            closeInTracee(call, moved);
            moved = -Errno.EMFILE;
        }
        if (moved < 0) {
            if (what.hostFile()) {
                // Its writes would reach the host's /proc/sys unseen: better no descriptor at all.
                closeInTracee(call, fd);
                call.setResult(moved);
                LOG.log(Level.WARNING, "pid {0}: an open of a host /proc/sys key for writing failed with {1}: its "
                        + "descriptor could not be moved to [{2}, {3})", call.tracee().pid(),
                        Errno.name((int) -moved), ProcSysServer.FD_LOW, ProcSysServer.FD_HIGH);
            } else if (!unvalidatedWritesLogged) {
                unvalidatedWritesLogged = true;
                LOG.log(Level.WARNING, "pid {0}: a /proc/sys key opened for writing stays at descriptor {1} ({2} "
                        + "moving it to [{3}, {4})): writes to it go to the file unvalidated; logged once",
                        call.tracee().pid(), fd, Errno.name((int) -moved), ProcSysServer.FD_LOW, ProcSysServer.FD_HIGH);
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
}
