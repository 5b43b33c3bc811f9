package dev.panatrace.ptrace;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/** A set of syscalls, by name, that a handler wants to stop at. */
public final class SyscallSet {
    private static final SyscallSet ALL = new SyscallSet(null);

    private final Set<String> names;

    private SyscallSet(Set<String> names) {
        this.names = names;
    }

    /** Every syscall (no filtering). */
    public static SyscallSet all() {
        return ALL;
    }

    /** Exactly these syscalls; names the tracee's architecture lacks are ignored there. */
    public static SyscallSet of(String... names) {
        return of(Set.of(names));
    }

    /** Exactly these syscalls; names the tracee's architecture lacks are ignored there. */
    public static SyscallSet of(Collection<String> names) {
        return new SyscallSet(Set.copyOf(new TreeSet<>(names)));
    }

    /** Whether this is the set of all syscalls. */
    public boolean isAll() {
        return names == null;
    }

    /** The names in the set; empty for {@link #all()}. */
    public Set<String> names() {
        return names == null ? Set.of() : names;
    }

    /** Whether the syscall named {@code name} is in the set. */
    public boolean contains(String name) {
        return names == null || names.contains(name);
    }

    /** Whether syscall {@code number} of {@code arch} is in the set. */
    public boolean contains(Arch arch, long number) {
        return names == null || names.contains(SyscallTable.of(arch).name((int) number));
    }

    @Override
    public String toString() {
        return names == null ? "all" : names.toString();
    }
}
