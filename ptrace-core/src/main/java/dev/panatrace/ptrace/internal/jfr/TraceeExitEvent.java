package dev.panatrace.ptrace.internal.jfr;

import dev.panatrace.ptrace.ExitStatus;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A traced process ended: its thread-group leader's end was reported. */
@Name("dev.panatrace.TraceeExit")
@Label("Tracee Exit")
@Category("panatrace")
@Description("A traced process ended.")
@Enabled(false)
@StackTrace(false)
final class TraceeExitEvent extends Event {
    /** Looked up at first use, once Flight Recorder runs: registering an event type needs its metadata. */
    private static final class Type {
        static final EventType INSTANCE = EventType.getEventType(TraceeExitEvent.class);
    }

    @Label("Pid")
    int pid;

    @Label("Status")
    @Description("As a shell reports it: the exit code, or 128 + the killing signal")
    int status;

    @Label("Description")
    @Description("For example \"exit 0\" or \"killed by SIGKILL\"")
    String description;

    private TraceeExitEvent() {}

    private static boolean enabled() {
        return Type.INSTANCE.isEnabled();
    }

    /**
     * Records an exit when a recording enables this event type.
     *
     * @param pid the process that ended
     * @param status how it ended
     */
    static void record(int pid, ExitStatus status) {
        if (!enabled()) {
            return;
        }
        TraceeExitEvent event = new TraceeExitEvent();
        if (event.shouldCommit()) {
            event.pid = pid;
            event.status = status.shellStatus();
            event.description = status.toString();
            event.commit();
        }
    }
}
