package dev.panatrace.ptrace;

import dev.panatrace.ptrace.internal.Spawner;
import dev.panatrace.ptrace.internal.TraceLoop;

import java.nio.file.Path;
import java.time.Duration;
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

    /** The default {@link Builder#injectionTimeout}. */
    static final Duration DEFAULT_INJECTION_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Links the engine's native calls now instead of at the first spawn or attach. Linking generates code
     * and takes tens of milliseconds; a program with other work to do before its first trace can call this
     * on another thread to overlap the two. Calling it again does nothing.
     *
     * <pre>{@code
     * Thread.ofPlatform().daemon().start(Tracer::prepare);
     * // ... parse options, load configuration ...
     * Tracer.builder().spawn(command);
     * }</pre>
     */
    public static void prepare() {
        TraceLoop.prepare();
    }

    /** {@return a new builder with a pass-through handler} */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a trace. */
    public static final class Builder {
        private TraceHandler handler = new TraceHandler() {};
        private Map<String, String> environment = System.getenv();
        private Path directory = Path.of("").toAbsolutePath();
        private TraceMode mode = TraceMode.SECCOMP;
        private Duration waitSpin;
        private int cpu = -1;
        private MemoryAccess memoryAccess = MemoryAccess.PROCESS_VM;
        private Duration injectionTimeout = DEFAULT_INJECTION_TIMEOUT;
        private Path stdin;
        private Path stdout;
        private Path stderr;

        private Builder() {}

        /**
         * Sets the handler that sees the tracee's events.
         *
         * @param handler the handler
         * @return this builder
         */
        public Builder handler(TraceHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Sets how syscalls are stopped (default {@link TraceMode#SECCOMP}). Attached processes always use SYSCALL.
         *
         * @param mode the trace mode
         * @return this builder
         */
        public Builder mode(TraceMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * How long the tracer polls for the next stop before it blocks in waitpid (zero blocks at once),
         * instead of the engine's choice. Polling avoids a wake-up per stop when stops come close together,
         * at the cost of that much CPU time after the last stop of a burst.
         *
         * <p>By default the engine chooses where the tracer and a spawned command run and how it waits:
         * with two or more CPUs allowed, it pins the tracer thread and the command to one CPU and blocks
         * (a stop is then a context switch, not a wake-up of another CPU), and once the command's threads
         * compete for that CPU (their run-queue waits exceed half the elapsed time in three looks in a row,
         * 20 ms apart, up to a second apart after a calm spell) or number more than 16, it gives every thread back the CPUs it had, for good, and polls 50 µs
         * before blocking. While pinned, a program that asks for its affinity ({@code sched_getaffinity}, as
         * Go's runtime and {@code nproc} do) is told the mask it would have had untraced, and a thread that
         * sets its own mask keeps it; {@code /proc/PID/status} shows the pinned mask. An attached process is
         * never pinned.
         *
         * @param waitSpin the polling time
         * @return this builder
         */
        public Builder waitSpin(Duration waitSpin) {
            if (waitSpin.isNegative()) {
                throw new IllegalArgumentException("waitSpin must not be negative: " + waitSpin);
            }
            this.waitSpin = waitSpin;
            return this;
        }

        /**
         * Pins the tracer thread, and so the spawned command, which inherits the mask, to one CPU for the
         * whole trace, instead of the engine's choice ({@link #waitSpin}). A tracer and tracee on one CPU
         * hand over without cross-CPU wake-ups, which pays for single-threaded programs with many stops; it
         * also serializes a multithreaded program. A pinned tracer does not poll ({@link #waitSpin} is
         * ignored): on one CPU that would only take time from the tracee.
         *
         * @param cpu the CPU number
         * @return this builder
         */
        public Builder pinToCpu(int cpu) {
            if (cpu < 0 || cpu >= Runtime.getRuntime().availableProcessors()) {
                throw new IllegalArgumentException("no CPU " + cpu + " (this machine has "
                        + Runtime.getRuntime().availableProcessors() + ")");
            }
            this.cpu = cpu;
            return this;
        }

        /**
         * Sets the first way the engine tries to read and write tracee memory (default
         * {@link MemoryAccess#PROCESS_VM}, the fastest). It still moves down the list where the kernel
         * refuses that way; a later way here only skips the faster ones, for instance to test them.
         *
         * @param first the first way to try
         * @return this builder
         */
        public Builder memoryAccess(MemoryAccess first) {
            this.memoryAccess = Objects.requireNonNull(first, "first");
            return this;
        }

        /**
         * How long a syscall injected with {@link Syscall#inject} may run (default 10 s). The tracer waits for
         * it alone, holding every other tracee that stops meanwhile, so an injected syscall that waits for
         * another traced thread would wait forever; past this time the engine interrupts it and
         * {@code inject} throws an {@link ErrnoException} with ETIMEDOUT.
         *
         * @param timeout the longest an injected syscall may run
         * @return this builder
         */
        public Builder injectionTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("injectionTimeout must be positive: " + timeout);
            }
            this.injectionTimeout = timeout;
            return this;
        }

        /**
         * Sets the spawned command's environment (default: this JVM's).
         *
         * @param environment the variables, names to values
         * @return this builder
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /**
         * Sets the spawned command's working directory (default: this JVM's).
         *
         * @param directory the working directory
         * @return this builder
         */
        public Builder directory(Path directory) {
            this.directory = directory.toAbsolutePath();
            return this;
        }

        /**
         * Reads the spawned command's standard input from {@code file} (default: this JVM's).
         *
         * @param file the file to use
         * @return this builder
         */
        public Builder stdin(Path file) {
            this.stdin = file.toAbsolutePath();
            return this;
        }

        /**
         * Writes the spawned command's standard output to {@code file}, truncated (default: this JVM's).
         *
         * @param file the file to use
         * @return this builder
         */
        public Builder stdout(Path file) {
            this.stdout = file.toAbsolutePath();
            return this;
        }

        /**
         * Writes the spawned command's standard error to {@code file}, truncated (default: this JVM's).
         *
         * @param file the file to use
         * @return this builder
         */
        public Builder stderr(Path file) {
            this.stderr = file.toAbsolutePath();
            return this;
        }

        /**
         * Spawns {@code command} (searched in PATH like execvp) under the tracer, by default with this JVM's
         * standard input, output and error. Returns once the command is traced and running: the engine's
         * spawn trampoline has exec'd it, so a signal sent from then on reaches the command itself.
         *
         * @param command the command and its arguments
         * @return the running trace
         * @throws CommandNotFoundException if the command is not found
         * @throws CommandNotExecutableException if the command names a file that cannot be executed
         * @throws TraceFailedException if it cannot be traced
         */
        public TraceSession spawn(List<String> command) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("empty command");
            }
            return TraceLoop.spawn(handler, new TraceLoop.Options(mode, waitSpin, cpu, memoryAccess, injectionTimeout), List.copyOf(command),
                    environment, directory,
                    new Spawner.Redirects(stdin, stdout, stderr));
        }

        /**
         * Attaches to the running process {@code pid} and every one of its threads.
         *
         * <p>Do not attach to a child that this JVM started with {@link ProcessBuilder}: the JDK's reaper
         * thread waits for that pid, and a wait from the tracer's own process sees, and takes, the ptrace
         * stops meant for the tracer.
         *
         * @param pid the process id
         * @return the running trace
         * @throws TraceFailedException if it cannot be attached
         */
        public TraceSession attach(int pid) {
            return TraceLoop.attach(handler, new TraceLoop.Options(TraceMode.SYSCALL, waitSpin, cpu, memoryAccess, injectionTimeout), pid);
        }
    }
}
