package dev.panatrace.ptrace.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A handler hook ran for an intercepted syscall; the event's duration is the hook's. */
@Name("dev.panatrace.Syscall")
@Label("Intercepted Syscall")
@Category("panatrace")
@Description("A trace handler's onSyscallEntry or onSyscallExit ran; the duration is the handler's.")
@Enabled(false)
@StackTrace(false)
final class SyscallEvent extends Event {
    /** Looked up at first use, once Flight Recorder runs: registering an event type needs its metadata. */
    private static final class Type {
        static final EventType INSTANCE = EventType.getEventType(SyscallEvent.class);
    }

    @Label("Syscall")
    String syscall;

    @Label("Tracee Thread Id")
    int tid;

    @Label("Entry")
    @Description("True for onSyscallEntry, false for onSyscallExit")
    boolean entry;

    private SyscallEvent() {}

    private static boolean enabled() {
        return Type.INSTANCE.isEnabled();
    }

    /** {@return a begun event, or null when no recording enables this event type} */
    static SyscallEvent beginIfEnabled() {
        if (!enabled()) {
            return null;
        }
        SyscallEvent event = new SyscallEvent();
        event.begin();
        return event;
    }

    /**
     * Ends and commits {@code event} from {@link #beginIfEnabled()}.
     *
     * @param event the begun event
     * @param syscall the syscall's name
     * @param tid the tracee thread
     * @param entry whether the entry hook ran (else the exit hook)
     */
    static void commit(SyscallEvent event, String syscall, int tid, boolean entry) {
        event.end();
        if (event.shouldCommit()) {
            event.syscall = syscall;
            event.tid = tid;
            event.entry = entry;
            event.commit();
        }
    }
}
