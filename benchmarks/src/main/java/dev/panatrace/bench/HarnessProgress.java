package dev.panatrace.bench;

import dev.panatrace.terminal.StatusLine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Where the macro harness stands, on a terminal: a status line, redrawn every second, such as
 * <pre>bench: [37/130, 6m 10s] W2 engine-syscall run 3/5: 18s; W2 ~4m 10s left</pre>
 * that is, runs begun of those planned and how long the harness has run, what runs now and for how long,
 * and, once every tool has run the workload once, an estimate of what the workload's remaining runs take
 * at their tools' last times (later workloads are not estimated: their times are not known). The
 * harness' lines go above it. Runs write to files, so nothing else writes to the terminal meanwhile.
 * Elsewhere than a terminal only the lines are written, and no thread is started.
 */
final class HarnessProgress implements AutoCloseable {
    private static final Duration REDRAW = Duration.ofSeconds(1);

    private final StatusLine status;
    private final LongSupplier clock;
    private final long started;
    private ScheduledExecutorService ticker;
    private int planned;
    private int begun;
    private String running;
    private String workload;
    private long runStarted;
    private Optional<Duration> thisRun = Optional.empty();
    private Optional<Duration> afterThisRun = Optional.empty();

    /**
     * @param status where the lines and the status go
     * @param clock nanoseconds, as {@link System#nanoTime}
     */
    HarnessProgress(StatusLine status, LongSupplier clock) {
        this.status = status;
        this.clock = clock;
        this.started = clock.getAsLong();
    }

    /** Plans {@code runs} more runs, or, negative, drops runs that will not happen after all. */
    synchronized void plan(int runs) {
        planned += runs;
    }

    /**
     * A run begins.
     *
     * @param what the workload, the tool and which run, e.g. {@code W2 engine-syscall run 3/5}
     * @param workload the workload's name
     * @param thisRun how long this run may take: the tool's last time on the workload, if it has one
     * @param afterThisRun how long the workload's runs after this one may take, if every tool has a time
     */
    void begin(String what, String workload, Optional<Duration> thisRun, Optional<Duration> afterThisRun) {
        synchronized (this) {
            begun++;
            running = what;
            this.workload = workload;
            runStarted = clock.getAsLong();
            this.thisRun = thisRun;
            this.afterThisRun = afterThisRun;
            if (ticker == null && status.onTerminal()) {
                ticker = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().name("bench-progress").factory());
                ticker.scheduleAtFixedRate(this::redraw, REDRAW.toMillis(), REDRAW.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        redraw();
    }

    /** Writes a line above the status. */
    void println(String line) {
        status.println(line);
    }

    /** The status now, or empty before the first run. */
    synchronized String line() {
        if (running == null) {
            return "";
        }
        long now = clock.getAsLong();
        Duration inRun = Duration.ofNanos(now - runStarted);
        StringBuilder line = new StringBuilder("bench: [").append(begun).append('/').append(planned).append(", ")
                .append(format(Duration.ofNanos(now - started))).append("] ").append(running).append(": ")
                .append(format(inRun));
        if (thisRun.isPresent() && afterThisRun.isPresent()) {
            Duration rest = thisRun.get().minus(inRun);
            Duration left = afterThisRun.get().plus(rest.isNegative() ? Duration.ZERO : rest);
            line.append("; ").append(workload).append(" ~").append(format(left)).append(" left");
        }
        return line.toString();
    }

    private void redraw() {
        status.show(line());
    }

    /** Whole seconds, with minutes from one minute on. */
    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds < 60 ? seconds + "s" : seconds / 60 + "m " + seconds % 60 + "s";
    }

    /** Stops redrawing and erases the status. */
    @Override
    public void close() {
        ScheduledExecutorService ticker;
        synchronized (this) {
            ticker = this.ticker;
        }
        if (ticker != null) {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        status.clear();
    }
}
