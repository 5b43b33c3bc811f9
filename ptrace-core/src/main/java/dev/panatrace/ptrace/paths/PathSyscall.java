package dev.panatrace.ptrace.paths;

import java.util.List;
import java.util.OptionalInt;

/**
 * A syscall that takes paths, and where they are in its arguments.
 *
 * @param name the kernel's name, e.g. {@code "renameat2"}
 * @param paths its path arguments in argument order: one, or two for {@code rename}/{@code link}
 *     and their {@code at} forms. Arguments that are not looked up (the target of {@code symlink}, which
 *     is the link's content) are not listed.
 * @param openHow for {@code openat2}, the argument pointing to its {@code struct open_how}, whose
 *     {@code resolve} flags can confine the lookup to the directory file descriptor; the struct's size
 *     is in the next argument. Empty for every other syscall.
 */
public record PathSyscall(String name, List<PathArgument> paths, OptionalInt openHow) {
    /**
     * Checks that there is a path argument and copies the list.
     *
     * @throws IllegalArgumentException if there is no path argument
     */
    public PathSyscall {
        paths = List.copyOf(paths);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException(name + " has no path argument");
        }
    }
}
