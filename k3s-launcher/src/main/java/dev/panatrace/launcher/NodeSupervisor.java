package dev.panatrace.launcher;

import dev.panatrace.procsys.FilesystemDisguise;
import dev.panatrace.procsys.HandlerChain;
import dev.panatrace.procsys.Missing;
import dev.panatrace.procsys.ProcSysServer;
import dev.panatrace.procsys.ProfileException;
import dev.panatrace.procsys.SysctlTree;
import dev.panatrace.ptrace.CommandNotExecutableException;
import dev.panatrace.ptrace.CommandNotFoundException;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.TraceFailedException;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.terminal.StatusLine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a planned k3s node under the engine until it ends: applies the file workarounds, serves the profile
 * as k3s's /proc/sys, shows the disguised mounts and kernel release if asked, passes SIGINT, SIGTERM and
 * SIGHUP on, reports when k3s has started, when it is ready ({@link NodeReadiness}) and how long it has
 * run, and restarts it with back-off when it dies on its own, up to a limit.
 *
 * <p>Progress: on a terminal, the back-off before a restart is counted down on a status line, erased when
 * the wait ends, and the wait for readiness gets a plain line every 5 s. k3s's process starts within a
 * second of the launch, and from then on k3s writes to the same terminal (its output is inherited), so a
 * line redrawn in place would mix with its logs: while k3s runs, progress is whole lines. Elsewhere than
 * a terminal nothing is added: the lines every {@code --status-interval} and the one when the node is
 * ready are events, written everywhere.
 */
final class NodeSupervisor {
    private static final Duration FIRST_BACK_OFF = Duration.ofSeconds(1);
    private static final Duration LONGEST_BACK_OFF = Duration.ofSeconds(30);
    /** A run this long proves the node healthy again: the next death waits the first back-off. */
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(5);
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often readiness is asked, and how often a terminal is told that it is still awaited. */
    private static final Duration READINESS_POLL = Duration.ofMillis(500);
    private static final Duration READINESS_PROGRESS = Duration.ofSeconds(5);

    private final NodePlan plan;
    private final int maxRestarts;
    private final Duration statusInterval;
    private final String name;
    private final StatusLine status;
    private final Optional<NodeReadiness> readiness;
    private final Object stopLock = new Object();
    private boolean stopRequested;
    private final AtomicReference<TraceSession> current = new AtomicReference<>();
    /** The -o log around the handler, when asked for. */
    private SyscallLogOptions syscallLog = new SyscallLogOptions();

    /**
     * @param name the subcommand, which prefixes every line
     * @param status where lines go (standard error), with the back-off counted down and the wait for
     *     readiness shown when it is a terminal ({@link StatusLine#onTerminal()})
     */
    NodeSupervisor(NodePlan plan, int maxRestarts, Duration statusInterval, String name, StatusLine status) {
        this.plan = plan;
        this.maxRestarts = maxRestarts;
        this.statusInterval = statusInterval;
        this.name = name;
        this.status = status;
        this.readiness = NodeReadiness.of(plan.request());
    }

