package dev.panatrace.procsys;

import java.util.Comparator;

/**
 * A key or a key pattern, split into components once so that matching a path allocates nothing: the
 * tracer thread matches every intercepted path against the wildcard rules.
 */
final class KeyPattern {
    /** Orders patterns so that the first match is the most specific: a literal component beats a wildcard. */
    static final Comparator<KeyPattern> MOST_SPECIFIC_FIRST = (a, b) -> {
        int common = Math.min(a.parts.length, b.parts.length);
        for (int i = 0; i < common; i++) {
            boolean aWild = a.parts[i].equals(SysctlKey.WILDCARD);
            boolean bWild = b.parts[i].equals(SysctlKey.WILDCARD);
            if (aWild != bWild) {
                return aWild ? 1 : -1;
            }
        }
        return 0;
    };

    final SysctlKey key;
    final String[] parts;
    final boolean wildcard;

    KeyPattern(SysctlKey key) {
        this.key = key;
        this.parts = key.path().split("/");
        this.wildcard = key.isPattern();
    }

    /** Whether {@code path} from {@code start} on has exactly this pattern's components. */
    boolean matches(String path, int start) {
        int n = path.length();
        int pos = start;
        for (int i = 0; i < parts.length; i++) {
            int end = componentEnd(path, pos);
            if (!partMatches(i, path, pos, end)) {
                return false;
            }
            if (i == parts.length - 1) {
                return end == n;
            }
            if (end == n) {
                return false;
            }
            pos = end + 1;
        }
        return false;
    }

    /** Whether {@code path} from {@code start} on is a non-empty proper prefix of this pattern, i.e. a directory. */
    boolean matchesDirectory(String path, int start) {
        int n = path.length();
        int pos = start;
        for (int i = 0; i < parts.length - 1; i++) {
            int end = componentEnd(path, pos);
            if (!partMatches(i, path, pos, end)) {
                return false;
            }
            if (end == n) {
                return true;
            }
            pos = end + 1;
        }
        return false;
    }

    /** Whether this pattern matches {@code other}, a wildcard here matching anything there, including a wildcard. */
    boolean covers(KeyPattern other) {
        if (other.parts.length != parts.length) {
            return false;
        }
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].equals(SysctlKey.WILDCARD) && !parts[i].equals(other.parts[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether some key matched by this pattern is a directory above a key matched by {@code other}:
     * the two cannot both be served, one would be a file and a directory at once.
     */
    boolean isAbove(KeyPattern other) {
        if (parts.length >= other.parts.length) {
            return false;
        }
        for (int i = 0; i < parts.length; i++) {
            String mine = parts[i];
            String theirs = other.parts[i];
            if (!mine.equals(theirs) && !mine.equals(SysctlKey.WILDCARD) && !theirs.equals(SysctlKey.WILDCARD)) {
                return false;
            }
        }
        return true;
    }

    private static int componentEnd(String path, int pos) {
        int end = path.indexOf('/', pos);
        return end < 0 ? path.length() : end;
    }

    private boolean partMatches(int i, String path, int pos, int end) {
        int length = end - pos;
        if (length <= 0) {
            return false;
        }
        String part = parts[i];
        if (part.equals(SysctlKey.WILDCARD)) {
            // A wildcard stands for a name, never for "." or "..", which would leave the directory.
            boolean dot = path.charAt(pos) == '.';
            return !(dot && (length == 1 || (length == 2 && path.charAt(pos + 1) == '.')));
        }
        return length == part.length() && path.regionMatches(pos, part, 0, length);
    }
}
