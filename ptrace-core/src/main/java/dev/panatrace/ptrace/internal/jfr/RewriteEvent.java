package dev.panatrace.ptrace.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A handler replaced a string argument of a syscall (Syscall.replaceString). */
@Name("dev.panatrace.Rewrite")
@Label("Syscall Argument Rewrite")
@Category("panatrace")
@Description("A string argument was replaced with one in the tracee's scratch memory.")
@Enabled(false)
@StackTrace(false)
final class RewriteEvent extends Event {
    /** Looked up at first use, once Flight Recorder runs: registering an event type needs its metadata. */
    private static final class Type {
        static final EventType INSTANCE = EventType.getEventType(RewriteEvent.class);
    }

    @Label("Tracee Thread Id")
    int tid;

    @Label("Syscall")
    String syscall;

    @Label("Length")
    @Description("The new string's length, without its NUL")
    @DataAmount(DataAmount.BYTES)
    int length;

    private RewriteEvent() {}

    /** {@return whether a recording enables this event type; check it before computing the fields} */
    static boolean enabled() {
        return Type.INSTANCE.isEnabled();
    }

    /**
     * Records a rewrite; call only when {@link #enabled()}.
     *
     * @param tid the tracee thread
     * @param syscall the syscall's name
     * @param length the new string's length in bytes
     */
    static void record(int tid, String syscall, int length) {
        RewriteEvent event = new RewriteEvent();
        if (event.shouldCommit()) {
            event.tid = tid;
            event.syscall = syscall;
            event.length = length;
            event.commit();
        }
    }
}
