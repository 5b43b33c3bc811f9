package dev.panatrace.launcher;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code -v/--verbose} and {@code -q/--quiet} options. The libraries log through
 * {@link System.Logger} only; in this JVM that is backed by java.util.logging, so the launcher sets the
 * level of JUL's root logger and of its console handler, which has a level of its own. Without
 * either option JUL's default applies: INFO, so warnings and errors.
 */
final class Verbosity {
    /** Held here because JUL keeps loggers only weakly, and a collected logger forgets its level. */
    private static final Logger PANATRACE = Logger.getLogger("dev.panatrace");

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    private Level chosen;

    @Option(names = {"-v", "--verbose"},
            description = "Also log what the launcher and the engine decide (System.Logger DEBUG).")
    void verbose(boolean on) {
        choose(on, Level.FINE);
    }

    @Option(names = {"-q", "--quiet"}, description = "Log errors only, no warnings.")
    void quiet(boolean on) {
        choose(on, Level.SEVERE);
    }

    private void choose(boolean on, Level level) {
        if (!on) {
            return;
        }
        if (chosen != null && chosen != level) {
            throw new ParameterException(command.commandLine(), "--verbose and --quiet exclude each other");
        }
        chosen = level;
        apply(level);
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
        PANATRACE.setLevel(level);
    }
}
