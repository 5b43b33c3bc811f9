package dev.panatrace.bench.micro;

import dev.panatrace.bench.GoPrograms;
import dev.panatrace.bench.RepositoryRoot;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A traced Go program that makes {@link #BATCH} calls of one syscall each time it is asked to, for the
 * per-syscall micro-benchmarks: a benchmark op is a batch, reported per call with
 * {@code @OperationsPerInvocation(BATCH)}. The tracee lives for the whole trial, so spawning is never timed;
 * a request and its reply are one byte each way through FIFOs, which the handler does not see (about 1% of
 * a batch). Its Go runtime runs with asynchronous preemption off, so no SIGURG stops mix with the syscalls.
 */
final class RoundTripTracee {
    /** Calls per request. */
    static final int BATCH = 1000;

    private final Path directory;
    private final TraceSession session;
    private final OutputStream requests;
    private final InputStream replies;

    private RoundTripTracee(Path directory, TraceSession session, OutputStream requests, InputStream replies) {
        this.directory = directory;
        this.session = session;
        this.requests = requests;
        this.replies = replies;
    }

    /**
     * Spawns the tracee under {@code handler}.
     *
     * @param call {@code getppid}, or {@code faccessat} of {@code path}
     */
    static RoundTripTracee start(TraceHandler handler, TraceMode mode, String call, String path) throws Exception {
        Path program = GoPrograms.build(RepositoryRoot.find(), "roundtrip");
        Path directory = Files.createTempDirectory("panatrace-roundtrip-");
        Path in = directory.resolve("requests");
        Path out = directory.resolve("replies");
        Fifo.create(in);
        Fifo.create(out);
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put("GODEBUG", "asyncpreemptoff=1");
        // Opening a FIFO blocks until its other end is opened, and the tracee opens its ends once running.
        ExecutorService openers = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "roundtrip-fifo-open");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<OutputStream> requests = openers.submit(() -> new FileOutputStream(in.toFile()));
            Future<InputStream> replies = openers.submit(() -> new FileInputStream(out.toFile()));
            TraceSession session = Tracer.builder().handler(handler).mode(mode).environment(environment)
                    .stdin(Path.of("/dev/null")).stdout(directory.resolve("stdout")).stderr(directory.resolve("stderr"))
                    .spawn(List.of(program.toString(), "-in", in.toString(), "-out", out.toString(),
                            "-batch", Integer.toString(BATCH), "-call", call, "-path", path));
            try {
                return new RoundTripTracee(directory, session, requests.get(30, TimeUnit.SECONDS),
                        replies.get(30, TimeUnit.SECONDS));
            } catch (TimeoutException | ExecutionException e) {
                session.close();
                throw new IllegalStateException("roundtrip did not open its FIFOs: "
                        + Files.readString(directory.resolve("stderr")), e);
            }
        } finally {
            openers.shutdownNow();
        }
    }

    /** Asks for one batch and waits until it is done. */
    void runBatch() throws IOException {
        requests.write(1);
        if (replies.read() < 0) {
            throw new IOException("roundtrip exited: " + Files.readString(directory.resolve("stderr")));
        }
    }

    /** Ends the tracee (end of its requests), waits for it and removes its FIFOs. */
    void stop() throws IOException, InterruptedException {
        requests.close();
        session.waitFor(Duration.ofSeconds(10));
        if (!session.isDone()) {
            session.kill();
        }
        session.close();
        replies.close();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
