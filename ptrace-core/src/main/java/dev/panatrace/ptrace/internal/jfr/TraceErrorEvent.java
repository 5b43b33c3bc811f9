package dev.panatrace.ptrace.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A handler hook threw, or the engine itself failed. */
@Name("dev.panatrace.TraceError")
@Label("Trace Error")
@Category("panatrace")
@Description("A handler hook threw (the event then proceeded as by default), or the trace engine failed.")
@Enabled(false)
final class TraceErrorEvent extends Event {
    /** Looked up at first use, once Flight Recorder runs: registering an event type needs its metadata. */
    private static final class Type {
        static final EventType INSTANCE = EventType.getEventType(TraceErrorEvent.class);
    }

    @Label("Source")
    @Description("The hook that threw, e.g. \"onSyscallEntry\", or \"engine\"")
    String source;

    @Label("Syscall")
    @Description("The syscall being handled, or empty")
    String syscall;

    @Label("Exception")
    String exception;

    @Label("Message")
    String message;

    private TraceErrorEvent() {}

    private static boolean enabled() {
        return Type.INSTANCE.isEnabled();
    }

    /**
     * Records a failure when a recording enables this event type. Every failure is recorded, also
     * those the engine logs only once.
     *
     * @param source the hook that threw, or {@code "engine"}
     * @param syscall the syscall being handled, or empty
     * @param error what was thrown
     */
    static void record(String source, String syscall, Throwable error) {
        if (!enabled()) {
            return;
        }
        TraceErrorEvent event = new TraceErrorEvent();
        if (event.shouldCommit()) {
            event.source = source;
            event.syscall = syscall;
            event.exception = error.getClass().getName();
            event.message = error.getMessage();
            event.commit();
        }
    }
}
