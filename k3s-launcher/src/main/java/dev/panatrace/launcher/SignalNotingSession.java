package dev.panatrace.launcher;

import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.MemoryAccess;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.TraceStats;
import java.time.Duration;
import java.util.Optional;

/**
 * A trace as {@link SignalForwarder} sees it: each signal forwarded to the command is also noted, so
 * that the launcher knows the user asked the command to end (and need not wait for, or restart, what
 * it leaves behind).
 */
final class SignalNotingSession implements TraceSession {
    private final TraceSession session;
    private final Runnable onSignal;
    private volatile boolean signalled;

    /**
     * @param session the trace
     * @param onSignal run before each forwarded signal is sent
     */
    SignalNotingSession(TraceSession session, Runnable onSignal) {
        this.session = session;
        this.onSignal = onSignal;
    }

    /** Whether a signal was forwarded. */
    boolean signalled() {
        return signalled;
    }

    @Override
    public void signal(int signal) {
        signalled = true;
        onSignal.run();
        if (!session.isDone()) {
            session.signal(signal);
        }
    }

    @Override
    public int pid() {
        return session.pid();
    }

    @Override
    public Optional<ExitStatus> waitFor() throws InterruptedException {
        return session.waitFor();
    }

    @Override
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        return session.waitFor(timeout);
    }

    @Override
    public boolean isDone() {
        return session.isDone();
    }

    @Override
    public void kill() {
        session.kill();
    }

    @Override
    public void detach() {
        session.detach();
    }

    @Override
    public TraceMode mode() {
        return session.mode();
    }

    @Override
    public MemoryAccess memoryReads() {
        return session.memoryReads();
    }

    @Override
    public MemoryAccess memoryWrites() {
        return session.memoryWrites();
    }

    @Override
    public TraceStats stats() {
        return session.stats();
    }

    @Override
    public void close() {
        session.close();
    }
}
