package dev.panatrace.procsys;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.Tracee;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What processes write through copies of key descriptors that could not be watched (no room for one
 * more seccomp filter): the key's file is published anew, so that those writes land in the old file,
 * which only the copy and this class hold; the tree gets what it holds late, and validates it then.
 * Tracer thread only.
 */
final class CopyCaptures {
    /** A part of the server logs as the server, the name its users know. */
    private static final System.Logger LOG = System.getLogger(ProcSysServer.class.getName());

    /** A file written through a copy of {@code key}'s descriptor in process {@code pid}. */
    private record Capture(int pid, SysctlKey key, FileChannel file) {}

    private final SysctlTree tree;
    private final List<Capture> captures = new ArrayList<>();

    CopyCaptures(SysctlTree tree) {
        this.tree = tree;
    }

    /** Holds the file that {@code tracee}'s descriptor {@code copy} of {@code key}'s descriptor names. */
    void capture(Tracee tracee, int copy, SysctlKey key) {
        try {
            Path copied = Path.of("/proc/" + tracee.tid() + "/fd/" + copy);
            FileChannel file = FileChannel.open(copied, StandardOpenOption.READ);
            tree.republish(key);
            captures.add(new Capture(tracee.pid(), key, file));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "pid {0}: what it writes to {1} through descriptor {2} goes unvalidated to a file "
                    + "it alone reads: the copy cannot be held ({3})", tracee.pid(), key.name(), copy, e.toString());
        }
    }

    /**
     * Hands what was written through copies to the tree: each capture once it holds something (whichever
     * process stops next, so that a reader started after the write sees it), and all of an ended
     * process's captures.
     *
     * @param endedPid the process that ended, or 0
     */
    void apply(int endedPid) {
        if (captures.isEmpty()) {
            return;
        }
        for (Iterator<Capture> it = captures.iterator(); it.hasNext(); ) {
            Capture capture = it.next();
            int pid = capture.pid();
            if (pid != endedPid && isEmpty(capture.file())) {
                continue;
            }
            it.remove();
            try (FileChannel file = capture.file()) {
                ByteBuffer data = ByteBuffer.allocate((int) Math.min(file.size(), KeyDescriptors.MAX_WRITE));
                file.read(data, 0);
                if (data.position() == 0) {
                    continue;
                }
                WriteResult result = tree.write(capture.key().path(), data.array(), 0, data.position());
                if (result != WriteResult.OK) {
                    LOG.log(Level.WARNING, "pid {0} wrote {1} through a copied descriptor; the value was "
                            + "refused ({2}) and dropped", pid, capture.key().name(), Errno.name(result.errno()));
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "pid {0}: what it wrote to {1} through a copied descriptor cannot be read "
                        + "and is dropped: {2}", pid, capture.key().name(), e.toString());
            }
        }
    }

    /** Whether nothing was written to the file yet; one that cannot be read counts as written, to be dropped. */
    private static boolean isEmpty(FileChannel file) {
        try {
            return file.size() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
