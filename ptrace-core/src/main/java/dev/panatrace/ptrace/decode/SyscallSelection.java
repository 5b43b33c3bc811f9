package dev.panatrace.ptrace.decode;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.paths.PathSyscalls;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * strace's {@code -e trace=} expressions: a comma-separated list of syscall names and classes
 * ({@code %file}, {@code %process}, {@code %network} or {@code %net}, {@code %signal}, {@code %memory}),
 * or {@code all}; a leading {@code trace=} is optional.
 *
 * <pre>{@code
 * SyscallSelection.parse("trace=%file,read", Arch.current())   // every path-taking syscall, and read
 * }</pre>
 */
public final class SyscallSelection {
    private static final Map<String, Set<String>> CLASSES = Map.of(
            "%process", Set.of("clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group",
                    "wait4", "waitid", "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
                    "pidfd_send_signal", "unshare", "setns"),
            "%network", Set.of("socket", "socketpair", "bind", "connect", "listen", "accept", "accept4",
                    "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
                    "shutdown", "setsockopt", "getsockopt"),
            "%signal", Set.of("kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigpending",
                    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigreturn",
                    "sigaltstack", "signalfd", "signalfd4", "pause", "pidfd_send_signal"),
            "%memory", Set.of("mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "mlock", "mlock2", "munlock",
                    "mlockall", "munlockall", "mincore", "msync", "remap_file_pages", "mbind", "set_mempolicy",
                    "get_mempolicy", "migrate_pages", "move_pages", "pkey_mprotect", "shmat", "shmdt"));

    private SyscallSelection() {}

    /**
     * The syscalls an expression selects.
     *
     * @param expression such as {@code trace=openat,%process}
     * @param arch the architecture whose names are valid
     * @return the selected names, or null for {@code all}
     * @throws IllegalArgumentException naming the first word that is neither a syscall of {@code arch} nor a class
     */
    public static Set<String> parse(String expression, Arch arch) {
        String list = expression.startsWith("trace=") ? expression.substring("trace=".length()) : expression;
        if (list.contains("=")) {
            throw new IllegalArgumentException("only trace=NAMES is supported, not '" + expression + "'");
        }
        Set<String> known = SyscallTable.of(arch).names();
        Set<String> names = new TreeSet<>();
        for (String word : list.split(",", -1)) {
            if (word.equals("all")) {
                return null;
            }
            Set<String> members = word.equals("%file") ? PathSyscalls.allNames()
                    : CLASSES.get(word.equals("%net") ? "%network" : word);
            if (members != null) {
                members.stream().filter(known::contains).forEach(names::add);
            } else if (known.contains(word)) {
                names.add(word);
            } else {
                throw new IllegalArgumentException(word.isEmpty() ? "empty syscall name in '" + expression + "'"
                        : word.startsWith("%") ? "unknown syscall class '" + word + "' (known: %file, %process, "
                                + "%network, %signal, %memory)" : "unknown syscall '" + word + "'");
            }
        }
        return names;
    }
}
