package dev.panatrace.ptrace.paths;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which guest paths a traced program sees are really which host paths: GUEST → HOST pairs, each GUEST a
 * file or a directory. A path is mapped by the longest GUEST it lies in, matched by whole components
 * ({@code /proc/sys} holds {@code /proc/sys} and {@code /proc/sys/x}, not {@code /proc/sysrq-trigger}),
 * and becomes that GUEST's HOST followed by the rest of the path. The rest of a normalized path has no
 * {@code ..}, so a mapped path never leaves HOST.
 *
 * <pre>{@code
 * BindMap binds = BindMap.builder().bind(Path.of("/tmp/fake-sys"), Path.of("/proc/sys")).build();
 * binds.toHost(bytes("/proc/sys/kernel/ostype"));  // "/tmp/fake-sys/kernel/ostype"
 * binds.toHost(bytes("/proc/version"));            // empty: not bound
 * binds.toGuest(bytes("/tmp/fake-sys/kernel"));    // "/proc/sys/kernel"
 * }</pre>
 *
 * <p>The reverse map, {@link #toGuest}, exists because the kernel speaks of HOST paths once a traced
 * program has entered a bound directory: its working directory, and the {@code /proc/PID/fd} link of a
 * directory it opened, then name a HOST path. Resolving {@code ..} against that HOST path would leave
 * HOST; mapping it back to its GUEST path first keeps {@code ..} in the guest's view. For that map to
 * be unambiguous no HOST may lie in another, and HOSTs should be canonical (without symbolic links,
 * as {@link Path#toRealPath} gives them), because that is how the kernel reports directories.
 *
 * <p>Instances are immutable. Paths are bytes, as the kernel sees them.
 */
public final class BindMap implements PathMap {
    private static final byte SLASH = '/';

    /** One GUEST → HOST pair; both normalized, absolute, without a trailing slash unless {@code /}. */
    private record Bind(byte[] host, byte[] guest) {}

    // Arrays, not lists: looked up at every path syscall, where an iterator is one more object per stop.
    private final Bind[] byLongestGuest;
    private final Bind[] byLongestHost;

    private BindMap(List<Bind> binds) {
        this.byLongestGuest = binds.stream()
                .sorted(Comparator.comparingInt((Bind bind) -> bind.guest().length).reversed())
                .toArray(Bind[]::new);
        this.byLongestHost = binds.stream()
                .sorted(Comparator.comparingInt((Bind bind) -> bind.host().length).reversed())
                .toArray(Bind[]::new);
    }

    /** {@return a builder of an empty map} */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects binds; {@link #build} checks that they are consistent. */
    public static final class Builder {
        private final List<Bind> binds = new ArrayList<>();

        private Builder() {}

        /**
         * Makes {@code guest} show {@code host}.
         *
         * @param host an absolute host path, a file or a directory; normalized lexically
         * @param guest the absolute path the traced program uses; normalized lexically
         * @return this builder
         * @throws IllegalArgumentException if either path is not absolute
         */
        public Builder bind(byte[] host, byte[] guest) {
            binds.add(new Bind(canonical(host, "HOST"), canonical(guest, "GUEST")));
            return this;
        }

        /**
         * As {@link #bind(byte[], byte[])}, with the bytes that name these paths in the file system.
         *
         * @param host an absolute host path, preferably canonical ({@link Path#toRealPath})
         * @param guest the absolute path the traced program uses
         * @return this builder
         * @throws IllegalArgumentException if either path is not absolute
         */
        public Builder bind(Path host, Path guest) {
            return bind(FileNameBytes.of(host), FileNameBytes.of(guest));
        }

        /**
         * The map.
         *
         * @return an immutable map of the binds given so far
         * @throws IllegalArgumentException if a GUEST is bound twice, or a HOST equals or lies in another
         *     HOST (a path in both could not be mapped back to one GUEST)
         */
        public BindMap build() {
            for (int i = 0; i < binds.size(); i++) {
                for (int j = i + 1; j < binds.size(); j++) {
                    Bind a = binds.get(i);
                    Bind b = binds.get(j);
                    if (Arrays.equals(a.guest(), b.guest())) {
                        throw new IllegalArgumentException("GUEST " + FileNameBytes.escape(a.guest())
                                + " is bound twice");
                    }
                    if (within(a.host(), b.host()) || within(b.host(), a.host())) {
                        throw new IllegalArgumentException("HOST " + FileNameBytes.escape(a.host()) + " and HOST "
                                + FileNameBytes.escape(b.host()) + " overlap; a path in both would have two GUEST paths");
                    }
                }
            }
            return new BindMap(binds);
        }

        private static byte[] canonical(byte[] path, String role) {
            if (!LexicalResolver.isAbsolute(path)) {
                throw new IllegalArgumentException(role + " must be an absolute path: " + FileNameBytes.escape(path));
            }
            // A copy: the map keeps it, and normalize may return the caller's array itself.
            byte[] normalized = LexicalResolver.normalize(path).clone();
            return normalized.length > 1 && normalized[normalized.length - 1] == SLASH
                    ? Arrays.copyOf(normalized, normalized.length - 1)
                    : normalized;
        }
    }

    /**
     * The host path a guest path stands for.
     *
     * @param guestPath a normalized absolute path ({@link LexicalResolver#normalize})
     * @return the HOST of the longest GUEST holding it, followed by the rest of {@code guestPath}
     *     (a trailing slash included); empty when no GUEST holds it
     */
    @Override
    public Optional<byte[]> toHost(byte[] guestPath) {
        for (Bind bind : byLongestGuest) {
            if (within(bind.guest(), guestPath)) {
                return Optional.of(replacePrefix(guestPath, bind.guest(), bind.host()));
            }
        }
        return Optional.empty();
    }

    /**
     * The guest path a host path is seen as: the inverse of {@link #toHost} on the paths it maps.
     *
     * @param hostPath a normalized absolute path, such as a traced thread's working directory
     * @return the GUEST whose HOST holds it, followed by the rest of {@code hostPath}; empty when no
     *     HOST holds it
     */
    @Override
    public Optional<byte[]> toGuest(byte[] hostPath) {
        for (Bind bind : byLongestHost) {
            if (within(bind.host(), hostPath)) {
                return Optional.of(replacePrefix(hostPath, bind.host(), bind.guest()));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code path} is {@code prefix} or lies in it, comparing whole components. */
    private static boolean within(byte[] prefix, byte[] path) {
        if (prefix.length == 1) {
            return LexicalResolver.isAbsolute(path);
        }
        return path.length >= prefix.length
                && Arrays.equals(path, 0, prefix.length, prefix, 0, prefix.length)
                && (path.length == prefix.length || path[prefix.length] == SLASH);
    }

    private static byte[] replacePrefix(byte[] path, byte[] prefix, byte[] replacement) {
        // The root prefix is the only one that keeps its slash; its rest starts at the path's first byte.
        int restStart = prefix.length == 1 ? 0 : prefix.length;
        int restLength = path.length - restStart;
        if (replacement.length == 1) {
            return restLength == 0 ? replacement.clone() : Arrays.copyOfRange(path, restStart, path.length);
        }
        byte[] mapped = Arrays.copyOf(replacement, replacement.length + restLength);
        System.arraycopy(path, restStart, mapped, replacement.length, restLength);
        return mapped;
    }

    /** The binds as {@code HOST:GUEST} pairs, longest GUEST first, non-printable bytes escaped. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("BindMap[");
        for (Bind bind : byLongestGuest) {
            if (text.length() > "BindMap[".length()) {
                text.append(", ");
            }
            text.append(FileNameBytes.escape(bind.host())).append(':').append(FileNameBytes.escape(bind.guest()));
        }
        return text.append(']').toString();
    }
}
