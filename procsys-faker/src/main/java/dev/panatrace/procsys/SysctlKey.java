package dev.panatrace.procsys;

import java.util.List;
import java.util.Objects;

/**
 * The address of a sysctl key: its path below {@code /proc/sys}, such as {@code vm/overcommit_memory}.
 *
 * <p>A key has two spellings. The <em>path</em> separates components with {@code /}; the <em>sysctl
 * name</em> separates them with {@code .}. As in sysctl(8), a {@code /} inside a dotted name stands for
 * a literal {@code .} in a path component, so the two spellings are each other with {@code .} and
 * {@code /} swapped:
 * <pre>{@code
 * SysctlKey.ofName("net.ipv4.conf.eth0/100.forwarding").path()  // "net/ipv4/conf/eth0.100/forwarding"
 * SysctlKey.ofPath("/proc/sys/net/ipv4/conf/eth0.100/forwarding").name()  // "net.ipv4.conf.eth0/100.forwarding"
 * }</pre>
 *
 * <p>A component {@code *} makes the key a pattern that matches any one component (see {@link SysctlTree}).
 *
 * @param path the path relative to {@code /proc/sys}: non-empty components separated by single
 *     {@code /}, none of them {@code .} or {@code ..}, without whitespace or control characters
 */
public record SysctlKey(String path) {
    static final String PROC_SYS = "/proc/sys";
    static final String PROC_SYS_SLASH = "/proc/sys/";
    static final String WILDCARD = "*";

    /**
     * Checks the path.
     *
     * @throws IllegalArgumentException if the path is not a well-formed relative path
     */
    public SysctlKey {
        Objects.requireNonNull(path, "path");
        String problem = problemWith(path);
        if (problem != null) {
            throw new IllegalArgumentException("invalid sysctl path \"" + path + "\": " + problem);
        }
    }

    /**
     * The key at a path, relative to {@code /proc/sys} or absolute under it.
     *
     * @param path such as {@code vm/overcommit_memory} or {@code /proc/sys/vm/overcommit_memory}
     * @return the key
     * @throws IllegalArgumentException if the path is malformed or outside {@code /proc/sys}
     */
    public static SysctlKey ofPath(String path) {
        return new SysctlKey(path.startsWith(PROC_SYS_SLASH) ? path.substring(PROC_SYS_SLASH.length()) : path);
    }

    /**
     * The key with a dotted sysctl name.
     *
     * @param name such as {@code vm.overcommit_memory} or {@code net.ipv4.conf.eth0/100.forwarding}
     * @return the key
     * @throws IllegalArgumentException if the name is malformed
     */
    public static SysctlKey ofName(String name) {
        String path = swapSeparators(name);
        String problem = problemWith(path);
        if (problem != null) {
            throw new IllegalArgumentException("invalid sysctl name \"" + name + "\": " + problem);
        }
        return new SysctlKey(path);
    }

    /**
     * The key spelled either way, decided as sysctl(8) does: text starting with {@code /proc/sys/} is a
     * path; otherwise the first separator decides, {@code .} for a dotted name and {@code /} for a path.
     * (Top-level directories under {@code /proc/sys} have no dot in their names, so the rule is
     * unambiguous for real keys.)
     *
     * @param text a path or a sysctl name
     * @return the key
     * @throws IllegalArgumentException if the text is malformed
     */
    public static SysctlKey parse(String text) {
        if (text.startsWith(PROC_SYS_SLASH)) {
            return ofPath(text);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.') {
                return ofName(text);
            }
            if (c == '/') {
                break;
            }
        }
        return ofPath(text);
    }

    /**
     * The dotted sysctl name, with a {@code .} inside a path component written as {@code /}.
     *
     * @return such as {@code net.ipv4.conf.eth0/100.forwarding}
     */
    public String name() {
        return swapSeparators(path);
    }

    /**
     * The absolute path of the key.
     *
     * @return such as {@code /proc/sys/vm/overcommit_memory}
     */
    public String procPath() {
        return PROC_SYS_SLASH + path;
    }

    /**
     * The path components.
     *
     * @return such as {@code [vm, overcommit_memory]}
     */
    public List<String> components() {
        return List.of(path.split("/"));
    }

    /**
     * Whether a component is the wildcard {@code *}.
     *
     * @return true for a pattern such as {@code net/ipv6/conf/*}{@code /disable_ipv6}
     */
    public boolean isPattern() {
        return components().contains(WILDCARD);
    }

    /** Returns the path. */
    @Override
    public String toString() {
        return path;
    }

    private static String swapSeparators(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == '.') {
                chars[i] = '/';
            } else if (chars[i] == '/') {
                chars[i] = '.';
            }
        }
        return new String(chars);
    }

    private static String problemWith(String path) {
        if (path.isEmpty()) {
            return "empty";
        }
        if (path.charAt(0) == '/') {
            return "an absolute path outside " + PROC_SYS;
        }
        int start = 0;
        while (true) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            if (end == start) {
                return "empty component";
            }
            String component = path.substring(start, end);
            if (component.equals(".") || component.equals("..")) {
                return "component \"" + component + "\" is not allowed";
            }
            if (end == path.length()) {
                break;
            }
            start = end + 1;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "contains whitespace or a control character";
            }
        }
        return null;
    }
}
