package dev.panatrace.procsys;

import java.nio.file.Path;

/** Paths under /proc as a traced thread sees them, for the tracer to read. */
final class ProcPaths {
    private ProcPaths() {}

    /**
     * The tracer's path to {@code /proc/RELATIVE} as thread {@code tid} sees it: looked up from the thread's
     * own root, so that {@code /proc} is the procfs the thread sees and a process number in {@code relative}
     * means what it means in the thread's pid namespace. This needs no comparison of pid namespaces, which
     * cannot be made everywhere: gVisor gives {@code /proc/PID/ns/pid} a new inode number at every lookup
     * and has no {@code NSpid} in {@code /proc/PID/status}.
     *
     * @param tid the thread, numbered in the tracer's pid namespace
     * @param relative a path below {@code /proc} as the thread names it, e.g. {@code "42/mountinfo"}
     * @return e.g. {@code /proc/1234/root/proc/42/mountinfo}
     */
    static Path asSeenBy(int tid, String relative) {
        return Path.of("/proc/" + tid + "/root/proc/" + relative);
    }
}
