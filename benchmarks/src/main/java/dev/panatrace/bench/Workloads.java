package dev.panatrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The macro benchmark's workloads W1 to W4, at full or quick sizes, on Linux or inside gVisor. */
final class Workloads {
    /** What the host directory serves in place of the real keys, so a redirected read is recognizable. */
    static final String HOST_FIRST = "PanatraceOS\n";
    static final String HOST_SECOND = "0.0.0-panatrace-bench\n";

    /**
     * How big each workload is.
     *
     * @param w1Reads reads of the redirected key from the shell loop
     * @param w2Bytes one-byte reads (and as many writes) by dd
     * @param w3Threads OS threads of the Go program
     * @param w3Iterations iterations per thread
     * @param w3Plain plain reads and writes per iteration
     * @param w4Processes short processes run one after another
     */
    record Sizes(int w1Reads, int w2Bytes, int w3Threads, int w3Iterations, int w3Plain, int w4Processes) {
        static final Sizes FULL = new Sizes(5_000, 1_000_000, 64, 250, 8, 200);
        static final Sizes QUICK = new Sizes(200, 20_000, 8, 20, 8, 20);
        // gVisor emulates every syscall, at tens of µs each on its ptrace platform (an open ~0.4 ms, a fork
        // and exec ~10-40 ms): sizes for a --gvisor run of a few minutes, and a quick one of well under one.
        static final Sizes GVISOR = new Sizes(1_000, 10_000, 16, 25, 8, 50);
        static final Sizes GVISOR_QUICK = new Sizes(100, 1_000, 4, 5, 8, 5);
    }

    /**
     * The two /proc/sys keys the workloads read: W1 the first, W3 both.
     *
     * @param first a key, relative to /proc/sys
     * @param second another key
     */
    record Keys(String first, String second) {
        /** On Linux. */
        static final Keys LINUX = new Keys("kernel/ostype", "kernel/osrelease");
        /** gVisor's /proc/sys has no kernel/ostype or kernel/osrelease; these two it has. */
        static final Keys GVISOR = new Keys("vm/max_map_count", "vm/mmap_min_addr");
    }

    private Workloads() {}

    /** Fills {@code hostDirectory} with the keys the workloads read, as the tools that redirect will see them. */
    static void writeHostDirectory(Path hostDirectory, Keys keys) throws IOException {
        for (String key : List.of(keys.first(), keys.second())) {
            Files.createDirectories(hostDirectory.resolve(key).getParent());
        }
        Files.writeString(hostDirectory.resolve(keys.first()), HOST_FIRST);
        Files.writeString(hostDirectory.resolve(keys.second()), HOST_SECOND);
    }

    /**
     * The workloads named, in that order.
     *
     * @param w3 the W3 Go program, or null when W3 is not among {@code names}
     */
    static List<Workload> create(List<String> names, Sizes sizes, Keys keys, Path busybox, Path w3)
            throws IOException {
        String first = "/proc/sys/" + keys.first();
        String realFirst = Files.readString(Path.of(first));
        String bb = busybox.toString();
        List<Workload> workloads = new ArrayList<>();
        for (String name : names) {
            workloads.add(switch (name) {
                case "W1" -> {
                    List<String> shell = List.of(bb, "sh", "-c", "i=0; while [ $i -lt " + sizes.w1Reads()
                            + " ]; do read v < " + first + "; i=$((i+1)); done; echo \"$v\"");
                    yield new Workload("W1", sizes.w1Reads() + " reads of " + first + " (redirected) "
                            + "from a busybox shell loop", shell, shell, firstLine(realFirst), firstLine(HOST_FIRST));
                }
                case "W2" -> {
                    List<String> dd = List.of(bb, "dd", "if=/dev/zero", "of=/dev/null", "bs=1",
                            "count=" + sizes.w2Bytes());
                    yield new Workload("W2", String.format("busybox dd of %,d one-byte reads and writes; nothing redirected",
                            sizes.w2Bytes()), dd, dd, "", "");
                }
                case "W3" -> w3(w3, sizes.w3Threads(), sizes.w3Iterations(), sizes.w3Plain(), keys);
                case "W4" -> {
                    List<String> shell = List.of(bb, "sh", "-c", "i=0; while [ $i -lt " + sizes.w4Processes()
                            + " ]; do " + bb + " true; i=$((i+1)); done; echo $i");
                    yield new Workload("W4", sizes.w4Processes() + " short processes (fork, exec busybox true, exit) "
                            + "from a busybox shell loop", shell, shell, sizes.w4Processes() + "\n",
                            sizes.w4Processes() + "\n");
                }
                default -> throw new IllegalArgumentException("unknown workload " + name);
            });
        }
        return workloads;
    }

    /**
     * W3 with {@code threads} OS threads, each making {@code iterations} iterations of {@code plain} reads and
     * writes and opens of both keys.
     */
    static Workload w3(Path w3, int threads, int iterations, int plain, Keys keys) throws IOException {
        String first = "/proc/sys/" + keys.first();
        String second = "/proc/sys/" + keys.second();
        String realFirst = Files.readString(Path.of(first));
        String realSecond = Files.readString(Path.of(second));
        List<String> counts = List.of("-threads", Integer.toString(threads), "-iterations", Integer.toString(iterations),
                "-plain", Integer.toString(plain));
        String stdout = "opens=" + 2 * threads * iterations + " plain=" + 2 * threads * iterations * plain
                + " failures=0 wrong=0\n";
        return new Workload("W3", "static Go program, " + threads + " goroutines locked to OS threads, each "
                + iterations + " times: open, read and close 2 /proc/sys keys (redirected), " + plain
                + " reads of /dev/zero and writes to /dev/null",
                w3Command(w3, counts, first, realFirst, second, realSecond),
                w3Command(w3, counts, first, HOST_FIRST, second, HOST_SECOND), stdout, stdout);
    }

    private static List<String> w3Command(Path w3, List<String> counts, String first, String firstContent,
                                          String second, String secondContent) {
        List<String> command = new ArrayList<>(List.of(w3.toString()));
        command.addAll(counts);
        command.addAll(List.of("-expect", first + "=" + escape(firstContent), "-expect", second + "=" + escape(secondContent)));
        return List.copyOf(command);
    }

    /** The two escapes w3's -expect understands. */
    private static String escape(String content) {
        return content.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** A key's first line with its newline, as {@code read v; echo "$v"} prints it. */
    private static String firstLine(String content) {
        int newline = content.indexOf('\n');
        return (newline < 0 ? content : content.substring(0, newline)) + "\n";
    }
}
