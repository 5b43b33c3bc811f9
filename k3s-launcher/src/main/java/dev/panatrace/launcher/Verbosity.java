package dev.panatrace.launcher;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The top-level {@code -v/--verbose} and {@code -q/--quiet} options. The libraries log through
 * {@link System.Logger} only; in this JVM that is backed by java.util.logging, so the launcher sets the
 * level of JUL's root logger and of its console handler, which has a level of its own. Without
 * either option JUL's default applies: INFO, so warnings and errors.
 */
final class Verbosity {
    /** Held here because JUL keeps loggers only weakly, and a collected logger forgets its level. */
    private static Logger panatrace;

    private Level chosen;

    /** {@code -v}: panatrace's DEBUG messages too. */
    void verbose() {
        choose(Level.FINE);
    }

    /** {@code -q}: errors only. */
    void quiet() {
        choose(Level.SEVERE);
    }

    private void choose(Level level) {
        if (chosen != null && chosen != level) {
            throw new UsageException("--verbose and --quiet exclude each other");
        }
        chosen = level;
    }

    /** Sets the chosen level, if any; JUL is left alone (and not even loaded) without -v or -q. */
    void apply() {
        if (chosen != null) {
            apply(chosen);
        }
    }

    /**
     * Lets {@code level} and above reach stderr: through the root logger's handlers, and from
     * panatrace's loggers. Other loggers are only ever made quieter, never more verbose: the JDK's own
     * debug messages (e.g. a stack trace at every {@code System.exit}) are not the user's business.
     */
    private static void apply(Level level) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(level);
        }
        if (level.intValue() > root.getLevel().intValue()) {
            root.setLevel(level);
        }
        panatrace = Logger.getLogger("dev.panatrace");
        panatrace.setLevel(level);
    }
}
