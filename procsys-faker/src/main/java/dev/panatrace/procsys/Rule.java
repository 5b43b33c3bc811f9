package dev.panatrace.procsys;

/**
 * How a key, or every key a pattern matches, is served: its mode, its validator, and its value until
 * written, either a stored value or the host's.
 */
final class Rule {
    final KeyPattern pattern;
    final Mode mode;
    final Validator validator;
    /** The normalized value, or null to read the host's value. */
    final String initial;

    Rule(SysctlKey key, Mode mode, Validator validator, String initial) {
        this.pattern = new KeyPattern(key);
        this.mode = mode;
        this.validator = validator;
        this.initial = initial;
    }

    SysctlKey key() {
        return pattern.key;
    }
}
