package dev.panatrace.ptrace.paths;

import java.util.OptionalInt;

/**
 * One path argument of a syscall: where the path pointer is, and which argument holds the directory a
 * relative path is looked up in.
 *
 * <p>An empty path is never a path to map, whatever the flags say: with {@code AT_EMPTY_PATH} (0x1000)
 * it names the directory file descriptor itself, and without it the kernel fails it with ENOENT, which
 * a rewrite to the directory's path would turn into success. {@code AT_SYMLINK_NOFOLLOW} changes only
 * what the kernel does with the last component, which a lexical mapping leaves as it is.
 *
 * @param index the argument (0..5) that points to the NUL-terminated path
 * @param dirfd the argument holding the directory file descriptor ({@code AT_FDCWD}, -100, for the
 *     working directory), or empty when a relative path is always taken from the working directory
 * @param nullable whether a NULL pointer is valid and means "the file {@code dirfd} refers to"
 *     ({@code utimensat}, {@code futimesat}); such a call has no path to map
 */
public record PathArgument(int index, OptionalInt dirfd, boolean nullable) {
    /** The {@code dirfd} value that means the calling thread's working directory. */
    public static final int AT_FDCWD = -100;

    /**
     * Checks the argument indexes.
     *
     * @throws IllegalArgumentException if an argument index is outside 0..5 or both are the same
     */
    public PathArgument {
        if (index < 0 || index > 5 || dirfd.isPresent() && (dirfd.getAsInt() < 0 || dirfd.getAsInt() > 5
                || dirfd.getAsInt() == index)) {
            throw new IllegalArgumentException("argument indexes must be distinct and within 0..5: path " + index
                    + ", dirfd " + dirfd);
        }
    }

    /** A path that is relative to the working directory when relative. */
    static PathArgument path(int index) {
        return new PathArgument(index, OptionalInt.empty(), false);
    }

    /** A path that is relative to the directory file descriptor in argument {@code dirfd} when relative. */
    static PathArgument at(int index, int dirfd) {
        return new PathArgument(index, OptionalInt.of(dirfd), false);
    }

    /** As {@link #at}, where NULL instead of a path means the file {@code dirfd} refers to. */
    static PathArgument nullableAt(int index, int dirfd) {
        return new PathArgument(index, OptionalInt.of(dirfd), true);
    }
}
