package dev.panatrace.procsys;

/**
 * What a path under /proc/sys is in a {@link SysctlTree}: the answer of {@link SysctlTree#lookup(String)},
 * which tells a syscall handler whether to redirect the path, let it through, or fail it.
 */
public enum PathKind {
    /** A key the tree serves, exactly or through a wildcard rule. */
    KEY,
    /** A directory holding served keys (the root, {@code net/ipv4/conf}, {@code net/ipv6/conf/eth0}, ...). */
    DIRECTORY,
    /** Not served; the policy is {@link Missing#PASSTHROUGH}, so the host's /proc/sys answers. */
    HOST,
    /** Not served; the policy is {@link Missing#ENOENT}, so the path does not exist. */
    NOT_FOUND
}
