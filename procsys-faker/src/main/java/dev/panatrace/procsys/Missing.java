package dev.panatrace.procsys;

/** What a {@link SysctlTree} does with a key that no rule serves. */
public enum Missing {
    /**
     * The host's key shows through: reads return the host's current value, and a write that passes the
     * key's validator is stored in the tree (the host is never written). The default.
     */
    PASSTHROUGH,
    /** The key does not exist: reads and writes fail with {@code ENOENT}. */
    ENOENT
}
