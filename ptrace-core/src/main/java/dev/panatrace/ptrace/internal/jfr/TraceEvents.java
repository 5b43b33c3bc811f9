package dev.panatrace.ptrace.internal.jfr;

import dev.panatrace.ptrace.ExitStatus;
import jdk.jfr.FlightRecorder;

/**
 * The engine's only way to its Flight Recorder events. Until Flight Recorder is initialized (a
 * {@code Recording} was created, or the JVM started one) every method reads one flag and returns: no
 * event class is loaded, since initializing the first one costs about 100 ms, and nothing is allocated.
 */
public final class TraceEvents {
    private TraceEvents() {}

    /** {@return a begun syscall event to pass to {@link #endSyscall}, or null when none is recorded} */
    public static Object beginSyscall() {
        return FlightRecorder.isInitialized() ? SyscallEvent.beginIfEnabled() : null;
    }

    /**
     * Ends and commits a syscall event.
     *
     * @param event a non-null result of {@link #beginSyscall()}
     * @param syscall the syscall's name
     * @param tid the tracee thread
     * @param entry whether the entry hook ran (else the exit hook)
     */
    public static void endSyscall(Object event, String syscall, int tid, boolean entry) {
        SyscallEvent.commit((SyscallEvent) event, syscall, tid, entry);
    }

    /** {@return whether rewrites are recorded; check it before computing {@link #rewrite}'s arguments} */
    public static boolean recordsRewrites() {
        return FlightRecorder.isInitialized() && RewriteEvent.enabled();
    }

    /**
     * Records a replaced string argument; call only when {@link #recordsRewrites()}.
     *
     * @param tid the tracee thread
     * @param syscall the syscall's name
     * @param length the new string's length in bytes
     */
    public static void rewrite(int tid, String syscall, int length) {
        RewriteEvent.record(tid, syscall, length);
    }

    /**
     * Records a spawned command.
     *
     * @param pid the new process
     * @param executable the path of the program it runs
     */
    public static void spawn(int pid, String executable) {
        if (FlightRecorder.isInitialized()) {
            TraceeSpawnEvent.record(pid, executable);
        }
    }

    /**
     * Records the end of a traced process.
     *
     * @param pid the process that ended
     * @param status how it ended
     */
    public static void exit(int pid, ExitStatus status) {
        if (FlightRecorder.isInitialized()) {
            TraceeExitEvent.record(pid, status);
        }
    }

    /**
     * Records a handler or engine failure.
     *
     * @param source the hook that threw, or {@code "engine"}
     * @param syscall the syscall being handled, or empty
     * @param error what was thrown
     */
    public static void error(String source, String syscall, Throwable error) {
        if (FlightRecorder.isInitialized()) {
            TraceErrorEvent.record(source, syscall, error);
        }
    }
}
