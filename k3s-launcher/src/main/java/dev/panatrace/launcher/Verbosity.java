package dev.panatrace.launcher;

/**
 * The top-level {@code -v/--verbose} and {@code -q/--quiet} options. The libraries log through
 * {@link System.Logger} only, which in the launcher's JVM prints to standard error
 * ({@link StderrLoggerFinder}); these options set what it shows. Without either, INFO and above: warnings
 * and errors.
 */
final class Verbosity {
    private System.Logger.Level chosen;

    /** {@code -v}: panatrace's DEBUG messages too. */
    void verbose() {
        choose(System.Logger.Level.DEBUG);
    }

    /** {@code -q}: errors only. */
    void quiet() {
        choose(System.Logger.Level.ERROR);
    }

    private void choose(System.Logger.Level level) {
        if (chosen != null && chosen != level) {
            throw new UsageException("--verbose and --quiet exclude each other");
        }
        chosen = level;
    }

    /**
     * Shows {@code chosen} and above from panatrace's loggers. Other loggers are only ever made quieter, never
     * more verbose: the JDK's own debug messages are not the user's business.
     */
    void apply() {
        if (chosen != null) {
            System.Logger.Level others = chosen.getSeverity() > System.Logger.Level.INFO.getSeverity()
                    ? chosen : System.Logger.Level.INFO;
            StderrLoggerFinder.show(chosen, others);
        }
    }
}
