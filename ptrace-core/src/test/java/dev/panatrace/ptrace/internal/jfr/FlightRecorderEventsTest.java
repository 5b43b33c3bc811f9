package dev.panatrace.ptrace.internal.jfr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class FlightRecorderEventsTest {
    private static final String GUEST = "/panatrace-jfr-guest";

    /** Redirects opens of {@link #GUEST} to a host file, and throws at every mkdir. */
    private static final class RedirectAndFail implements TraceHandler {
        private final byte[] host;

        RedirectAndFail(Path host) {
            this.host = host.toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public SyscallSet syscalls() {
            return SyscallSet.of("openat", "mkdir", "mkdirat");
        }

        @Override
        public boolean usesScratchMemory() {
            return true;
        }

        @Override
        public EntryAction onSyscallEntry(Syscall call) {
            if (call.name().startsWith("mkdir")) {
                throw new IllegalStateException("refusing " + call.name());
            }
            if (Arrays.equals(call.readString(1), GUEST.getBytes(StandardCharsets.UTF_8))) {
                call.replaceString(1, host);
            }
            return EntryAction.CONTINUE;
        }
    }

    @Test
    void aRecordingWithTheEventsEnabledHoldsThemWithTheirFields(@TempDir Path dir) throws Exception {
        Tracees.assumePtraceAllowed();
        Path host = Files.writeString(dir.resolve("host-file"), "from the host\n");
        Path created = dir.resolve("created");
        String busybox = Tracees.busybox().toString();
        List<String> command = List.of(busybox, "sh", "-c",
                busybox + " cat " + GUEST + " > " + dir.resolve("cat.out") + "; " + busybox + " mkdir " + created
                        + "; exit 3");
        Path dump = dir.resolve("trace.jfr");
        int pid;
        try (Recording recording = new Recording()) {
            for (String name : List.of("Syscall", "Rewrite", "TraceeSpawn", "TraceeExit", "TraceError")) {
                recording.enable("dev.panatrace." + name);
            }
            recording.start();
            try (TraceSession trace = Tracer.builder().handler(new RedirectAndFail(host)).spawn(command)) {
                pid = trace.pid();
                assertEquals(ExitStatus.exited(3), trace.waitFor().orElseThrow());
            }
            recording.stop();
            recording.dump(dump);
        }
        assertEquals("from the host\n", Files.readString(dir.resolve("cat.out")));
        assertTrue(Files.isDirectory(created), "a throwing handler lets the syscall run");

        List<RecordedEvent> events = RecordingFile.readAllEvents(dump);
        RecordedEvent spawn = only(events, "dev.panatrace.TraceeSpawn", e -> true);
        assertEquals(pid, spawn.getInt("pid"));
        assertEquals(busybox, spawn.getString("executable"));

        RecordedEvent exit = only(events, "dev.panatrace.TraceeExit", e -> e.getInt("pid") == pid);
        assertEquals(3, exit.getInt("status"));
        assertEquals("exit 3", exit.getString("description"));

        RecordedEvent rewrite = only(events, "dev.panatrace.Rewrite", e -> true);
        assertEquals("openat", rewrite.getString("syscall"));
        assertEquals(host.toString().length(), rewrite.getInt("length"));
        int catTid = rewrite.getInt("tid");
        assertTrue(catTid != pid, "cat runs in a child of the shell");

        List<RecordedEvent> syscalls = named(events, "dev.panatrace.Syscall");
        assertTrue(syscalls.stream().anyMatch(e -> e.getInt("tid") == catTid && e.getString("syscall").equals("openat")
                && e.getBoolean("entry")), syscalls.toString());
        assertTrue(syscalls.stream().allMatch(e -> List.of("openat", "mkdir", "mkdirat").contains(e.getString("syscall"))
                && !e.getDuration().isNegative()), syscalls.toString());

        RecordedEvent error = only(events, "dev.panatrace.TraceError", e -> true);
        assertEquals("onSyscallEntry", error.getString("source"));
        assertTrue(error.getString("syscall").startsWith("mkdir"), error.toString());
        assertEquals(IllegalStateException.class.getName(), error.getString("exception"));
        assertEquals("refusing " + error.getString("syscall"), error.getString("message"));
    }

    @Test
    void theEventsAreOffInTheJdksDefaultSettings(@TempDir Path dir) throws Exception {
        Tracees.assumePtraceAllowed();
        Path dump = dir.resolve("default.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.start();
            try (TraceSession trace = Tracer.builder().handler(new RedirectAndFail(dir))
                    .spawn(List.of(Tracees.busybox().toString(), "cat", "/dev/null"))) {
                assertEquals(ExitStatus.exited(0), trace.waitFor().orElseThrow());
            }
            recording.stop();
            recording.dump(dump);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(dump);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().startsWith("jdk.")),
                "the recording holds the JDK's events");
        assertTrue(events.stream().noneMatch(e -> e.getEventType().getName().startsWith("dev.panatrace.")));
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    private static RecordedEvent only(List<RecordedEvent> events, String name, Predicate<RecordedEvent> filter) {
        List<RecordedEvent> matching = named(events, name).stream().filter(filter).toList();
        assertEquals(1, matching.size(), name + ": " + matching);
        return matching.getFirst();
    }
}
