package dev.panatrace.launcher;

import java.io.PrintStream;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

/**
 * Where {@link System.Logger} messages go in the launcher's JVM: standard error, one line each, as
 * {@code k3s-launcher: warning: MESSAGE}, like the launcher's own messages. The libraries log through
 * System.Logger only, and without this provider the JDK backs it with java.util.logging, which printed each
 * message on two lines under a time stamp and a method name, and whose set-up (its configuration, a logger
 * tree, a shutdown hook) ran before {@code main} at every start: {@code run -- true} is 1.5 to 2 ms faster
 * without it (medians of 40 runs interleaved, twice).
 *
 * <p>Messages at INFO and above are shown; {@link Verbosity} sets the bar: {@code -v} lowers it to DEBUG
 * for panatrace's loggers only (not the JDK's, whose debug output, such as a stack trace at every
 * {@code Runtime.exit}, is not the user's business), {@code -q} raises it to ERROR for all.
 */
public final class StderrLoggerFinder extends System.LoggerFinder {
    private static final String PANATRACE = "dev.panatrace";

    private static volatile System.Logger.Level panatraceLevel = System.Logger.Level.INFO;
    private static volatile System.Logger.Level otherLevel = System.Logger.Level.INFO;

    /** Made by the JDK's {@link java.util.ServiceLoader} when the first logger is asked for. */
    public StderrLoggerFinder() {}

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new StderrLogger(name, name.equals(PANATRACE) || name.startsWith(PANATRACE + "."));
    }

    /** The lowest levels shown from now on: for panatrace's loggers, and for the others. */
    static void show(System.Logger.Level panatrace, System.Logger.Level others) {
        panatraceLevel = panatrace;
        otherLevel = others;
    }

    private record StderrLogger(String name, boolean panatrace) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            Level lowest = panatrace ? panatraceLevel : otherLevel;
            return level != Level.OFF && level.getSeverity() >= lowest.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            if (isLoggable(level)) {
                print(level, localized(bundle, message), thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                print(level, format(localized(bundle, format), params), null);
            }
        }

        /**
         * {@link MessageFormat}, as java.util.logging formats, but with numbers as plain digits: a pid is
         * {@code 21138}, not {@code 21,138}.
         */
        private static String format(String format, Object... params) {
            if (params == null || params.length == 0 || format == null) {
                return format;
            }
            Object[] shown = params.clone();
            for (int i = 0; i < shown.length; i++) {
                if (shown[i] instanceof Number number) {
                    shown[i] = number.toString();
                }
            }
            return MessageFormat.format(format, shown);
        }

        private static String localized(ResourceBundle bundle, String message) {
            boolean translated = bundle != null && message != null && bundle.containsKey(message);
            return translated ? bundle.getString(message) : message;
        }

        private static void print(Level level, String message, Throwable thrown) {
            // Looked up at each message: tests replace System.err.
            PrintStream err = System.err;
            // One println: PrintStream locks around it, so lines of two threads do not interleave.
            err.println(Main.NAME + ": " + level.getName().toLowerCase(Locale.ROOT) + ": " + message);
            if (thrown != null) {
                thrown.printStackTrace(err);
            }
        }
    }
}