    /**
     * Plans the node that {@code options} ask for on this machine and runs it; what {@code server} and
     * {@code agent} do.
     */
    static int launch(String command, NodeOptions options, NodeRequest.Role role, boolean controlPlaneOnly,
                      PrintWriter err) throws InterruptedException {
        NodeRequest request = options.request(role, controlPlaneOnly, options.k3sArgs);
        SysctlTree tree;
        try {
            tree = SysctlTree.builder().profile(ProfileLoader.load(options.profile).withOverrides(options.overrides))
                    .missing(Missing.PASSTHROUGH).build();
        } catch (ProfileException | ProfileLoader.ProfileUnavailable e) {
            err.println(command + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        NodePlan plan = NodePlan.of(request, HostFacts.probe(options.cniBinDir));
        // -q leaves errors only: no warnings, and no count-down either.
        boolean quiet = !System.getLogger(NodeSupervisor.class.getPackageName()).isLoggable(System.Logger.Level.WARNING);
        StatusLine status = quiet ? new StatusLine(err, false) : StatusLine.onStandardError(err);
        NodeSupervisor supervisor = new NodeSupervisor(plan, options.maxRestarts,
                Duration.ofSeconds(options.statusIntervalSeconds), role.command(), status);
        String logProblem = options.syscallLog.open(command);
        if (logProblem != null) {
            err.println(logProblem);
            return ExitCodes.USAGE;
        }
        supervisor.syscallLog = options.syscallLog;
        ProcSysServer.Builder server = ProcSysServer.builder(tree);
        if (options.traceLog == null) {
            return options.syscallLog.finish(supervisor.run(server), err);
        }
        try (RewriteLog log = RewriteLog.open(options.traceLog)) {
            return options.syscallLog.finish(supervisor.run(server.log(log)), err);
        } catch (IOException e) {
            err.println("k3s-launcher: cannot write the trace log to " + options.traceLog + ": " + e);
            err.flush();
            return ExitCodes.LAUNCHER_FAILED;
        }
    }

    /**
     * Logs the workarounds and the disguise, applies the file workarounds and runs k3s; returns the
     * launcher's exit status.
     */
    int run(ProcSysServer.Builder server) throws InterruptedException {
        Optional<FakeFsOptions.Disguise> disguise = plan.disguise();
        for (NodePlan.Decision decision : plan.decisions()) {
            say("workaround " + decision.workaround().label() + ": " + decision.status().label() + ": "
                    + decision.reason());
        }
        disguise.ifPresent(shown -> shown.describe().forEach(line -> say("disguise: " + line)));
        if (plan.applies(Workaround.CNI_PLUGINS)) {
            try {
                copyCniPlugins();
            } catch (IOException e) {
                say("cannot copy the CNI plugins: " + e);
                return ExitCodes.LAUNCHER_FAILED;
            }
        }
        try (ProcSysServer served = server.build()) {
            if (disguise.isEmpty()) {
                return supervise(served);
            }
            // After the server, so the disguise sees paths as the server redirected them.
            try (FilesystemDisguise shown = disguise.get().build()) {
                return supervise(HandlerChain.of(served, shown));
            } catch (IOException e) {
                say("cannot make the directory for rewritten mount tables: " + e);
                return ExitCodes.LAUNCHER_FAILED;
            }
        } catch (IOException e) {
            say("cannot materialize the /proc/sys tree: " + e);
            return ExitCodes.LAUNCHER_FAILED;
        }
    }

    /** Replaces each symbolic link in the CNI directory by a copy of the file it leads to. */
    private void copyCniPlugins() throws IOException {
        Path dir = plan.facts().cniBinDir();
        for (String plugin : plan.facts().cniSymlinks()) {
            Path link = dir.resolve(plugin);
            Path target = link.toRealPath();
            // Copied beside the link and renamed over it, so kubelet never sees a half-written plugin.
            Path partial = dir.resolve("." + plugin + ".k3s-launcher");
            Files.copy(target, partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            Files.move(partial, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            say("workaround cni-plugins: copied " + target + " over the link " + link);
        }
    }

    private int supervise(TraceHandler handler) throws InterruptedException {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(plan.addedEnvironment());
        Tracer.Builder tracer = Tracer.builder().mode(TraceMode.SECCOMP).handler(syscallLog.around(handler))
                .environment(environment);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("k3s-launcher-kill-node").unstarted(() -> {
            TraceSession session = current.get();
            if (session != null && !session.isDone()) {
                session.kill();
            }
        }));
        // Two threads: a readiness probe waiting on a socket does not hold up a status line.
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2,
                Thread.ofPlatform().daemon().name("k3s-launcher-status-", 0).factory());
        if (readiness.isEmpty()) {
            say("the kubelet's healthz is off (healthz-port=0): readiness is not checked");
        }
        try (SignalForwarder forwarder = SignalForwarder.install()) {
            Duration backOff = FIRST_BACK_OFF;
            for (int restarts = 0; ; restarts++) {
                long started = System.nanoTime();
                TraceSession session;
                try {
                    session = tracer.spawn(plan.command());
                } catch (CommandNotFoundException e) {
                    say(e.getMessage());
                    return ExitCodes.COMMAND_NOT_FOUND;
                } catch (CommandNotExecutableException e) {
                    say(e.getMessage());
                    return ExitCodes.COMMAND_NOT_EXECUTABLE;
                } catch (TraceFailedException e) {
                    say("cannot trace " + plan.command().getFirst() + ": " + e.getMessage());
                    return ExitCodes.LAUNCHER_FAILED;
                }
                current.set(session);
                say("k3s " + plan.request().role().command() + " started (pid " + session.pid()
                        + (restarts > 0 ? ", restart " + restarts + " of " + maxRestarts : "") + ")");
                Optional<ReadinessWatch> watch = readiness.map(check -> new ReadinessWatch(check, started));
                watch.ifPresent(w -> w.poll = clock.scheduleWithFixedDelay(w, READINESS_POLL.toMillis(),
                        READINESS_POLL.toMillis(), TimeUnit.MILLISECONDS));
                var status = clock.scheduleAtFixedRate(() -> say("k3s " + plan.request().role().command()
                        + " has been up for " + format(Duration.ofNanos(System.nanoTime() - started))
                        + " (pid " + session.pid() + ")"),
                        statusInterval.toMillis(), statusInterval.toMillis(), TimeUnit.MILLISECONDS);
                // A forwarded signal is also a request that the node stop: what the user ended is not restarted.
                SignalNotingSession noting = new SignalNotingSession(session, this::requestStop);
                forwarder.forwardTo(noting);
                ExitStatus ended;
                try (session) {
                    ended = TracedRun.awaitEnd(noting, plan.command().getFirst(), this::say).orElseThrow(() -> new IllegalStateException(
                            "the k3s process was detached from its trace"));
                } catch (TraceFailedException e) {
                    say(e.getMessage());
                    return ExitCodes.LAUNCHER_FAILED;
                } finally {
                    status.cancel(false);
                    watch.ifPresent(ReadinessWatch::end);
                }
                Duration ran = Duration.ofNanos(System.nanoTime() - started);
                say("k3s " + plan.request().role().command() + " ended: " + describe(ended) + " after " + format(ran));
                if (stopped() || restarts >= maxRestarts) {
                    return ended.shellStatus();
                }
                if (ran.compareTo(HEALTHY_RUN) >= 0) {
                    backOff = FIRST_BACK_OFF;
                }
                String restart = "restart " + (restarts + 1) + " of " + maxRestarts;
                say("restarting k3s in " + format(backOff) + " (" + restart + ")");
                if (awaitStop(backOff, "k3s " + plan.request().role().command() + " down (" + describe(ended) + "), "
                        + restart + " in ")) {
                    return ended.shellStatus();
                }
                backOff = backOff.multipliedBy(2).compareTo(LONGEST_BACK_OFF) > 0 ? LONGEST_BACK_OFF
                        : backOff.multipliedBy(2);
            }
        } finally {
            clock.shutdownNow();
        }
    }

    private static String describe(ExitStatus status) {
        return status.killedBySignal() ? "killed by signal " + status.signal() : "exit status " + status.code();
    }

    /** Minutes and seconds, or seconds with a fraction below one second. */
    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds == 0) {
            return duration.toMillis() + " ms";
        }
        return seconds >= 60 ? seconds / 60 + "m " + seconds % 60 + "s" : seconds + "s";
    }

