package dev.panatrace.ptrace;

import java.time.Duration;
import java.util.Optional;

/**
 * A running trace: the handle that {@link Tracer.Builder#spawn} and {@link Tracer.Builder#attach} return. Its methods
 * may be called from any thread.
 */
public interface TraceSession extends AutoCloseable {
    /** {@return the pid of the traced process (the spawned command, or the attached process)} */
    int pid();

    /**
     * Waits until every followed thread has ended or been detached.
     *
     * @return how the traced process ended; for a detached process, empty
     * @throws TraceFailedException if the engine itself failed; the trace is over then: a spawned program
     *     is killed with it, an attached one is left running untraced
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    Optional<ExitStatus> waitFor() throws InterruptedException;

    /**
     * As {@link #waitFor()}, giving up after {@code timeout}.
     *
     * @return how the traced process ended; empty when detached or still running after {@code timeout}
     *     ({@link #isDone()} tells which; once it is true, {@link #waitFor()} answers at once)
     *
     * @param timeout how long to wait at most
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException;

    /** {@return whether the trace has ended} */
    boolean isDone();

    /**
     * Sends SIGKILL to every traced process. Like {@link #signal} and {@link #detach}, this returns at once:
     * the tracer thread sends the signal at its next stop (within a stop's handling time, or the injection
     * timeout while a syscall is injected), to processes it has not yet reaped, so a pid that ended and
     * was reused by an unrelated process is never signalled.
     */
    void kill();

    /**
     * Sends {@code signal} to the traced process (the first one), as kill(2) would, from the tracer thread
     * as {@link #kill} does; nothing once it has ended.
     *
     * @param signal the signal number
     * @throws ErrnoException with EINVAL if there is no such signal
     */
    void signal(int signal);

    /**
     * Detaches from every thread, leaving the processes running untraced; {@link #waitFor()} then returns
     * empty. For attached processes, and for spawned ones traced in {@link TraceMode#SYSCALL} mode.
     *
     * @throws IllegalStateException for a program spawned in {@link TraceMode#SECCOMP} mode: its seccomp
     *     filter cannot be removed, and without a tracer every syscall it stops would fail with ENOSYS;
     *     the trace goes on unchanged
     */
    void detach();

    /**
     * How syscalls are stopped: the mode asked for, or {@link TraceMode#SYSCALL} where no seccomp filter
     * could be installed (the engine then logs one warning saying why).
     *
     * @return the mode in effect
     */
    TraceMode mode();

    /**
     * {@return how the engine reads tracee memory: the way it started with, or where the kernel refused
     * that one, the way it moved to} See {@link MemoryAccess}.
     */
    MemoryAccess memoryReads();

    /** {@return how the engine writes tracee memory, as {@link #memoryReads()} for writes} */
    MemoryAccess memoryWrites();

    /** {@return counters so far} */
    TraceStats stats();

    /**
     * Kills what is still traced and waits for the trace to end. Like {@code ExecutorService.close()}, it
     * does not throw {@link InterruptedException} (which try-with-resources would hide behind the block's own
     * exception): interrupted while waiting, it still waits for the end, which the kill makes prompt, and
     * returns with the thread's interrupt status set.
     */
    @Override
    void close();
}
