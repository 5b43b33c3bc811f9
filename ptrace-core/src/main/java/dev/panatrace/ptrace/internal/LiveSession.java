package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.MemoryAccess;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.TraceFailedException;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.TraceStats;
import dev.panatrace.ptrace.internal.ffm.LibC;

import java.time.Duration;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link TraceSession} that other threads hold: the trace's outcome, and requests (kill, signal,
 * detach) handed to the tracer thread, which does them between stops. Only the tracer thread reaps
 * tracees, so only it knows that a pid it signals is still a tracee's and not a stranger's that reused it.
 */
final class LiveSession implements TraceSession {
    /** The signal that wakes the tracer from waitpid when another thread posts a request. */
    static final int WAKE_SIGNAL = Signals.SIGURG;
    /** The last real-time signal. */
    private static final int HIGHEST_SIGNAL = 64;

    /** Something another thread asks the tracer thread to do. */
    sealed interface Request {
        record Kill() implements Request {}

        record Signal(int signal) implements Request {}

        record Detach() implements Request {}

        /** From the engine's placement watchdog: the tracees compete for the CPU they are pinned to. */
        record Unpin() implements Request {}
    }

    private final TraceLoop loop;
    final CompletableFuture<Integer> started = new CompletableFuture<>();
    final CompletableFuture<Optional<ExitStatus>> finished = new CompletableFuture<>();
    /** The followed threads, for a wake-up signal. */
    final Set<Integer> liveTids = ConcurrentHashMap.newKeySet();
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    volatile Thread tracerThread;

    LiveSession(TraceLoop loop) {
        this.loop = loop;
    }

    /** The next request, on the tracer thread; null when none. */
    Request nextRequest() {
        return requests.poll();
    }

    @Override
    public int pid() {
        return loop.rootPid();
    }

    @Override
    public Optional<ExitStatus> waitFor() throws InterruptedException {
        try {
            return finished.get();
        } catch (ExecutionException e) {
            throw new TraceFailedException("the trace failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        try {
            return finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new TraceFailedException("the trace failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public boolean isDone() {
        return finished.isDone();
    }

    @Override
    public void kill() {
        request(new Request.Kill());
    }

    @Override
    public void signal(int signal) {
        if (signal < 1 || signal > HIGHEST_SIGNAL) {
            throw new ErrnoException(Errno.EINVAL, "kill(" + signal + ")", loop.rootPid());
        }
        request(new Request.Signal(signal));
    }

    @Override
    public void detach() {
        if (!loop.attached() && loop.mode() == TraceMode.SECCOMP) {
            throw new IllegalStateException("pid " + loop.rootPid() + " was spawned with a seccomp filter, which the "
                    + "kernel keeps: untraced, the syscalls it stops would fail with ENOSYS; spawn with "
                    + "TraceMode.SYSCALL to detach later");
        }
        request(new Request.Detach());
    }

    /** A request from one of the engine's own threads. */
    void requestFromEngine(Request request) {
        request(request);
    }

    private void request(Request request) {
        if (finished.isDone()) {
            return;
        }
        requests.add(request);
        if (Thread.currentThread() == tracerThread) {
            return; // a handler's request: done when the current stop is
        }
        // Wake the tracer from waitpid: a signal to one of our threads produces a stop it recognizes and
        // swallows. The thread may have ended meanwhile; tgkill names its process too, so a stranger is
        // hit only if both its pid and tid were reused, and SIGURG is ignored by default anyway.
        for (int tid : liveTids) {
            if (LibC.tgkill(ProcStatus.tgidOf(tid), tid, WAKE_SIGNAL) == 0) {
                return;
            }
        }
    }

    @Override
    public TraceMode mode() {
        return loop.mode();
    }

    @Override
    public MemoryAccess memoryReads() {
        return loop.memoryAccess(true);
    }

    @Override
    public MemoryAccess memoryWrites() {
        return loop.memoryAccess(false);
    }

    @Override
    public TraceStats stats() {
        return loop.stats();
    }

    /** Kills what is still traced and waits for the end; an interrupt is kept for later, as in ExecutorService. */
    @Override
    public void close() {
        kill();
        boolean interrupted = false;
        while (true) {
            try {
                finished.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                // Already reported to whoever waited.
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
