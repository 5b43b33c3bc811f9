package dev.panatrace.bench;

import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.paths.BindMap;
import dev.panatrace.ptrace.paths.PathRedirector;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs one workload once under one tool and times it from spawn to exit, in this JVM, so JVM start-up is
 * never part of a workload's time.
 *
 * <p>CPU time: peer tools and native runs are children of this JVM, so the getrusage(RUSAGE_CHILDREN)
 * difference around a run is the CPU of the whole tree (the workload, its descendants, and strace or proot).
 * Engine runs are children too (spawned from the tracer thread, reaped by it), so the same difference covers
 * the traced tree; the tracer is a thread of this JVM, so the RUSAGE_SELF difference is added: that
 * includes whatever else the JVM did meanwhile (JIT, GC), an upper bound on the tracer's own CPU.
 */
final class ToolRunner {
    private static final int STDERR_TAIL = 2000;

    private final Path workDirectory;
    private final Path hostDirectory;
    private final Duration timeout;
    private final Optional<Path> referenceTracer;

    /**
     * @param workDirectory where runs start and leave their output
     * @param hostDirectory what redirecting tools show in place of /proc/sys
     * @param timeout a run still going then is killed
     * @param referenceTracer the compiled {@link ReferenceTracer}, when the reference tools run
     */
    ToolRunner(Path workDirectory, Path hostDirectory, Duration timeout, Optional<Path> referenceTracer) {
        this.workDirectory = workDirectory;
        this.hostDirectory = hostDirectory;
        this.timeout = timeout;
        this.referenceTracer = referenceTracer;
    }

    /**
     * Runs {@code workload} under {@code tool} and checks its exit status and output.
     *
     * @throws WorkloadFailedException if it exited non-zero or printed something else than expected
     */
    Measurement run(Tool tool, Workload workload) throws IOException, InterruptedException {
        List<String> command = workload.command(tool);
        Optional<TraceMode> mode = tool.engineMode();
        Outcome outcome = mode.isPresent() ? runEngine(mode.get(), command)
                : tool.isReference() ? runReference(tool == Tool.REFERENCE_PINNED, command)
                : runProcess(tool.wrap(command, hostDirectory.toString()));
        if (!outcome.measurement.timedOut()) {
            check(workload.name() + " under " + tool.label(), outcome, workload.expectedStdout(tool));
        }
        return outcome.measurement;
    }

    /** The launcher's variable for JVM flags, which the launcher's runs set. */
    static final String JAVA_OPTIONS = "PANATRACE_JAVA_OPTS";

    /** Runs {@code command} as a child process and checks it exits 0 printing {@code expectedStdout}. */
    Measurement runChecked(String what, List<String> command, String expectedStdout)
            throws IOException, InterruptedException {
        return runChecked(what, command, Map.of(), expectedStdout);
    }

    /** As {@link #runChecked(String, List, String)}, with {@code environment} added to this JVM's. */
    Measurement runChecked(String what, List<String> command, Map<String, String> environment, String expectedStdout)
            throws IOException, InterruptedException {
        Outcome outcome = runProcess(command, environment);
        if (!outcome.measurement.timedOut()) {
            check(what, outcome, expectedStdout);
        }
        return outcome.measurement;
    }

