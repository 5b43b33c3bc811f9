package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.OciImageArchive;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.ProcessTable;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's containerd and etcd, real Go daemons, serve their clients under {@code k3s-launcher run
 * --profile k3s} for a minute, and a SIGTERM to the launcher ends them and everything they started,
 * containerd's detached shims included.
 *
 * <p>Both daemons start before the first test, so their minutes under the launcher overlap.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DaemonsUnderProfileTest {
    private static final Duration UP_AT_LEAST = Duration.ofSeconds(60);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(5);
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    /** The launcher's grace period for what a signalled daemon leaves behind, and time to spare. */
    private static final Duration PROMPTLY = TracedRun.LEFTOVER_GRACE.plusSeconds(10);
    private static final String IMAGE = "docker.io/panatrace/busybox:test";
    private static final String ECHO_CONTAINER = "panatrace-" + ProcessHandle.current().pid() + "-echo";
    private static final String SLEEP_CONTAINER = "panatrace-" + ProcessHandle.current().pid() + "-sleep";

    @TempDir
    static Path temp;

    private static Daemon containerd;
    private static Daemon etcd;
    private static String etcdEndpoint;

    /** A daemon under a launcher, its files in {@code dir}; the launcher's output goes to {@code log}. */
    private record Daemon(Process launcher, Instant started, Path dir, Path log) {
        static Daemon start(Path dir, List<String> daemonCommand) throws IOException {
            Path log = dir.resolve("launcher.log");
            List<String> args = new ArrayList<>(List.of("run", "--profile", "k3s", "--"));
            args.addAll(daemonCommand);
            Process launcher = LauncherProcess.builder(args.toArray(String[]::new))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new Daemon(launcher, Instant.now(), dir, log);
        }

        /** The launcher's output so far, for failure messages. */
        Supplier<String> output() {
            return () -> {
                try {
                    String text = Files.readString(log);
                    return "launcher output (tail):\n" + text.substring(Math.max(0, text.length() - 4000));
                } catch (IOException e) {
                    return "launcher output unreadable: " + e;
                }
            };
        }

        /** Checks every {@link #CHECK_EVERY} that the daemon still answers, until it has been up {@link #UP_AT_LEAST}. */
        void stayUp(Runnable answers) throws InterruptedException {
            Instant until = started.plus(UP_AT_LEAST);
            do {
                assertTrue(launcher.isAlive(), output());
                answers.run();
                Thread.sleep(Math.max(0, Math.min(CHECK_EVERY.toMillis(),
                        Duration.between(Instant.now(), until).toMillis())));
            } while (Instant.now().isBefore(until));
            assertTrue(launcher.isAlive(), output());
            answers.run();
        }

        /** Sends SIGTERM to the launcher and returns its exit status, failing if it takes longer than {@link #PROMPTLY}. */
        int terminate() throws InterruptedException {
            launcher.destroy();
            if (!launcher.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("the launcher did not end within " + PROMPTLY + " of SIGTERM; still traced: "
                        + describe(processesNaming(dir)) + "\n" + output().get());
            }
            return launcher.exitValue();
        }
    }

    @BeforeAll
    static void startDaemons() throws IOException {
        Tracees.assumePtraceAllowed();
        if (onPath("containerd") && onPath("ctr") && onPath("runc")) {
            Path dir = Files.createDirectories(temp.resolve("containerd"));
            Path config = Files.writeString(dir.resolve("config.toml"),
                    "version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n");
            containerd = Daemon.start(dir, List.of("containerd",
                    "--root", dir.resolve("root").toString(), "--state", dir.resolve("state").toString(),
                    "--address", dir.resolve("containerd.sock").toString(), "--config", config.toString()));
        }
        if (onPath("etcd") && onPath("etcdctl")) {
            Path dir = Files.createDirectories(temp.resolve("etcd"));
            int[] ports = freePorts(2);
            etcdEndpoint = "http://127.0.0.1:" + ports[0];
            String peer = "http://127.0.0.1:" + ports[1];
            etcd = Daemon.start(dir, List.of("etcd", "--name", "panatrace",
                    "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", etcdEndpoint, "--advertise-client-urls", etcdEndpoint,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "panatrace=" + peer));
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        for (Daemon daemon : Arrays.asList(containerd, etcd)) {
            if (daemon != null && daemon.launcher().isAlive()) {
                LauncherProcess.kill(daemon.launcher());
            }
        }
        if (temp == null) {
            return;
        }
        // A killed shim leaves its container's root file system mounted and its cgroups behind.
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(line -> line.split(" ")[1])
                .filter(mountPoint -> mountPoint.startsWith(temp.toString()))
                .toList();
        for (String mountPoint : mounts.reversed()) {
            Tracees.runUntraced(CLIENT_TIMEOUT, List.of(Tracees.busybox().toString(), "umount", mountPoint));
        }
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                for (String container : List.of(ECHO_CONTAINER, SLEEP_CONTAINER)) {
                    try {
                        Files.deleteIfExists(hierarchy.resolve("default").resolve(container));
                    } catch (IOException e) {
                        // Still in use or never created: nothing this test can do about it.
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // No cgroup file system: no cgroups left behind either.
        }
    }

    @Test
    void containerdRunsAContainerAndEndsWithItsShimsOnSigterm() throws Exception {
        assumeTrue(containerd != null, "containerd, ctr or runc is not installed (Debian package containerd)");
        Path dir = containerd.dir();
        String socket = dir.resolve("containerd.sock").toString();
        String runcRoot = dir.resolve("runc").toString();
        Runnable answers = () -> {
            ProcessResult version = Tracees.runUntraced(CLIENT_TIMEOUT, List.of("ctr", "--address", socket, "version"));
            assertEquals(0, version.exitCode(), () -> version.stderr() + containerd.output().get());
            assertTrue(version.stdout().contains("Server:"), version.stdout());
        };
        awaitAnswer(containerd, answers);

        Path archive = temp.resolve("image.tar");
        OciImageArchive.write(archive, IMAGE, Tracees.busybox());
        ProcessResult imported = Tracees.runUntraced(CLIENT_TIMEOUT, List.of("ctr", "--address", socket,
                "image", "import", "--snapshotter", "native", archive.toString()));
        assertEquals(0, imported.exitCode(), () -> imported.stderr() + containerd.output().get());
        ProcessResult echoed = Tracees.runUntraced(CLIENT_TIMEOUT, List.of("ctr", "--address", socket,
                "run", "--rm", "--runc-root", runcRoot, "--snapshotter", "native", IMAGE, ECHO_CONTAINER,
                "/bin/busybox", "echo", "hello-from-container"));
        assertEquals(0, echoed.exitCode(), () -> echoed.stderr() + containerd.output().get());
        assertEquals("hello-from-container\n", echoed.stdout());

        // A detached container keeps its shim running after containerd has gone.
        ProcessResult detached = Tracees.runUntraced(CLIENT_TIMEOUT, List.of("ctr", "--address", socket,
                "run", "--detach", "--runc-root", runcRoot, "--snapshotter", "native", IMAGE, SLEEP_CONTAINER,
                "/bin/busybox", "sleep", "600"));
        assertEquals(0, detached.exitCode(), () -> detached.stderr() + containerd.output().get());
        long sleeper = taskPid(socket, SLEEP_CONTAINER);
        Set<Long> traced = processesNaming(dir);
        traced.remove(containerd.launcher().pid());
        traced.add(sleeper);
        // containerd, the sleeping container's shim and the container itself, at least.
        assertTrue(traced.size() >= 3, "traced processes: " + describe(traced));
        for (long pid : traced) {
            assertEquals(Optional.of(containerd.launcher().pid()), ProcessTable.tracerProcess(pid),
                    "not traced by the launcher: " + describe(Set.of(pid)));
        }

        containerd.stayUp(answers);
        assertTrue(ProcessTable.isAlive(sleeper), "the container's process ended early");

        assertEquals(0, containerd.terminate(), containerd.output());
        Set<Long> remaining = new TreeSet<>(traced);
        remaining.removeIf(pid -> !ProcessTable.isAlive(pid));
        assertTrue(remaining.isEmpty(), "outlived the launcher: " + describe(remaining));
        Set<Long> naming = processesNaming(dir);
        assertTrue(naming.isEmpty(), "outlived the launcher: " + describe(naming));
    }

    @Test
    void etcdStoresAndServesKeysAndEndsOnSigterm() throws Exception {
        assumeTrue(etcd != null, "etcd or etcdctl is not installed (Debian packages etcd-server, etcd-client)");
        String endpoint = etcdEndpoint;
        String key = "panatrace/" + ProcessHandle.current().pid();
        String value = "served-under-the-k3s-profile-" + System.nanoTime();
        awaitAnswer(etcd, () -> {
            ProcessResult put = etcdctl(endpoint, "put", key, value);
            assertEquals(0, put.exitCode(), () -> put.stderr() + etcd.output().get());
            assertEquals("OK\n", put.stdout());
        });
        Runnable answers = () -> {
            ProcessResult get = etcdctl(endpoint, "get", key);
            assertEquals(0, get.exitCode(), () -> get.stderr() + etcd.output().get());
            assertEquals(key + "\n" + value + "\n", get.stdout());
        };
        answers.run();

        etcd.stayUp(answers);

        // etcd ends by raising SIGTERM again once it has shut down.
        assertEquals(128 + 15, etcd.terminate(), etcd.output());
        Set<Long> naming = processesNaming(etcd.dir());
        assertTrue(naming.isEmpty(), "outlived the launcher: " + describe(naming));
    }

    private static ProcessResult etcdctl(String endpoint, String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints", endpoint));
        command.addAll(List.of(args));
        return Tracees.runUntraced(CLIENT_TIMEOUT, command);
    }

    /** Retries {@code answers} until it passes, failing after {@link #STARTUP} with its last failure. */
    private static void awaitAnswer(Daemon daemon, Runnable answers) throws InterruptedException {
        Instant deadline = Instant.now().plus(STARTUP);
        while (true) {
            assertTrue(daemon.launcher().isAlive(), daemon.output());
            try {
                answers.run();
                return;
            } catch (AssertionError notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw notYet;
                }
            }
            Thread.sleep(250);
        }
    }

    /** The host pid of a container's task, from {@code ctr task ls}: lines of TASK, PID and STATUS. */
    private static long taskPid(String socket, String container) {
        ProcessResult tasks = Tracees.runUntraced(CLIENT_TIMEOUT, List.of("ctr", "--address", socket, "task", "ls"));
        assertEquals(0, tasks.exitCode(), tasks.stderr());
        return tasks.stdout().lines()
                .map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length == 3 && fields[0].equals(container) && fields[2].equals("RUNNING"))
                .mapToLong(fields -> Long.parseLong(fields[1]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no running task " + container + " in:\n" + tasks.stdout()));
    }

    /** Live processes whose command line mentions {@code dir}. */
    private static Set<Long> processesNaming(Path dir) {
        Set<Long> pids = new TreeSet<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(entry -> entry.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .filter(pid -> String.join(" ", ProcessTable.commandLine(pid)).contains(dir.toString())
                            && ProcessTable.isAlive(pid))
                    .forEach(pids::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** Pid, state and command line of each process, for failure messages. */
    private static String describe(Set<Long> pids) {
        StringBuilder text = new StringBuilder();
        for (long pid : pids) {
            String state;
            try {
                state = ProcessTable.statusField(pid, "State") + ", TracerPid " + ProcessTable.statusField(pid, "TracerPid");
            } catch (IOException | AssertionError e) {
                state = "gone";
            }
            text.append("\n  ").append(pid).append(" (").append(state).append("): ").append(String.join(" ", ProcessTable.commandLine(pid)));
        }
        return text.toString();
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    /** {@code count} distinct ports that were free a moment ago. */
    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
