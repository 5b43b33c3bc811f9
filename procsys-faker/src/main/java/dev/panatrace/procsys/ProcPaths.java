package dev.panatrace.procsys;

import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.paths.LexicalResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Paths under /proc as a traced thread names them, and the tracer's path to the file meant. */
final class ProcPaths {
    /** {@code /proc/self}, {@code /proc/thread-self}, {@code /proc/PID} or {@code /proc/PID/task/TID}, then the rest. */
    private static final Pattern PROCESS_FILE = Pattern.compile("/proc/(self|thread-self|[0-9]+(?:/task/[0-9]+)?)/(.+)");
    /** Standard links into {@code /proc/self}: {@code /dev/fd} (udev's) and {@code /proc/mounts} (the kernel's). */
    private static final Pattern SELF_ALIAS = Pattern.compile("/dev/(fd/.+)|/proc/(mounts)");

    private ProcPaths() {}

    /**
     * The tracer's path to the file of a process or thread that {@code path} names for {@code tracee},
     * such as {@code /proc/self/fd/3} or {@code /proc/42/task/43/mountinfo}, if what follows the process
     * or thread matches {@code file}. {@code self} is the tracee's process, {@code thread-self} the tracee
     * itself, a number is read in the tracee's pid namespace ({@link #asSeenBy}).
     *
     * @param tracee the thread that passed the path
     * @param path an absolute path, as passed (it is normalized lexically)
     * @param file the files of interest below the process, e.g. {@code mountinfo|mounts}
     * @return e.g. {@code /proc/1234/fd/3}; empty for a relative path or any other file
     */
    static Optional<Path> processFile(Tracee tracee, byte[] path, Pattern file) {
        if (!LexicalResolver.isAbsolute(path)) {
            return Optional.empty();
        }
        String named = new String(LexicalResolver.normalize(path), StandardCharsets.ISO_8859_1);
        Matcher alias = SELF_ALIAS.matcher(named);
        if (alias.matches()) {
            named = "/proc/self/" + (alias.group(1) != null ? alias.group(1) : alias.group(2));
        }
        Matcher matched = PROCESS_FILE.matcher(named);
        if (!matched.matches() || !file.matcher(matched.group(2)).matches()) {
            return Optional.empty();
        }
        String rest = matched.group(2);
        return Optional.of(switch (matched.group(1)) {
            case "self" -> Path.of("/proc/" + tracee.pid() + "/" + rest);
            case "thread-self" -> Path.of("/proc/" + tracee.pid() + "/task/" + tracee.tid() + "/" + rest);
            default -> asSeenBy(tracee.tid(), matched.group(1) + "/" + rest);
        });
    }

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
