package dev.panatrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The macro benchmark's workloads W1 to W4, at full or quick sizes. */
final class Workloads {
    /** What the host directory serves in place of the real keys, so a redirected read is recognizable. */
    static final String HOST_OSTYPE = "PanatraceOS\n";
    static final String HOST_OSRELEASE = "0.0.0-panatrace-bench\n";

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
    }

    private Workloads() {}

    /** Fills {@code hostDirectory} with the keys the workloads read, as the tools that redirect will see them. */
    static void writeHostDirectory(Path hostDirectory) throws IOException {
        Files.createDirectories(hostDirectory.resolve("kernel"));
        Files.writeString(hostDirectory.resolve("kernel/ostype"), HOST_OSTYPE);
        Files.writeString(hostDirectory.resolve("kernel/osrelease"), HOST_OSRELEASE);
    }

    /**
     * The workloads named, in that order.
     *
     * @param w3 the W3 Go program, or null when W3 is not among {@code names}
     */
    static List<Workload> create(List<String> names, Sizes sizes, Path busybox, Path w3) throws IOException {
        String realOstype = Files.readString(Path.of("/proc/sys/kernel/ostype"));
        String realOsrelease = Files.readString(Path.of("/proc/sys/kernel/osrelease"));
        String bb = busybox.toString();
        List<Workload> workloads = new ArrayList<>();
        for (String name : names) {
            workloads.add(switch (name) {
                case "W1" -> {
                    List<String> shell = List.of(bb, "sh", "-c", "i=0; while [ $i -lt " + sizes.w1Reads()
                            + " ]; do read v < /proc/sys/kernel/ostype; i=$((i+1)); done; echo \"$v\"");
                    yield new Workload("W1", sizes.w1Reads() + " reads of /proc/sys/kernel/ostype (redirected) "
                            + "from a busybox shell loop", shell, shell, firstLine(realOstype), firstLine(HOST_OSTYPE));
                }
                case "W2" -> {
                    List<String> dd = List.of(bb, "dd", "if=/dev/zero", "of=/dev/null", "bs=1",
                            "count=" + sizes.w2Bytes());
                    yield new Workload("W2", String.format("busybox dd of %,d one-byte reads and writes; nothing redirected",
                            sizes.w2Bytes()), dd, dd, "", "");
                }
                case "W3" -> {
                    String stdout = "opens=" + 2 * sizes.w3Threads() * sizes.w3Iterations()
                            + " plain=" + 2 * sizes.w3Threads() * sizes.w3Iterations() * sizes.w3Plain()
                            + " failures=0 wrong=0\n";
                    yield new Workload("W3", "static Go program, " + sizes.w3Threads() + " goroutines locked to OS "
                            + "threads, each " + sizes.w3Iterations() + " times: open, read and close 2 /proc/sys keys "
                            + "(redirected), " + sizes.w3Plain() + " reads of /dev/zero and writes to /dev/null",
                            w3Command(w3, sizes, realOstype, realOsrelease),
                            w3Command(w3, sizes, HOST_OSTYPE, HOST_OSRELEASE), stdout, stdout);
                }
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

    private static List<String> w3Command(Path w3, Sizes sizes, String ostype, String osrelease) {
        return List.of(w3.toString(), "-threads", Integer.toString(sizes.w3Threads()),
                "-iterations", Integer.toString(sizes.w3Iterations()), "-plain", Integer.toString(sizes.w3Plain()),
                "-expect", "/proc/sys/kernel/ostype=" + escape(ostype),
                "-expect", "/proc/sys/kernel/osrelease=" + escape(osrelease));
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
