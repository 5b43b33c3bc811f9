package dev.panatrace.bench;

import dev.panatrace.ptrace.testing.ProcessTable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A daemon under {@code bin/k3s-launcher run --profile k3s}, as a node runs it, and what /proc and the launcher's
 * GC log say of the launcher's JVM. The script execs java, so the process started is the launcher's JVM.
 */
final class LaunchedDaemon {
    /** Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat, on every architecture it runs on. */
    private static final double TICKS_PER_SECOND = 100;
    /** A unified-logging GC line: {@code GC(7) Pause Young (Allocation Failure) 9M->2M(30M) 0.712ms}. */
    private static final Pattern GC_LINE = Pattern.compile("GC\\(\\d+\\) .* (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private final String name;
    private final Process launcher;
    private final Path gcLog;
    private final Path output;
    private long gcLogRead;
    private Optional<Double> heapAfterGcMib = Optional.empty();
    private long lastCpuTicks;
    private long lastSampleNanos;

    private LaunchedDaemon(String name, Process launcher, Path gcLog, Path output) {
        this.name = name;
        this.launcher = launcher;
        this.gcLog = gcLog;
        this.output = output;
        this.lastSampleNanos = System.nanoTime();
    }

    /**
     * Starts {@code command} under the launcher of {@code repo}, its output in {@code dir/NAME-launcher.log}.
     *
     * @param javaOptions JVM flags for the launcher after its own, or empty
     */
    static LaunchedDaemon start(String name, Path repo, Path dir, String javaOptions, List<String> command)
            throws IOException {
        Path gcLog = dir.resolve(name + "-gc.log");
        Path output = dir.resolve(name + "-launcher.log");
        List<String> args = new ArrayList<>(List.of(repo.resolve("bin/k3s-launcher").toString(),
                "run", "--profile", "k3s", "--"));
        args.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(args)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        // The heap after each collection, from the JVM's own log: a file write per GC, nothing kept in memory.
        builder.environment().put("PANATRACE_JAVA_OPTS", (javaOptions + " -Xlog:gc:file=" + gcLog).strip());
        return new LaunchedDaemon(name, builder.start(), gcLog, output);
    }

    String name() {
        return name;
    }

    /** The launcher's JVM. */
    Process launcher() {
        return launcher;
    }

    boolean isAlive() {
        return launcher.isAlive();
    }

    /** The end of the launcher's output, for failure messages. */
    String outputTail() {
        try {
            String text = Files.readString(output);
            return name + " launcher output (tail):\n" + text.substring(Math.max(0, text.length() - 3000));
        } catch (IOException e) {
            return name + " launcher output unreadable: " + e;
        }
    }

    /**
     * What the launcher's JVM uses now; its CPU since the last sample (or the start).
     *
     * @param minutes when, in minutes since the soak began
     */
    SoakSample sample(double minutes) throws IOException {
        long pid = launcher.pid();
        Path proc = Path.of("/proc", Long.toString(pid));
        long rssKib = Long.parseLong(ProcessTable.statusField(pid, "VmRSS").replace("kB", "").strip());
        int threads = Integer.parseInt(ProcessTable.statusField(pid, "Threads"));
        int descriptors;
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            descriptors = (int) fds.count();
        }
        String stat = Files.readString(proc.resolve("stat"));
        // Fields after the parenthesized command name, which may itself hold spaces and ')': utime and stime
        // are fields 14 and 15 of stat(5), so 12 and 13 of what follows it.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long cpuTicks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        long now = System.nanoTime();
        double cpuPercent = 100 * (cpuTicks - lastCpuTicks) / TICKS_PER_SECOND / ((now - lastSampleNanos) / 1e9);
        lastCpuTicks = cpuTicks;
        lastSampleNanos = now;
        readGcLog();
        return new SoakSample(minutes, rssKib / 1024.0, cpuPercent, descriptors, threads, heapAfterGcMib);
    }

    /** Sends SIGTERM to the launcher. */
    void terminate() {
        launcher.destroy();
    }

    /** Waits up to {@code millis} for the launcher to end; whether it has. */
    boolean awaitExit(long millis) throws InterruptedException {
        return launcher.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /** Kills the launcher and its children, for a soak that ends early. */
    void kill() throws InterruptedException {
        launcher.descendants().forEach(ProcessHandle::destroyForcibly);
        launcher.destroyForcibly();
        launcher.waitFor(10, TimeUnit.SECONDS);
    }

    /** Reads the lines the GC log gained since the last look; the last collection's result is the one kept. */
    private void readGcLog() throws IOException {
        if (!Files.exists(gcLog)) {
            return;
        }
        try (RandomAccessFile file = new RandomAccessFile(gcLog.toFile(), "r")) {
            if (file.length() <= gcLogRead) {
                return;
            }
            byte[] added = new byte[(int) (file.length() - gcLogRead)];
            file.seek(gcLogRead);
            file.readFully(added);
            String text = new String(added, StandardCharsets.UTF_8);
            // Only whole lines: the JVM may be writing the last one.
            int end = text.lastIndexOf('\n') + 1;
            gcLogRead += text.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
            text.substring(0, end).lines().forEach(line -> {
                Matcher gc = GC_LINE.matcher(line);
                if (gc.find()) {
                    heapAfterGcMib = Optional.of(mebibytes(gc.group(3), gc.group(4)));
                }
            });
        }
    }

    private static double mebibytes(String number, String unit) {
        double value = Double.parseDouble(number);
        return switch (unit) {
            case "K" -> value / 1024;
            case "G" -> value * 1024;
            default -> value;
        };
    }
}
