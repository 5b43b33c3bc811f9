package dev.panatrace.procsys;

/** Whether writes to a key are allowed, like the write bit of the key's file under /proc/sys. */
public enum Mode {
    /** Writes that pass the key's validator are stored (mode 0644 in /proc/sys). */
    READ_WRITE,
    /** Every write fails with {@code EACCES} (mode 0444 in /proc/sys, such as {@code kernel/random/boot_id}). */
    READ_ONLY
}
