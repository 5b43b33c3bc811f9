package dev.panatrace.ptrace.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The engine spawned a command and now traces it. */
@Name("dev.panatrace.TraceeSpawn")
@Label("Tracee Spawn")
@Category("panatrace")
@Description("A command was spawned under the tracer.")
@Enabled(false)
final class TraceeSpawnEvent extends Event {
    /** Looked up at first use, once Flight Recorder runs: registering an event type needs its metadata. */
    private static final class Type {
        static final EventType INSTANCE = EventType.getEventType(TraceeSpawnEvent.class);
    }

    @Label("Pid")
    int pid;

    @Label("Executable")
    String executable;

    private TraceeSpawnEvent() {}

    private static boolean enabled() {
        return Type.INSTANCE.isEnabled();
    }

    /**
     * Records a spawn when a recording enables this event type.
     *
     * @param pid the new process
     * @param executable the path of the program it runs
     */
    static void record(int pid, String executable) {
        if (!enabled()) {
            return;
        }
        TraceeSpawnEvent event = new TraceeSpawnEvent();
        if (event.shouldCommit()) {
            event.pid = pid;
            event.executable = executable;
            event.commit();
        }
    }
}
