package dev.panatrace.procsys;

import dev.panatrace.ptrace.Tracee;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a tracee's descriptor holds, read from the kernel ({@code /proc/TID/fd/N}) each time rather than
 * remembered: the kernel's descriptor table is already right after {@code fork}, {@code dup2},
 * {@code close_range}, descriptor passing and close-on-exec, and a stale record could let the tree
 * answer a write meant for a socket.
 */
final class DescriptorTargets {
    /** What the kernel appends to a descriptor's link when its file was unlinked or renamed over. */
    private static final String DELETED = " (deleted)";

    /** The key a descriptor holds, and whether the descriptor is the host's file of it. */
    record KeyDescriptor(SysctlKey key, boolean hostFile) {}

    private final MaterializedTree files;
    private final String root;
    private final String rootSlash;
    private final TraceeViews views;

    DescriptorTargets(MaterializedTree files, TraceeViews views) {
        this.files = files;
        this.root = files.root().toString();
        this.rootSlash = root + "/";
        this.views = views;
    }

    /** Whether a thread's descriptor is a materialized file or directory. */
    boolean isServed(int tid, int fd) {
        String target = target(tid, fd);
        return target != null && (target.startsWith(rootSlash) || target.equals(root));
    }

    /**
     * The key a descriptor holds: a materialized key's file, or, for a process that sees the tracer's
     * file system, a host /proc/sys file opened for a key shown through. Null for anything else.
     */
    KeyDescriptor keyOf(Tracee tracee, int fd) {
        String target = target(tracee.tid(), fd);
        if (target == null) {
            return null;
        }
        if (target.startsWith(rootSlash)) {
            return files.keyOf(Path.of(target)).map(key -> new KeyDescriptor(key, false)).orElse(null);
        }
        if (target.startsWith(SysctlKey.PROC_SYS_SLASH) && views.seesTree(tracee)) {
            try {
                return new KeyDescriptor(SysctlKey.ofPath(target), true);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** Whether the descriptor's access mode allows writing, from {@code /proc/TID/fdinfo/N}. */
    static boolean openForWriting(int tid, int fd) {
        String info;
        try {
            info = Files.readString(Path.of("/proc/" + tid + "/fdinfo/" + fd), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return false; // closed meanwhile: no writing through it
        }
        for (String line : info.split("\n")) {
            if (line.startsWith("flags:")) {
                return Fcntl.writes(Integer.parseInt(line.substring("flags:".length()).strip(), 8));
            }
        }
        return false;
    }

    /** The file a descriptor names, or null if it names none (closed, or the thread is gone). */
    private static String target(int tid, int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/" + tid + "/fd/" + fd)).toString();
            // A key's file replaced by a later write still names its key; the kernel marks it so.
            return target.endsWith(DELETED) ? target.substring(0, target.length() - DELETED.length()) : target;
        } catch (IOException e) {
            return null;
        }
    }
}
