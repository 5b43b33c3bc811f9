package dev.panatrace.ptrace.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fields of {@code /proc/TID/status} that the engine reads; a field the file lacks reads as 0.
 *
 * @param tgid the task's thread group, its process
 * @param ppid its parent process
 * @param effectiveCapabilities {@code CapEff}, bit N for capability N
 */
record ProcStatus(int tgid, int ppid, long effectiveCapabilities) {
    /** {@return the task's status, or empty when it cannot be read: the task is gone} */
    static Optional<ProcStatus> of(int tid) {
        int tgid = 0;
        int ppid = 0;
        long capabilities = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "status"))) {
                int colon = line.indexOf(':');
                String value = line.substring(colon + 1).trim();
                switch (line.substring(0, Math.max(colon, 0))) {
                    case "Tgid" -> tgid = Integer.parseInt(value);
                    case "PPid" -> ppid = Integer.parseInt(value);
                    case "CapEff" -> capabilities = Long.parseUnsignedLong(value, 16);
                    default -> { }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(new ProcStatus(tgid, ppid, capabilities));
    }

    /**
     * The process that created {@code tid}: for a thread its own process, else its parent; 0 when /proc
     * does not say, which no tracee is.
     */
    static int creatorOf(int tid) {
        return of(tid).map(status -> status.tgid() != 0 && status.tgid() != tid ? status.tgid()
                : status.ppid()).orElse(0);
    }

    /** The process of {@code tid}; a task already gone counts as its own process. */
    static int tgidOf(int tid) {
        return of(tid).map(ProcStatus::tgid).filter(tgid -> tgid != 0).orElse(tid);
    }
}
