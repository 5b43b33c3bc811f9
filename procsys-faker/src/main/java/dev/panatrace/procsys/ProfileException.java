package dev.panatrace.procsys;

/**
 * A profile or an override refused as a whole. The message is one line naming the source, the line and
 * the reason, such as {@code k3s.conf:12: invalid value "abc" for vm.overcommit_memory: expected an integer}.
 * Overrides are named {@code --sysctl} and numbered from 1 in the order given.
 */
public final class ProfileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The file or built-in profile name, or {@code --sysctl}. */
    private final String source;
    /** The line number, or the position of an override. */
    private final int line;
    /** Why the line was refused. */
    private final String reason;

    ProfileException(String source, int line, String reason) {
        super(source + ":" + line + ": " + reason);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    /**
     * Where the bad line comes from.
     *
     * @return the file as given, a built-in profile's resource name such as {@code k3s.conf}, or {@code --sysctl}
     */
    public String source() {
        return source;
    }

    /**
     * The line number, from 1; for overrides, the position of the override, from 1.
     *
     * @return the line number
     */
    public int line() {
        return line;
    }

    /**
     * Why the line was refused, without source and line.
     *
     * @return such as {@code invalid value "abc" for vm.overcommit_memory: expected an integer}
     */
    public String reason() {
        return reason;
    }
}