    /**
     * Runs {@code workload} under {@code bin/k3s-launcher run --bind HOST:/proc/sys}, which redirects as the engine
     * tools do, with {@code javaOptions} as its {@value #JAVA_OPTIONS}; the time includes the launcher's start-up.
     */
    Measurement runLauncher(Path launcher, String javaOptions, Workload workload)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "run", "--bind",
                hostDirectory + ":/proc/sys", "--"));
        command.addAll(workload.command(Tool.ENGINE_SECCOMP));
        String label = MacroHarness.LAUNCHER + (javaOptions.isEmpty() ? "" : " " + javaOptions);
        return runChecked(workload.name() + " under " + label, command, Map.of(JAVA_OPTIONS, javaOptions),
                workload.expectedStdout(Tool.ENGINE_SECCOMP));
    }

    private record Outcome(Measurement measurement, int exitStatus) {}

    private Outcome runProcess(List<String> command) throws IOException, InterruptedException {
        return runProcess(command, Map.of());
    }

    private Outcome runProcess(List<String> command, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDirectory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout().toFile())
                .redirectError(stderr().toFile());
        builder.environment().putAll(environment);
        long cpuBefore = ResourceUsage.childrenCpuNanos();
        long start = System.nanoTime();
        Process process = builder.start();
        boolean finished = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (!finished) {
            // Descendants first: proot's and strace's tracees do not all die with their tracer.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        long wall = System.nanoTime() - start;
        long cpu = ResourceUsage.childrenCpuNanos() - cpuBefore;
        return new Outcome(new Measurement(wall / 1e9, cpu / 1e9, !finished), finished ? process.exitValue() : -1);
    }

    private Outcome runReference(boolean pinned, List<String> command) throws IOException, InterruptedException {
        Path binary = referenceTracer.orElseThrow(() -> new IllegalStateException("the reference tracer is not built"));
        Path stats = workDirectory.resolve("reference-stats");
        Files.deleteIfExists(stats);
        Outcome outcome = runProcess(ReferenceTracer.command(binary, pinned, stats, hostDirectory.toString(), command));
        String counters = Files.exists(stats) ? Files.readString(stats).strip() : "";
        Measurement m = outcome.measurement;
        return new Outcome(new Measurement(m.wallSeconds(), m.cpuSeconds(), m.timedOut(), counters), outcome.exitStatus);
    }

    private Outcome runEngine(TraceMode mode, List<String> command) throws IOException, InterruptedException {
        // What `run --bind HOST:/proc/sys` installs: every path-taking syscall is intercepted.
        BindMap binds = BindMap.builder().bind(hostDirectory.toRealPath(), Path.of("/proc/sys")).build();
        Tracer.Builder tracer = Tracer.builder().handler(new PathRedirector(binds)).mode(mode).directory(workDirectory)
                .stdin(Path.of("/dev/null")).stdout(stdout()).stderr(stderr());
        long selfBefore = ResourceUsage.selfCpuNanos();
        long childrenBefore = ResourceUsage.childrenCpuNanos();
        long start = System.nanoTime();
        Optional<ExitStatus> status;
        boolean timedOut;
        TraceSession session = tracer.spawn(command);
        try {
            session.waitFor(timeout);
            timedOut = !session.isDone();
            if (timedOut) {
                session.kill();
            }
            status = session.waitFor();
        } finally {
            session.close();
        }
        long wall = System.nanoTime() - start;
        long cpu = ResourceUsage.childrenCpuNanos() - childrenBefore + ResourceUsage.selfCpuNanos() - selfBefore;
        int exit = status.map(ExitStatus::shellStatus).orElse(-1);
        String engine = String.format(Locale.ROOT, "%,d stops, %s mode, memory read by %s, written by %s",
                session.stats().stops(), session.mode(), session.memoryReads(), session.memoryWrites());
        return new Outcome(new Measurement(wall / 1e9, cpu / 1e9, timedOut, engine), exit);
    }

    private void check(String what, Outcome outcome, String expectedStdout) throws IOException {
        String out = Files.readString(stdout());
        if (outcome.exitStatus != 0 || !out.equals(expectedStdout)) {
            String err = Files.readString(stderr());
            if (err.length() > STDERR_TAIL) {
                err = "..." + err.substring(err.length() - STDERR_TAIL);
            }
            throw new WorkloadFailedException(what + " exited " + outcome.exitStatus + " printing " + quote(out)
                    + " where " + quote(expectedStdout) + " was expected; stderr: " + quote(err));
        }
    }

    private static String quote(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }

    private Path stdout() {
        return workDirectory.resolve("stdout");
    }

    private Path stderr() {
        return workDirectory.resolve("stderr");
    }

    /** A workload run that did not do what it should: its timing would mean nothing. */
    static final class WorkloadFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WorkloadFailedException(String message) {
            super(message);
        }
    }
}
