package dev.panatrace.terminal;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * One line of progress at the bottom of a terminal, redrawn in place while a program waits (a node waiting
 * to restart, a benchmark run). On a terminal, {@link #show} writes a carriage return, the text and an
 * erase-to-end-of-line ({@code ESC [ K}), so each update replaces the one before; {@link #println} erases
 * the status, writes its line and draws the status again below it; {@link #clear} erases it. Anywhere else
 * (a file or a pipe: logs, CI, tests) {@code show} and {@code clear} write nothing and {@code println}
 * writes just its line, so a log gets exactly the lines it got without progress.
 *
 * <p>A status line knows only what is written through it: another process writing to the same terminal
 * meanwhile (a child that inherited it) lands after the status text. Show a status only while nothing
 * else writes there.
 *
 * <p>Every method holds the output's monitor while it writes, so code that writes to the output directly
 * under {@code synchronized (out)} does not interleave with a redraw.
 */
public final class StatusLine implements AutoCloseable {
    /** The environment variable that switches progress off when set to {@code 0}. */
    public static final String SWITCH = "PANATRACE_PROGRESS";
    /** Back to the start of the line, and erase it. */
    private static final String ERASE = "\r\033[K";
    private static final int DEFAULT_COLUMNS = 80;

    private final Appendable out;
    private final Flushable flushable;
    private final boolean terminal;
    private final int columns;
    /** The status on the screen, or empty. */
    private String shown = "";

    /**
     * A status line on {@code out}, as wide as {@code $COLUMNS} when that is exported, else 80 columns.
     *
     * @param <T> a {@link java.io.PrintStream} or a {@link java.io.PrintWriter}, for example
     * @param out where lines and the status go
     * @param terminal whether {@code out} is a terminal and progress is wanted there (see
     *     {@link #progressOnStandardError()}); false makes this a plain line printer
     */
    public <T extends Appendable & Flushable> StatusLine(T out, boolean terminal) {
        this(out, out, terminal, columns(System.getenv()));
    }

    StatusLine(Appendable out, Flushable flushable, boolean terminal, int columns) {
        this.out = out;
        this.flushable = flushable;
        this.terminal = terminal;
        this.columns = columns;
    }

    /**
     * A status line on {@code err}, which must write to this process's standard error, drawn only if
     * {@link #progressOnStandardError()}.
     *
     * @param <T> a {@link java.io.PrintStream} or a {@link java.io.PrintWriter}, for example
     * @param err {@link System#err}, or a writer on it
     * @return the status line
     */
    public static <T extends Appendable & Flushable> StatusLine onStandardError(T err) {
        return new StatusLine(err, progressOnStandardError());
    }

    /**
     * Whether progress belongs on this process's standard error: it is a terminal, {@code TERM} is not
     * {@code dumb}, and {@code PANATRACE_PROGRESS} is not {@code 0}. Standard error is a terminal when file
     * descriptor 2 leads to {@code /dev/pts/N}, {@code /dev/tty*} or {@code /dev/console}
     * ({@code /proc/self/fd/2}); a file, a pipe or a socket is not.
     *
     * @return whether a status line on standard error should draw
     */
    public static boolean progressOnStandardError() {
        return progressWanted(System.getenv(), standardErrorDevice());
    }

    static boolean progressWanted(Map<String, String> env, Optional<String> standardError) {
        return !"0".equals(env.get(SWITCH)) && !"dumb".equals(env.get("TERM"))
                && standardError.filter(StatusLine::isTerminalDevice).isPresent();
    }

    /** What file descriptor 2 leads to, as /proc shows it: a path, or {@code pipe:[N]}, {@code socket:[N]}... */
    static Optional<String> standardErrorDevice() {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Whether a file descriptor's target, as /proc/self/fd shows it, is a terminal device. */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }

    /** {@code $COLUMNS} when it is exported as a positive number, else 80. */
    static int columns(Map<String, String> env) {
        try {
            int columns = Integer.parseInt(env.getOrDefault("COLUMNS", ""));
            return columns > 0 ? columns : DEFAULT_COLUMNS;
        } catch (NumberFormatException e) {
            return DEFAULT_COLUMNS;
        }
    }

    /**
     * Whether this status line draws: whether {@code out} is a terminal where progress is wanted.
     *
     * @return the {@code terminal} it was made with
     */
    public boolean onTerminal() {
        return terminal;
    }

    /**
     * On a terminal, replaces the status with {@code text} (one line, cut to fit the width); elsewhere
     * does nothing.
     *
     * @param text the new status; empty clears it
     */
    public void show(String text) {
        if (!terminal) {
            return;
        }
        String fitted = fit(text);
        if (fitted.isEmpty()) {
            clear();
            return;
        }
        synchronized (out) {
            if (!fitted.equals(shown)) {
                write("\r" + fitted + "\033[K");
                shown = fitted;
            }
        }
    }

    /**
     * Writes {@code line} and a line separator, above the status when one is shown.
     *
     * @param line a line of output, without its line separator
     */
    public void println(String line) {
        synchronized (out) {
            write(shown.isEmpty() ? line + System.lineSeparator() : ERASE + line + System.lineSeparator() + shown);
        }
    }

    /** Erases the status, if one is shown, leaving the cursor at the start of the empty line. */
    public void clear() {
        if (!terminal) {
            return;
        }
        synchronized (out) {
            if (!shown.isEmpty()) {
                write(ERASE);
                shown = "";
            }
        }
    }

    /** Erases the status, if one is shown. */
    @Override
    public void close() {
        clear();
    }

    /** One line no wider than the terminal less one column, so the terminal never wraps it. */
    private String fit(String text) {
        StringBuilder line = new StringBuilder(text.length());
        text.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c).forEach(line::appendCodePoint);
        int room = Math.max(1, columns - 1);
        return line.codePointCount(0, line.length()) <= room ? line.toString()
                : line.substring(0, line.offsetByCodePoints(0, room));
    }

    private void write(String text) {
        try {
            out.append(text);
            flushable.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