    /** Seconds with one decimal below a minute, else as {@link #format}. */
    static String formatTenths(Duration duration) {
        return duration.toSeconds() >= 60 ? format(duration)
                : String.format(Locale.ROOT, "%.1fs", duration.toMillis() / 1000.0);
    }

    /**
     * Asks one run of k3s whether it is ready until it is, says so once, and meanwhile, on a terminal only,
     * says every {@link #READINESS_PROGRESS} what it waits for. Says nothing once the run has ended or the
     * node was asked to stop.
     */
    private final class ReadinessWatch implements Runnable {
        private final NodeReadiness check;
        private final long started;
        /** Guarded by this: whether the node was found ready or the run ended. */
        private boolean over;
        private long nextProgress = READINESS_PROGRESS.toNanos();
        volatile Future<?> poll;

        ReadinessWatch(NodeReadiness check, long started) {
            this.check = check;
            this.started = started;
        }

        @Override
        public void run() {
            synchronized (this) {
                if (over) {
                    return;
                }
            }
            boolean ready = check.ready();
            long waited = System.nanoTime() - started;
            synchronized (this) {
                if (over || stopped()) {
                    return;
                }
                if (ready) {
                    over = true;
                    say("k3s " + plan.request().role().command() + " is ready after "
                            + formatTenths(Duration.ofNanos(waited)) + " (" + check.evidence() + ")");
                } else if (status.onTerminal() && waited >= nextProgress) {
                    long mark = waited - waited % READINESS_PROGRESS.toNanos();
                    say("waiting for " + check.awaited() + ": " + format(Duration.ofNanos(mark)));
                    nextProgress = mark + READINESS_PROGRESS.toNanos();
                }
            }
            if (ready && poll != null) {
                poll.cancel(false);
            }
        }

        /** The run ended: nothing more is said. */
        synchronized void end() {
            over = true;
            if (poll != null) {
                poll.cancel(false);
            }
        }
    }

    private boolean stopped() {
        synchronized (stopLock) {
            return stopRequested;
        }
    }

    /**
     * Waits out a back-off, counting it down on a terminal as {@code waiting} and the whole seconds left,
     * and erasing that when it returns; true when a forwarded signal asked the node to stop meanwhile.
     * Nothing traced runs now, so nothing else writes to the terminal.
     */
    private boolean awaitStop(Duration wait, String waiting) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (stopped()) {
                    return true;
                }
                if (left <= 0) {
                    return false;
                }
                long seconds = Math.ceilDiv(left, SECOND_NANOS);
                status.show("k3s-launcher " + name + ": " + waiting + seconds + "s");
                synchronized (stopLock) {
                    if (!stopRequested) {
                        // Until the count shows one second less.
                        TimeUnit.NANOSECONDS.timedWait(stopLock, left - (seconds - 1) * SECOND_NANOS);
                    }
                }
            }
        } finally {
            status.clear();
        }
    }

    private void requestStop() {
        synchronized (stopLock) {
            stopRequested = true;
            stopLock.notifyAll();
        }
    }

    private void say(String message) {
        status.println("k3s-launcher " + name + ": " + message);
    }

}
