package dev.panatrace.ptrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What /proc says about a process, for tests and the soak that check what a trace left behind. */
public final class ProcessTable {
    private ProcessTable() {}

    /** The process whose thread traces {@code pid}, if one does. */
    public static Optional<Long> tracerProcess(long pid) throws IOException {
        long tracerThread = Long.parseLong(statusField(pid, "TracerPid"));
        return tracerThread == 0 ? Optional.empty() : Optional.of(Long.parseLong(statusField(tracerThread, "Tgid")));
    }

    /** A field of {@code /proc/PID/status}, e.g. {@code TracerPid}. */
    public static String statusField(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).strip())
                .findFirst()
                .orElseThrow(() -> new AssertionError("/proc/" + pid + "/status has no " + field));
    }

    /** The command line of {@code pid}, one element per argument; empty when it is gone. */
    public static List<String> commandLine(long pid) {
        try {
            String raw = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
            return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Whether {@code pid} exists and is not a zombie (a zombie has already died). */
    public static boolean isAlive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The state follows the parenthesized command name, which may itself contain ')'.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("reading /proc/" + pid + "/stat", e);
        }
    }
}
