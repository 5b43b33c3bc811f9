package dev.panatrace.procsys;

import java.util.List;
import java.util.Optional;

/**
 * Which keys were read and written through a {@link SysctlTree}'s API, and their values at the time
 * of the report. Accesses a traced process makes to materialized files directly are not counted.
 *
 * @param keys one entry per key read or written, sorted by path
 */
public record SysctlReport(List<KeyActivity> keys) {
    /**
     * Copies the list.
     *
     * @param keys one entry per key
     */
    public SysctlReport {
        keys = List.copyOf(keys);
    }

    /**
     * The accesses to one key.
     *
     * @param key the key
     * @param reads successful reads
     * @param writes writes that stored a value
     * @param refusedWrites writes refused with {@code EACCES}, {@code EINVAL} or {@code EIO}
     * @param value the value at the time of the report, without the newline; empty if the key shows
     *     the host's value and the host no longer has it
     */
    public record KeyActivity(SysctlKey key, long reads, long writes, long refusedWrites, Optional<String> value) {}
}
