package dev.panatrace.procsys;

import dev.panatrace.ptrace.Tracee;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Whether each traced thread sees the file system the way the tracer does, as far as serving /proc/sys
 * needs: can it reach the materialized tree at the tracer's path for it.
 *
 * <p>A thread in another mount namespace, or under another root ({@code chroot}, {@code pivot_root}),
 * usually cannot reach the materialized directory: redirecting its /proc/sys there would make every
 * key vanish. The test is the one that matters rather than a comparison of namespace ids: the
 * directory, looked up through {@code /proc/TID/root}, must be the tracer's (same device and inode). So a
 * private mount namespace that still holds the directory (as {@code unshare -m} makes one) is served,
 * and a container's root is not.
 *
 * <p>Answers are cached per thread; a new thread inherits its creator's, a new process is looked at
 * afresh. Tracer thread only.
 */
final class TraceeViews {
    /** One thread's view. */
    record View(boolean seesTree) {}

    private final String treeRoot;
    private final Object treeKey;
    private final Map<Integer, View> byTid = new HashMap<>();
    private final Map<Integer, Integer> pidOf = new HashMap<>();

    /**
     * @param treeRoot the materialized root, a real path
     * @throws IOException if the root cannot be read
     */
    TraceeViews(Path treeRoot) throws IOException {
        this.treeRoot = treeRoot.toString();
        this.treeKey = Objects.requireNonNull(Files.readAttributes(treeRoot, BasicFileAttributes.class).fileKey(),
                "this file system gives no file keys");
    }

    /** The view of a thread. */
    View of(Tracee tracee) {
        View view = byTid.get(tracee.tid());
        if (view == null) {
            view = look(tracee.tid());
            byTid.put(tracee.tid(), view);
            pidOf.put(tracee.tid(), tracee.pid());
        }
        return view;
    }

    /** A new thread shares its creator's root and namespaces; a new process may not (clone flags). */
    void started(int parentTid, int tid, int pid) {
        View parent = byTid.get(parentTid);
        if (tid != pid && parent != null) {
            byTid.put(tid, parent);
            pidOf.put(tid, pid);
        }
    }

    /** Forgets a thread, which exited or exec'd (after exec, setuid programs and the like may differ). */
    void forget(int tid) {
        byTid.remove(tid);
        pidOf.remove(tid);
    }

    /** Forgets every thread of a process: one of them changed root or namespaces, which threads may share. */
    void forgetProcess(int pid) {
        pidOf.entrySet().removeIf(entry -> {
            if (entry.getValue() == pid) {
                byTid.remove(entry.getKey());
                return true;
            }
            return false;
        });
    }

    private View look(int tid) {
        Path proc = Path.of("/proc", Integer.toString(tid));
        boolean seesTree;
        try {
            // /proc/TID/root resolves in the thread's own root and mount namespace.
            Object key = Files.readAttributes(Path.of(proc + "/root" + treeRoot), BasicFileAttributes.class).fileKey();
            seesTree = treeKey.equals(key);
        } catch (IOException e) {
            seesTree = false;
        }
        return new View(seesTree);
    }
}
