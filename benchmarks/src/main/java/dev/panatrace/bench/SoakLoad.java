package dev.panatrace.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's clients, each a loop on a thread of its own until stopped: one busybox container started and removed
 * with {@code ctr run --rm}, then a pause; five etcd put/get round trips, then a pause. A client command that
 * fails, prints the wrong thing or takes over {@link #CLIENT_TIMEOUT} counts as a failure; the first few
 * failures are kept, with the client's standard error, for the report.
 */
final class SoakLoad implements AutoCloseable {
    static final Duration PAUSE = Duration.ofMillis(400);
    static final int ROUND_TRIPS_PER_ROUND = 5;
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    private static final int FAILURES_KEPT = 5;

    private final Path dir;
    private final String containerdSocket;
    private final String runcRoot;
    private final String image;
    private final String containerPrefix;
    private final String etcdEndpoint;
    private final String etcdKey;
    private final AtomicLong containers = new AtomicLong();
    private final AtomicLong failedContainers = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong failedRoundTrips = new AtomicLong();
    private final AtomicLong lastAcknowledged = new AtomicLong();
    private final AtomicLong lastAttempted = new AtomicLong();
    private final List<String> failures = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean counting = true;
    private volatile boolean stopped;

    SoakLoad(Path dir, String containerdSocket, String runcRoot, String image, String containerPrefix,
             String etcdEndpoint, String etcdKey) {
        this.dir = dir;
        this.containerdSocket = containerdSocket;
        this.runcRoot = runcRoot;
        this.image = image;
        this.containerPrefix = containerPrefix;
        this.etcdEndpoint = etcdEndpoint;
        this.etcdKey = etcdKey;
    }

    /** Starts both loops. */
    void start() {
        threads.add(Thread.ofPlatform().name("soak-containers").daemon().start(() -> loop("containers", this::container)));
        threads.add(Thread.ofPlatform().name("soak-etcd").daemon().start(() -> loop("etcd", this::etcdRound)));
    }

    /** From now on failures are the shutdown's doing: the loops go on, uncounted. */
    void stopCounting() {
        counting = false;
    }

    long containers() {
        return containers.get();
    }

    long failedContainers() {
        return failedContainers.get();
    }

    long roundTrips() {
        return roundTrips.get();
    }

    long failedRoundTrips() {
        return failedRoundTrips.get();
    }

    /** The value of the last put etcd acknowledged; 0, the value the soak starts with, before the first. */
    long lastAcknowledged() {
        return lastAcknowledged.get();
    }

    /** The value of the last put sent, which etcd may have stored without the acknowledgement arriving. */
    long lastAttempted() {
        return lastAttempted.get();
    }

    /** The first failures, each with what the client said. */
    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops both loops, waiting for the client commands under way. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            thread.join(CLIENT_TIMEOUT.plusSeconds(5).toMillis());
        }
    }

    private interface Step {
        void run() throws IOException, InterruptedException;
    }

    private void loop(String what, Step step) {
        try {
            while (!stopped) {
                step.run();
                Thread.sleep(PAUSE);
            }
        } catch (IOException | RuntimeException e) {
            fail(what + " load stopped: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void container() throws IOException, InterruptedException {
        long n = containers.get();
        String id = containerPrefix + n;
        String greeting = "soak-" + n;
        ClientResult run = client(List.of("ctr", "--address", containerdSocket, "run", "--rm", "--runc-root", runcRoot,
                "--snapshotter", "native", image, id, "/bin/busybox", "echo", greeting), "ctr.err");
        if (!counting) {
            return;
        }
        containers.incrementAndGet();
        if (!run.printed(greeting + "\n")) {
            failedContainers.incrementAndGet();
            fail("container " + id + ": " + run);
        }
    }

    private void etcdRound() throws IOException, InterruptedException {
        for (int i = 0; i < ROUND_TRIPS_PER_ROUND && !stopped; i++) {
            long value = lastAttempted.get() + 1;
            lastAttempted.set(value);
            ClientResult put = client(etcdctl("put", etcdKey, Long.toString(value)), "etcdctl.err");
            if (put.printed("OK\n")) {
                lastAcknowledged.set(value);
            }
            ClientResult get = put.printed("OK\n")
                    ? client(etcdctl("get", "--print-value-only", etcdKey), "etcdctl.err") : put;
            if (!counting) {
                return;
            }
            roundTrips.incrementAndGet();
            if (!get.printed(value + "\n")) {
                failedRoundTrips.incrementAndGet();
                fail("etcd round trip " + value + ": " + get);
            }
        }
    }

    /** An etcdctl command against the soak's etcd. */
    List<String> etcdctl(String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints", etcdEndpoint, "--dial-timeout", "5s"));
        command.addAll(List.of(args));
        return command;
    }

    private synchronized void fail(String what) {
        if (failures.size() < FAILURES_KEPT) {
            failures.add(what);
        }
    }

    /** What a client command did. */
    record ClientResult(List<String> command, int exitStatus, String stdout, String stderr) {
        boolean printed(String expected) {
            return exitStatus == 0 && stdout.equals(expected);
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " exited " + exitStatus + ", printing '" + stdout.strip() + "'"
                    + (stderr.isBlank() ? "" : ", stderr: " + stderr.strip());
        }
    }

    /**
     * Runs a client command to its end, or kills it after {@link #CLIENT_TIMEOUT} (exit status -1); its standard
     * error goes through a file named {@code errorFile} in the soak's directory.
     */
    ClientResult client(List<String> command, String errorFile) throws IOException, InterruptedException {
        Path stderr = dir.resolve(errorFile);
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(stderr.toFile())
                .start();
        // Read while it runs, so a client that prints more than a pipe holds cannot stall.
        byte[][] stdout = new byte[1][];
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                stdout[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                stdout[0] = new byte[0];
            }
        });
        boolean finished = process.waitFor(CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        reader.join();
        String out = stdout[0] == null ? "" : new String(stdout[0], StandardCharsets.UTF_8);
        String err = Files.exists(stderr) ? Files.readString(stderr) : "";
        return new ClientResult(command, finished ? process.exitValue() : -1, out,
                err.substring(Math.max(0, err.length() - 500)));
    }
}
