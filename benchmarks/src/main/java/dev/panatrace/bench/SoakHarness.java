package dev.panatrace.bench;

import dev.panatrace.ptrace.testing.OciImageArchive;
import dev.panatrace.ptrace.testing.ProcessTable;
import dev.panatrace.terminal.StatusLine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * {@code bin/bench --soak MINUTES}: containerd and etcd from Debian, each under its own {@code bin/k3s-launcher
 * run --profile k3s}, serve a steady load (see {@link SoakLoad}) on loopback and unix sockets while the two
 * launchers' JVMs are sampled every ten seconds; then, with the load still on, both launchers get SIGTERM, which
 * must end containerd, its shims and containers, and etcd within {@link #SHUTDOWN_LIMIT}, leaving nothing
 * running; then etcd starts again under a launcher on the same data directory and must serve the last value
 * written. Writes soak.json, soak.md and soak.png (see {@link SoakReport}).
 */
public final class SoakHarness {
    /** What a clean shutdown under load may take, SIGTERM to the last process gone. */
    static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(30);
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(60);
    private static final String IMAGE = "docker.io/panatrace/soak-busybox:1";
    private static final String ETCD_KEY = "panatrace/soak/value";
    private static final List<String> PACKAGES = List.of("containerd", "runc", "etcd-server", "etcd-client",
            "busybox-static");

    private final SoakOptions options;
    private final StatusLine log;

    public SoakHarness(SoakOptions options, StatusLine log) {
        this.options = options;
        this.log = log;
    }

    /** Runs the soak with the command line's options (those after {@code --soak}); exit status 1 when it failed. */
    public static void main(String[] args) throws Exception {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.print(SoakOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(SoakOptions.USAGE);
            return;
        }
        try {
            SoakResults results = new SoakHarness(options, StatusLine.onStandardError(System.err)).run();
            System.out.print(SoakReport.markdown(results));
            if (!results.passed()) {
                System.err.println("bench: the soak failed: " + String.join("; ", results.failures()));
                System.exit(1);
            }
        } catch (IllegalStateException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Runs the soak and writes its three files.
     *
     * @throws IllegalStateException if a program is missing or a daemon does not come up, saying which
     */
    public SoakResults run() throws IOException, InterruptedException {
        for (String program : List.of("containerd", "ctr", "runc", "etcd", "etcdctl")) {
            Executables.onPath(program).orElseThrow(() -> new IllegalStateException(program
                    + " is not installed (Debian packages containerd, etcd-server, etcd-client)"));
        }
        Path busybox = Executables.busybox().orElseThrow(() -> new IllegalStateException(
                "busybox is not installed (Debian package busybox-static)"));
        String machine = MachineDescription.describe(PACKAGES);
        Path dir = Files.createTempDirectory("panatrace-soak-");
        String containerPrefix = "panatrace-soak-" + ProcessHandle.current().pid() + "-";
        List<LaunchedDaemon> started = new ArrayList<>();
        try {
            Path containerdDir = Files.createDirectories(dir.resolve("containerd"));
            Path config = Files.writeString(containerdDir.resolve("config.toml"),
                    "version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n");
            String socket = containerdDir.resolve("containerd.sock").toString();
            LaunchedDaemon containerd = LaunchedDaemon.start("containerd", options.repo(), dir,
                    options.launcherJavaOptions(), List.of("containerd", "--root", containerdDir.resolve("root").toString(),
                            "--state", containerdDir.resolve("state").toString(), "--address", socket,
                            "--config", config.toString()));
            started.add(containerd);
            int[] ports = freePorts(2);
            String endpoint = "http://127.0.0.1:" + ports[0];
            List<String> etcdCommand = etcdCommand(dir.resolve("etcd-data"), endpoint, "http://127.0.0.1:" + ports[1]);
            LaunchedDaemon etcd = LaunchedDaemon.start("etcd", options.repo(), dir, options.launcherJavaOptions(),
                    etcdCommand);
            started.add(etcd);
            SoakLoad load = new SoakLoad(dir, socket, containerdDir.resolve("runc").toString(), IMAGE,
                    containerPrefix, endpoint, ETCD_KEY);

            awaitAnswer(containerd, () -> load.client(List.of("ctr", "--address", socket, "version"), "setup.err"), "");
            awaitAnswer(etcd, () -> load.client(load.etcdctl("put", ETCD_KEY, "0"), "setup.err"), "OK\n");
            Path archive = dir.resolve("image.tar");
            OciImageArchive.write(archive, IMAGE, busybox);
            setup(load, List.of("ctr", "--address", socket, "image", "import", "--snapshotter", "native",
                    archive.toString()));
            // A container that lives through the whole soak, with its shim: the shutdown must end both.
            setup(load, List.of("ctr", "--address", socket, "run", "--detach", "--runc-root",
                    containerdDir.resolve("runc").toString(), "--snapshotter", "native", IMAGE,
                    containerPrefix + "resident", "/bin/busybox", "sleep", "1000000"));
            long resident = taskPid(load, socket, containerPrefix + "resident");

            Map<String, List<SoakSample>> samples = new LinkedHashMap<>();
            List<SoakResults.LoadCount> progress = new ArrayList<>();
            Map<String, String> jvmFlags = new LinkedHashMap<>();
            for (LaunchedDaemon daemon : List.of(containerd, etcd)) {
                samples.put(daemon.name(), new ArrayList<>());
                jvmFlags.put(daemon.name(), jvmFlags(daemon.launcher().pid()));
            }
            List<String> problems = new ArrayList<>();
            long start = System.nanoTime();
            load.start();
            long intervalNanos = options.interval().toNanos();
            long lengthNanos = options.length().toNanos();
            for (long next = 0; next <= lengthNanos; next += intervalNanos) {
                sleepUntil(start + next);
                double minutes = (System.nanoTime() - start) / 60e9;
                for (LaunchedDaemon daemon : List.of(containerd, etcd)) {
                    if (!daemon.isAlive()) {
                        throw new IllegalStateException("the " + daemon.name() + " launcher ended during the soak\n"
                                + daemon.outputTail());
                    }
                    samples.get(daemon.name()).add(daemon.sample(minutes));
                }
                progress.add(new SoakResults.LoadCount(minutes, load.containers(), load.failedContainers(),
                        load.roundTrips(), load.failedRoundTrips()));
                SoakSample c = samples.get("containerd").getLast();
                String status = String.format(Locale.ROOT, "soak: %.1f of %d min: %d containers (%d failed), %d etcd "
                                + "round trips (%d failed); containerd's launcher %.0f MiB, %d fds, %d threads",
                        minutes, options.length().toMinutes(), load.containers(), load.failedContainers(),
                        load.roundTrips(), load.failedRoundTrips(), c.rssMib(), c.descriptors(), c.threads());
                // A terminal shows every sample on the status line; a log gets a line every ten minutes.
                if (log.onTerminal()) {
                    log.show(status);
                } else if (next % Duration.ofMinutes(10).toNanos() < intervalNanos) {
                    log.println(status);
                }
            }
            SoakResults.Shutdown shutdown = shutDown(dir, load, containerd, etcd, resident, problems);
            load.close();
            SoakResults.Restart restart = restartEtcd(dir, load, etcdCommand, started);
            problems.addAll(load.failures());
            SoakResults results = new SoakResults(MachineDescription.commit(options.repo()), machine, options.length(),
                    options.interval(), jvmFlags, load.containers(), load.failedContainers(), load.roundTrips(),
                    load.failedRoundTrips(), samples, progress, shutdown, restart, problems);
            SoakReport.write(results, options.out());
            log.println("bench: wrote " + options.out().resolve("soak.json") + ", soak.md and soak.png");
            return results;
        } finally {
            for (LaunchedDaemon daemon : started) {
                if (daemon.isAlive()) {
                    daemon.kill();
                }
            }
            cleanUp(dir, containerPrefix);
        }
    }

    private static List<String> etcdCommand(Path data, String clientUrl, String peerUrl) {
        return List.of("etcd", "--name", "panatrace-soak", "--data-dir", data.toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "panatrace-soak=" + peerUrl);
    }

    /**
     * Sends SIGTERM to both launchers with the load still running, then waits for every process the soak started
     * under them (found before the signal: their descendants, the processes naming the soak's directory, such as
     * the shims, and the resident container) to end.
     */
    private SoakResults.Shutdown shutDown(Path dir, SoakLoad load, LaunchedDaemon containerd, LaunchedDaemon etcd,
            long resident, List<String> problems) throws InterruptedException {
        Set<Long> underLaunchers = processesNaming(dir);
        underLaunchers.add(resident);
        for (LaunchedDaemon daemon : List.of(containerd, etcd)) {
            daemon.launcher().descendants().forEach(p -> underLaunchers.add(p.pid()));
            underLaunchers.remove(daemon.launcher().pid());
        }
        load.stopCounting();
        log.println("bench: SIGTERM to both launchers, " + underLaunchers.size() + " processes under them");
        long signalled = System.nanoTime();
        long deadline = signalled + SHUTDOWN_LIMIT.toNanos();
        // Each launcher's own time, though they are waited for in turn.
        Map<String, Double> launcherSeconds = new ConcurrentHashMap<>();
        for (LaunchedDaemon daemon : List.of(containerd, etcd)) {
            daemon.launcher().onExit().thenRun(() ->
                    launcherSeconds.put(daemon.name(), (System.nanoTime() - signalled) / 1e9));
            daemon.terminate();
        }
        Map<String, Integer> exitStatus = new LinkedHashMap<>();
        for (LaunchedDaemon daemon : List.of(containerd, etcd)) {
            if (daemon.awaitExit(Math.max(0, (deadline - System.nanoTime()) / 1_000_000))) {
                exitStatus.put(daemon.name(), daemon.launcher().exitValue());
            } else {
                problems.add("the " + daemon.name() + " launcher was still running " + SHUTDOWN_LIMIT.toSeconds()
                        + " s after SIGTERM\n" + daemon.outputTail());
            }
        }
        while (System.nanoTime() < deadline && underLaunchers.stream().anyMatch(ProcessTable::isAlive)) {
            Thread.sleep(100);
        }
        double allGone = (System.nanoTime() - signalled) / 1e9;
        Set<Long> left = new TreeSet<>(underLaunchers);
        left.addAll(processesNaming(dir));
        left.removeIf(pid -> !ProcessTable.isAlive(pid));
        List<String> leftRunning = left.stream()
                .map(pid -> pid + " " + String.join(" ", ProcessTable.commandLine(pid)))
                .toList();
        if (!leftRunning.isEmpty()) {
            problems.add("still running " + SHUTDOWN_LIMIT.toSeconds() + " s after SIGTERM: " + leftRunning);
        }
        // onExit's actions run on another thread, maybe a moment after waitFor has returned.
        while (launcherSeconds.size() < exitStatus.size()) {
            Thread.sleep(10);
        }
        return new SoakResults.Shutdown(underLaunchers.size(), new TreeMap<>(launcherSeconds), exitStatus,
                leftRunning.isEmpty() ? allGone : SHUTDOWN_LIMIT.toSeconds(), leftRunning);
    }

    /** Starts etcd again under a launcher on the soak's data directory and reads the value last written. */
    private SoakResults.Restart restartEtcd(Path dir, SoakLoad load, List<String> etcdCommand,
            List<LaunchedDaemon> started) throws IOException, InterruptedException {
        LaunchedDaemon etcd = LaunchedDaemon.start("etcd-restarted", options.repo(), dir, options.launcherJavaOptions(),
                etcdCommand);
        started.add(etcd);
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        SoakLoad.ClientResult get;
        do {
            Thread.sleep(250);
            get = load.client(load.etcdctl("get", "--print-value-only", ETCD_KEY), "restart.err");
        } while (get.exitStatus() != 0 && etcd.isAlive() && System.nanoTime() < deadline);
        String served = get.exitStatus() == 0 ? get.stdout().strip() : "(no answer: " + get + ")";
        etcd.terminate();
        boolean ended = etcd.awaitExit(SHUTDOWN_LIMIT.toMillis());
        return new SoakResults.Restart(load.lastAcknowledged(), load.lastAttempted(), served, ended);
    }

    /** Runs a setup command, which must succeed. */
    private static void setup(SoakLoad load, List<String> command) throws IOException, InterruptedException {
        SoakLoad.ClientResult result = load.client(command, "setup.err");
        if (result.exitStatus() != 0) {
            throw new IllegalStateException("soak setup failed: " + result);
        }
    }

    private interface Client {
        SoakLoad.ClientResult call() throws IOException, InterruptedException;
    }

    /** Retries {@code client} until it exits 0 (printing {@code expected}, unless that is empty). */
    private static void awaitAnswer(LaunchedDaemon daemon, Client client, String expected)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        while (true) {
            if (!daemon.isAlive()) {
                throw new IllegalStateException("the " + daemon.name() + " launcher ended at start-up\n"
                        + daemon.outputTail());
            }
            SoakLoad.ClientResult result = client.call();
            if (result.exitStatus() == 0 && (expected.isEmpty() || result.stdout().equals(expected))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(daemon.name() + " did not answer within " + STARTUP_LIMIT.toSeconds()
                        + " s: " + result + "\n" + daemon.outputTail());
            }
            Thread.sleep(250);
        }
    }

    /** The host pid of a container's task, from {@code ctr task ls}: lines of TASK, PID and STATUS. */
    private static long taskPid(SoakLoad load, String socket, String container) throws IOException, InterruptedException {
        SoakLoad.ClientResult tasks = load.client(List.of("ctr", "--address", socket, "task", "ls"), "setup.err");
        return tasks.stdout().lines()
                .map(line -> line.strip().split("\\s+"))
                .filter(fields -> fields.length == 3 && fields[0].equals(container) && fields[2].equals("RUNNING"))
                .mapToLong(fields -> Long.parseLong(fields[1]))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no running task " + container + " in: " + tasks));
    }

    /** The launcher JVM's flags, as its command line shows them: what the launcher script chose, and ours. */
    private static String jvmFlags(long pid) {
        List<String> flags = new ArrayList<>();
        for (String arg : ProcessTable.commandLine(pid).stream().skip(1).toList()) {
            if (arg.equals("-jar") || arg.equals("-cp")) {
                break;
            }
            flags.add(arg);
        }
        return String.join(" ", flags);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
    }

    /**
     * Live processes whose command line names {@code dir}: the daemons, containerd's shims, runc; not this JVM's
     * own children, the launchers and the load's clients.
     */
    private static Set<Long> processesNaming(Path dir) {
        ProcessHandle self = ProcessHandle.current();
        Set<Long> pids = new TreeSet<>();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self.pid() && !p.parent().map(self::equals).orElse(false))
                .filter(p -> String.join(" ", ProcessTable.commandLine(p.pid())).contains(dir.toString()))
                .forEach(p -> pids.add(p.pid()));
        return pids;
    }

    /**
     * Removes what a killed container can leave: its root file system mounted under the soak's directory and its
     * cgroups (containerd's namespace {@code default}); then the directory.
     */
    private static void cleanUp(Path dir, String containerPrefix) throws IOException, InterruptedException {
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(line -> line.split(" ")[1])
                .filter(mountPoint -> mountPoint.startsWith(dir.toString()))
                .toList();
        for (String mountPoint : mounts.reversed()) {
            new ProcessBuilder("umount", mountPoint).inheritIO().start().waitFor();
        }
        Path cgroups = Path.of("/sys/fs/cgroup");
        if (Files.isDirectory(cgroups)) {
            try (Stream<Path> hierarchies = Files.list(cgroups)) {
                for (Path hierarchy : hierarchies.toList()) {
                    Path namespace = hierarchy.resolve("default");
                    if (!Files.isDirectory(namespace)) {
                        continue;
                    }
                    try (Stream<Path> groups = Files.list(namespace)) {
                        for (Path group : groups.filter(g -> g.getFileName().toString().startsWith(containerPrefix))
                                .toList()) {
                            try {
                                Files.deleteIfExists(group);
                            } catch (IOException e) {
                                // A cgroup still in use stays; nothing else can be done about it here.
                            }
                        }
                    }
                }
            }
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** {@code count} distinct loopback ports that were free a moment ago. */
    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

}
