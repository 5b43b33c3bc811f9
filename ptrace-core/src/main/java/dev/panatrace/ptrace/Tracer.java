package dev.panatrace.ptrace;

import dev.panatrace.ptrace.internal.Spawner;
import dev.panatrace.ptrace.internal.TraceLoop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Starts traces. Each trace runs on its own dedicated platform thread, which makes every ptrace and
 * wait call of that trace and runs its handler.
 *
 * <pre>{@code
 * TraceHandler counter = new TraceHandler() {
 *     final Map<String, Integer> counts = new TreeMap<>();
 *     public EntryAction onSyscallEntry(Syscall call) {
 *         counts.merge(call.name(), 1, Integer::sum);
 *         return EntryAction.CONTINUE;
 *     }
 * };
 * try (TraceSession trace = Tracer.builder().handler(counter).spawn(List.of("ls", "/"))) {
 *     ExitStatus status = trace.waitFor().orElseThrow();
 * }
 * }</pre>
 */
public final class Tracer {
    private Tracer() {}

    /** A new builder with a pass-through handler. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a trace. */
    public static final class Builder {
        private TraceHandler handler = new TraceHandler() {};
        private Map<String, String> environment = System.getenv();
        private Path directory = Path.of("").toAbsolutePath();
        private TraceMode mode = TraceMode.SECCOMP;
        private Path stdin;
        private Path stdout;
        private Path stderr;

        private Builder() {}

        /** The handler that sees the tracee's events. */
        public Builder handler(TraceHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** How syscalls are stopped (default {@link TraceMode#SECCOMP}). Attached processes always use SYSCALL. */
        public Builder mode(TraceMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The spawned command's environment (default: this JVM's). */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** The spawned command's working directory (default: this JVM's). */
        public Builder directory(Path directory) {
            this.directory = directory.toAbsolutePath();
            return this;
        }

        /** Reads the spawned command's standard input from {@code file} (default: this JVM's). */
        public Builder stdin(Path file) {
            this.stdin = file.toAbsolutePath();
            return this;
        }

        /** Writes the spawned command's standard output to {@code file}, truncated (default: this JVM's). */
        public Builder stdout(Path file) {
            this.stdout = file.toAbsolutePath();
            return this;
        }

        /** Writes the spawned command's standard error to {@code file}, truncated (default: this JVM's). */
        public Builder stderr(Path file) {
            this.stderr = file.toAbsolutePath();
            return this;
        }

        /**
         * Spawns {@code command} (searched in PATH like execvp) under the tracer, by default with this JVM's
         * standard input, output and error. Returns once the command is traced and running.
         *
         * @throws CommandNotFoundException if the command is not found
         * @throws TraceFailedException if it cannot be traced
         */
        public TraceSession spawn(List<String> command) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("empty command");
            }
            return TraceLoop.spawn(handler, mode, List.copyOf(command), environment, directory,
                    new Spawner.Redirects(stdin, stdout, stderr));
        }

        /**
         * Attaches to the running process {@code pid} and every one of its threads.
         *
         * <p>Do not attach to a child that this JVM started with {@link ProcessBuilder}: the JDK's reaper
         * thread waits for that pid, and a wait from the tracer's own process sees, and takes, the ptrace
         * stops meant for the tracer.
         *
         * @throws TraceFailedException if it cannot be attached
         */
        public TraceSession attach(int pid) {
            return TraceLoop.attach(handler, pid);
        }
    }
}
