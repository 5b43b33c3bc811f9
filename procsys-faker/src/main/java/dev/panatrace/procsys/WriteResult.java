package dev.panatrace.procsys;

import dev.panatrace.ptrace.Errno;

/**
 * The outcome of {@link SysctlTree#write(String, String)}, with the errno a write(2) to the key's file
 * under /proc/sys would have failed with.
 */
public enum WriteResult {
    /** The value was stored. */
    OK(0),
    /** No such key: not served and either the policy is {@link Missing#ENOENT} or the host has none. */
    ENOENT(Errno.ENOENT),
    /** The materialized file could not be updated; the value is unchanged. */
    EIO(Errno.EIO),
    /** The key is read-only. */
    EACCES(Errno.EACCES),
    /** The value does not pass the key's validator; the value is unchanged. */
    EINVAL(Errno.EINVAL);

    private final int errno;

    WriteResult(int errno) {
        this.errno = errno;
    }

    /**
     * The errno number on Linux.
     *
     * @return 0 for {@link #OK}, else the positive errno
     */
    public int errno() {
        return errno;
    }
}
