package dev.panatrace.bench;

import dev.panatrace.terminal.StatusLine;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's part of {@code bin/bench --gvisor}: runs the harness inside one gVisor sandbox, {@code runsc
 * --network=none do java ... MacroHarness --gvisor --in-sandbox ...}, so every workload and every tool (the
 * engine in that JVM, strace, proot) runs in the same sandbox and its start-up is timed by no run.
 *
 * <p>{@code runsc do} shows the sandbox the host's files under an in-memory overlay: what it writes vanishes
 * with it. So the harness inside prints its results as JSON ({@link ResultsJson}) on standard output, its
 * progress lines on standard error, which this class passes on, and the host writes the files. What runs
 * inside is built here first (the W3 Go program). Inside, the JSON's {@code environment} is the kernel the
 * sandbox shows ({@code uname -srvm}); here it becomes the whole description, with runsc's version and
 * platform, and the machine and commit are the host's.
 */
final class GvisorSandbox {
    /** In {@code runsc flags}: {@code -platform string}, then a line ending {@code (default "ptrace")}. */
    private static final Pattern DEFAULT_PLATFORM =
            Pattern.compile("-platform string\\n[^\\n]*\\(default \"(\\w+)\"\\)");
    private static final int STDERR_TAIL = 20;
    private static final long STOP_GRACE_SECONDS = 10;

    private GvisorSandbox() {}

    /**
     * Measures what {@code options} ask for inside a new gVisor sandbox.
     *
     * @param log where the progress lines of the harness inside go, as they come
     * @throws IllegalStateException if runsc is missing, this is not root, or the sandbox fails
     * @throws ToolRunner.WorkloadFailedException if the harness inside reports a wrong run
     */
    static Results measure(HarnessOptions options, StatusLine log) throws IOException, InterruptedException {
        Path runsc = Executables.onPath("runsc").orElseThrow(() -> new IllegalStateException(
                "--gvisor needs runsc, which is not installed (Debian package runsc)"));
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("--gvisor needs root: runsc do starts a sandbox only as root");
        }
        if (options.workloads().contains("W3")) {
            GoPrograms.build(options.repo(), "w3");
        }
        String environment = describe(runsc);
        String machine = MachineDescription.describe();
        String commit = MachineDescription.commit(options.repo());
        log.println("bench: measuring inside one gVisor sandbox: " + environment);

        Process sandbox = new ProcessBuilder(command(runsc, options))
                .directory(options.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Deque<String> stderrTail = new ArrayDeque<>();
        // Read on threads of their own, so that this one waits interruptibly and can end the sandbox.
        Thread passOn = Thread.ofPlatform().name("gvisor-stderr").start(() -> passOn(sandbox, log, stderrTail));
        FutureTask<String> stdoutText = new FutureTask<>(
                () -> new String(sandbox.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Thread.ofPlatform().name("gvisor-stdout").start(stdoutText);
        String stdout;
        int exit;
        try {
            exit = sandbox.waitFor();
            stdout = stdoutText.get();
            passOn.join();
        } catch (ExecutionException e) {
            throw new IOException("reading the sandbox's standard output", e.getCause());
        } finally {
            stop(sandbox);
        }
        String tail;
        synchronized (stderrTail) {
            tail = String.join("\n", stderrTail);
        }
        if (exit == 1) {
            // The harness' status for a wrong run, with the reason on its last lines (or an exception's trace).
            throw new ToolRunner.WorkloadFailedException("inside gVisor: " + tail);
        }
        if (exit != 0) {
            throw new IllegalStateException("the harness inside gVisor exited " + exit + "; its last lines:\n" + tail);
        }
        Results inside;
        try {
            inside = ResultsJson.read(stdout);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the harness inside gVisor printed no results (" + e.getMessage()
                    + "): " + stdout, e);
        }
        String kernel = inside.environment().orElse("unknown");
        return new Results(commit, machine, Optional.of(environment + "; uname there: " + kernel), inside.workloads());
    }

    /** The host command line: runsc do, this JVM's java and class path, the harness with the options spelt out. */
    static List<String> command(Path runsc, HarnessOptions options) {
        List<String> command = new ArrayList<>(List.of(runsc.toString(), "--network=none", "do",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The jar runs on the class path, so native access is granted to the unnamed module.
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-Dpanatrace.repo=" + options.repo(),
                "-cp", System.getProperty("java.class.path"), MacroHarness.class.getName()));
        command.addAll(options.sandboxArguments());
        return command;
    }

    /** E.g. "gVisor (runsc version 0.0~20221219.0, platform ptrace): one `runsc --network=none do` sandbox ...". */
    private static String describe(Path runsc) {
        String version = MachineDescription.output(List.of(runsc.toString(), "--version"))
                .map(v -> v.lines().findFirst().orElse(v)).orElse("runsc of unknown version");
        String platform = MachineDescription.output(List.of(runsc.toString(), "flags"), true)
                .map(DEFAULT_PLATFORM::matcher).filter(Matcher::find).map(m -> ", platform " + m.group(1)).orElse("");
        return "gVisor (" + version + platform + "): one `runsc --network=none do` sandbox, in-memory overlay root, "
                + "with the harness inside";
    }

    /** Passes the sandbox's standard error on to {@code log} line by line, keeping the last few lines. */
    private static void passOn(Process sandbox, StatusLine log, Deque<String> tail) {
        try (BufferedReader err = new BufferedReader(
                new InputStreamReader(sandbox.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                log.println(line);
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > STDERR_TAIL) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the sandbox if it still runs (this thread was interrupted): runsc passes SIGTERM on, then SIGKILL. */
    private static void stop(Process sandbox) throws InterruptedException {
        if (!sandbox.isAlive()) {
            return;
        }
        sandbox.destroy();
        if (!sandbox.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
            sandbox.destroyForcibly();
            sandbox.waitFor();
        }
    }
}
