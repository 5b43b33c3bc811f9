package dev.panatrace.bench.micro;

/** Absolute paths of an exact length that name nothing, so the kernel fails their lookup at once. */
final class BenchPaths {
    /** NAME_MAX is 255; shorter components keep every length valid. */
    private static final int COMPONENT = 200;

    private BenchPaths() {}

    /** A path of {@code length} bytes: {@code /aaa…/aaa…}, under a top-level directory that does not exist. */
    static String ofLength(int length) {
        if (length < 2) {
            throw new IllegalArgumentException("a path this short names the root: " + length);
        }
        StringBuilder path = new StringBuilder(length);
        while (path.length() < length) {
            path.append(path.length() % (COMPONENT + 1) == 0 ? '/' : 'a');
        }
        // A trailing slash would make the last component a directory lookup; end in a name instead.
        if (path.charAt(length - 1) == '/') {
            path.setCharAt(length - 1, 'a');
        }
        return path.toString();
    }
}
