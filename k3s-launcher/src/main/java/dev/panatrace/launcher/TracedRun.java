package dev.panatrace.launcher;

import dev.panatrace.ptrace.CommandNotExecutableException;
import dev.panatrace.ptrace.CommandNotFoundException;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.TraceFailedException;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.TraceStats;
import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One command run under the engine the way every launcher subcommand runs it: SIGINT, SIGTERM and SIGHUP
 * go to the command, a JVM shutdown kills it, and how it ended becomes the launcher's exit status.
 *
 * <p>The launcher waits for every traced process, not just the command. Once the command has ended
 * after a forwarded signal, though, what it left running (a daemon's detached children, such as
 * containerd's shims) gets {@link #LEFTOVER_GRACE} to end and is then killed: those processes cannot
 * outlive their tracer anyway, and a signalled launcher must end.
 */
final class TracedRun {
    private static final System.Logger LOG = System.getLogger(TracedRun.class.getPackageName());
    /** How long processes left behind by a signalled command may take to end on their own. */
    static final Duration LEFTOVER_GRACE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    private TracedRun() {}

    /** How a run ended, for the subcommand to report. */
    sealed interface Outcome {
        /** The launcher's exit status for it. */
        int exitCode();
    }

    /**
     * The command ran to its end.
     *
     * @param status how it ended
     * @param stats the engine's counters at the end
     */
    record Ended(ExitStatus status, TraceStats stats) implements Outcome {
        /** The command's exit status, or 128 + the signal that killed it. */
        @Override
        public int exitCode() {
            return status.shellStatus();
        }
    }

    /**
     * The command could not be run or traced to its end; the reason is already on standard error.
     *
     * @param exitCode {@link ExitCodes#COMMAND_NOT_FOUND}, {@link ExitCodes#COMMAND_NOT_EXECUTABLE} or
     *     {@link ExitCodes#LAUNCHER_FAILED}
     */
    record Failed(int exitCode) implements Outcome {}

    /**
     * Spawns {@code command} with {@code tracer} and waits for it to end.
     *
     * @param tracer the configured trace, handler and mode included
     * @param command the command and its arguments, searched in PATH
     * @param err where to report failures, prefixed {@code k3s-launcher: }
     */
    static Outcome run(Tracer.Builder tracer, List<String> command, PrintWriter err) throws InterruptedException {
        // Taken over before the spawn, so that no signal in between ends the JVM, and kept until the
        // end, so that the launcher always reports how the command ended.
        try (SignalForwarder forwarder = SignalForwarder.install()) {
            TraceSession session;
            try {
                session = tracer.spawn(command);
            } catch (TraceFailedException e) {
                return startFailure(e, command, err);
            }
            LOG.log(Level.DEBUG, "tracing {0} as pid {1}", command, session.pid());
            // The signal handlers keep SIGINT/SIGTERM/SIGHUP from ending the JVM, but anything else
            // that does (System.exit elsewhere, -Xrs) must not leave the command running.
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("k3s-launcher-kill-tracee").unstarted(() -> {
                if (!session.isDone()) {
                    session.kill();
                }
            }));
            SignalNotingSession signalled = new SignalNotingSession(session, () -> { });
            forwarder.forwardTo(signalled);
            ExitStatus status;
            try (session) {
                status = awaitEnd(signalled, command.getFirst(), message -> {
                    err.println("k3s-launcher: " + message);
                    err.flush();
                }).orElseThrow(() -> new IllegalStateException(
                        "the spawned command was detached from its trace"));
            } catch (TraceFailedException e) {
                err.println("k3s-launcher: " + e.getMessage());
                LOG.log(Level.DEBUG, "trace failed", e);
                return new Failed(ExitCodes.LAUNCHER_FAILED);
            }
            LOG.log(Level.DEBUG, "{0} ended: {1}; {2}", command, status, session.stats());
            return new Ended(status, session.stats());
        }
    }

    /**
     * Waits for the trace to end, killing what a signalled command left behind once it has had
     * {@link #LEFTOVER_GRACE} to end.
     *
     * @param say how to tell the user that leftovers are killed
     */
    static Optional<ExitStatus> awaitEnd(SignalNotingSession session, String command, Consumer<String> say)
            throws InterruptedException {
        Instant killAt = null;
        while (true) {
            session.waitFor(POLL);
            if (session.isDone()) {
                // Empty from a timed wait means either; asked again, a finished trace answers at once.
                return session.waitFor();
            }
            if (killAt == null && session.signalled() && !isRunning(session.pid())) {
                killAt = Instant.now().plus(LEFTOVER_GRACE);
            } else if (killAt != null && Instant.now().isAfter(killAt)) {
                say.accept(command + " ended; killing the traced processes it left behind");
                session.kill();
                return session.waitFor();
            }
        }
    }

    /** Whether {@code pid} exists and has not yet exited (a zombie has). */
    private static boolean isRunning(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            // The state follows the parenthesized command name, which may itself contain ')'.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            // Unreadable: assume it still runs, which keeps the launcher waiting as it always did.
            return true;
        }
    }

    /** The engine could not start the command: say whether it does not exist or could not be traced. */
    private static Failed startFailure(TraceFailedException failure, List<String> command, PrintWriter err) {
        if (failure instanceof CommandNotFoundException) {
            err.println("k3s-launcher: " + failure.getMessage());
            return new Failed(ExitCodes.COMMAND_NOT_FOUND);
        }
        if (failure instanceof CommandNotExecutableException) {
            err.println("k3s-launcher: " + failure.getMessage());
            return new Failed(ExitCodes.COMMAND_NOT_EXECUTABLE);
        }
        err.println("k3s-launcher: cannot trace " + command.getFirst() + ": " + failure.getMessage());
        LOG.log(Level.DEBUG, "spawning " + command + " failed", failure);
        return new Failed(ExitCodes.LAUNCHER_FAILED);
    }
}
