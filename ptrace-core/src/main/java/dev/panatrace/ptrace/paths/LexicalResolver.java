package dev.panatrace.ptrace.paths;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Resolves paths the way they read, without asking the file system: {@code //} collapses, {@code .}
 * disappears, {@code ..} removes the component before it ({@code /..} stays {@code /}). Symbolic links
 * are not followed, so {@code a/..} is the directory holding {@code a} even when {@code a} is a link.
 *
 * <p>Paths are bytes, as the kernel sees them, not necessarily UTF-8. A path read from a tracee holds
 * no NUL (the C string ends there); this class treats every byte other than {@code /} and {@code .}
 * as an ordinary name byte.
 *
 * <pre>{@code
 * LexicalResolver.resolve(bytes("/proc/sys/kernel"), bytes("../../sys/./kernel//ostype"))
 *     // "/proc/sys/kernel/ostype"
 * LexicalResolver.normalize(bytes("/a/b/.."))   // "/a/"
 * }</pre>
 *
 * <p>A result ends with {@code /} (and is not {@code /}) exactly when the path's last component is
 * empty, {@code .} or {@code ..}: such a path names a directory, and the kernel fails it with ENOTDIR
 * when it does not, so the slash keeps that meaning.
 */
public final class LexicalResolver {
    private static final byte SLASH = '/';
    private static final byte DOT = '.';

    private LexicalResolver() {}

    /**
     * Whether {@code path} starts with {@code /}.
     *
     * @param path path bytes
     * @return true for an absolute path
     */
    public static boolean isAbsolute(byte[] path) {
        return path.length > 0 && path[0] == SLASH;
    }

    /**
     * The normalized absolute form of {@code path}: {@code path} itself when absolute, else
     * {@code path} taken relative to {@code directory}.
     *
     * @param directory an absolute directory, normalized or not; ignored when {@code path} is absolute
     * @param path any path bytes without NUL; empty is taken as {@code .}
     * @return an absolute path without empty, {@code .} or {@code ..} components
     * @throws IllegalArgumentException if {@code path} is relative and {@code directory} is not absolute
     */
    public static byte[] resolve(byte[] directory, byte[] path) {
        Objects.requireNonNull(path, "path");
        if (isAbsolute(path)) {
            return normalize(path);
        }
        if (!isAbsolute(directory)) {
            throw new IllegalArgumentException("the directory a relative path is resolved against must be absolute");
        }
        List<Component> components = new ArrayList<>();
        push(components, directory);
        boolean directoryOnly = push(components, path.length == 0 ? new byte[] {DOT} : path);
        return join(components, directoryOnly);
    }

    /**
     * The normalized form of an absolute path.
     *
     * @param absolutePath path bytes starting with {@code /}
     * @return an absolute path without empty, {@code .} or {@code ..} components: {@code absolutePath} itself
     *     when it has none
     * @throws IllegalArgumentException if the path is not absolute
     */
    public static byte[] normalize(byte[] absolutePath) {
        if (!isAbsolute(absolutePath)) {
            throw new IllegalArgumentException("not an absolute path");
        }
        if (isNormal(absolutePath)) {
            return absolutePath;
        }
        List<Component> components = new ArrayList<>();
        boolean directoryOnly = push(components, absolutePath);
        return join(components, directoryOnly);
    }

    /**
     * Whether an absolute path is its own normal form: no {@code //}, and no {@code .} or {@code ..} component.
     * Most paths a tracee passes are, and are then not copied at all.
     */
    private static boolean isNormal(byte[] absolutePath) {
        int start = 1;
        for (int i = 1; i <= absolutePath.length; i++) {
            if (i == absolutePath.length || absolutePath[i] == SLASH) {
                int length = i - start;
                boolean last = i == absolutePath.length;
                if ((length == 0 && !last) || (length == 1 && absolutePath[start] == DOT)
                        || (length == 2 && absolutePath[start] == DOT && absolutePath[start + 1] == DOT)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** A component of {@code bytes}, as offsets, so no array is copied before the result is joined. */
    private record Component(byte[] bytes, int from, int to) {}

    /**
     * Applies the components of {@code path} to {@code components}.
     *
     * @return whether the last component was empty, {@code .} or {@code ..}
     */
    private static boolean push(List<Component> components, byte[] path) {
        boolean directoryOnly = false;
        int start = 0;
        while (start <= path.length) {
            int end = start;
            while (end < path.length && path[end] != SLASH) {
                end++;
            }
            int length = end - start;
            if (length == 0 || (length == 1 && path[start] == DOT)) {
                directoryOnly = true;
            } else if (length == 2 && path[start] == DOT && path[start + 1] == DOT) {
                if (!components.isEmpty()) {
                    components.removeLast();
                }
                directoryOnly = true;
            } else {
                components.add(new Component(path, start, end));
                directoryOnly = false;
            }
            start = end + 1;
        }
        return directoryOnly;
    }

    private static byte[] join(List<Component> components, boolean directoryOnly) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        for (Component component : components) {
            out.write(SLASH);
            out.write(component.bytes(), component.from(), component.to() - component.from());
        }
        if (components.isEmpty() || directoryOnly) {
            out.write(SLASH);
        }
        return out.toByteArray();
    }
}
