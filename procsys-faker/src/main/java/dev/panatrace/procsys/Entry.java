package dev.panatrace.procsys;

/**
 * A concrete key with its own value: an exact rule, or a key matched by a wildcard or shown through
 * from the host once it was written.
 */
final class Entry {
    final SysctlKey key;
    final Rule rule;
    /**
     * The normalized value, or null while the host's value shows through. One immutable string
     * behind a volatile field: readers always see one complete written value.
     */
    volatile String value;

    Entry(SysctlKey key, Rule rule, String value) {
        this.key = key;
        this.rule = rule;
        this.value = value;
    }
}
