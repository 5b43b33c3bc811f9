package dev.panatrace.ptrace;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The syscalls a handler wants to stop at, by name: some always, and optionally some only when their
 * first argument, a file descriptor, lies in a range. The second kind lets a handler watch writes to a
 * few descriptors it arranged to be numbered there, while every other write runs without a stop.
 */
public final class SyscallSet {
    private static final SyscallSet ALL = new SyscallSet(null, Set.of(), 0, 0);

    private final Set<String> names;
    private final Set<String> fdRangeNames;
    private final int fdLow;
    private final int fdHigh;

    private SyscallSet(Set<String> names, Set<String> fdRangeNames, int fdLow, int fdHigh) {
        this.names = names;
        this.fdRangeNames = fdRangeNames;
        this.fdLow = fdLow;
        this.fdHigh = fdHigh;
    }

    /** {@return every syscall (no filtering)} */
    public static SyscallSet all() {
        return ALL;
    }

    /**
     * {@return a set of exactly these syscalls} Names the tracee's architecture lacks are ignored there.
     *
     * @param names the syscall names
     */
    public static SyscallSet of(String... names) {
        return of(Set.of(names));
    }

    /**
     * {@return a set of exactly these syscalls} Names the tracee's architecture lacks are ignored there.
     *
     * @param names the syscall names
     */
    public static SyscallSet of(Collection<String> names) {
        return new SyscallSet(Set.copyOf(new TreeSet<>(names)), Set.of(), 0, 0);
    }

    /**
     * This set, plus {@code names} whenever their first argument, as a C int, is in [low, high).
     *
     * @param low the lowest descriptor
     * @param high one past the highest descriptor
     * @param names the syscall names wanted on those descriptors
     * @return the combined set
     * @throws IllegalArgumentException if the range is empty or negative, or this set has a range already
     */
    public SyscallSet withFdRange(int low, int high, String... names) {
        if (low < 0 || high <= low) {
            throw new IllegalArgumentException("bad descriptor range [" + low + ", " + high + ")");
        }
        if (!fdRangeNames.isEmpty()) {
            throw new IllegalArgumentException("a syscall set has at most one descriptor range");
        }
        return new SyscallSet(this.names, Set.copyOf(new TreeSet<>(Set.of(names))), low, high);
    }

    /** {@return whether this is the set of all syscalls} */
    public boolean isAll() {
        return names == null;
    }

    /** {@return the names wanted always; empty for {@link #all()}} */
    public Set<String> names() {
        return names == null ? Set.of() : names;
    }

    /** {@return the names wanted only for descriptors in [{@link #fdLow}, {@link #fdHigh}); often empty} */
    public Set<String> fdRangeNames() {
        return fdRangeNames;
    }

    /** {@return the lowest descriptor of the range} */
    public int fdLow() {
        return fdLow;
    }

    /** {@return one past the highest descriptor of the range} */
    public int fdHigh() {
        return fdHigh;
    }

    /**
     * {@return whether the syscall named {@code name} is wanted always}
     *
     * @param name the syscall name
     */
    public boolean contains(String name) {
        return names == null || names.contains(name);
    }

    /**
     * {@return whether syscall {@code number} of {@code arch} is wanted always}
     *
     * @param arch the architecture
     * @param number the syscall number
     */
    public boolean contains(Arch arch, long number) {
        return names == null || names.contains(SyscallTable.of(arch).name((int) number));
    }

    /**
     * {@return whether a call of syscall {@code number} with first argument {@code arg0} is wanted}
     *
     * @param arch the architecture
     * @param number the syscall number
     * @param arg0 the first argument
     */
    public boolean matches(Arch arch, long number, long arg0) {
        if (contains(arch, number)) {
            return true;
        }
        if (fdRangeNames.isEmpty()) {
            return false;
        }
        int fd = (int) arg0; // the kernel reads an int argument from the low half of the register
        return fd >= fdLow && fd < fdHigh && fdRangeNames.contains(SyscallTable.of(arch).name((int) number));
    }

    @Override
    public String toString() {
        String base = names == null ? "all" : names.toString();
        return fdRangeNames.isEmpty() ? base : base + " + " + fdRangeNames + " on fds [" + fdLow + ", " + fdHigh + ")";
    }
}
