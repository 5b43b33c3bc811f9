package dev.panatrace.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What the results were measured on, and at which commit. */
final class MachineDescription {
    private MachineDescription() {}

    /** Kernel, CPUs, memory, Java and the Debian packages of the tools, in one line. */
    static String describe() {
        return describe(List.of("busybox-static", "strace", "proot", "golang-1.19-go"));
    }

    /** Kernel, CPUs, memory, Java and the versions of {@code packages}, in one line. */
    static String describe(List<String> packages) {
        List<String> parts = new ArrayList<>();
        parts.add("Linux " + read("/proc/sys/kernel/osrelease").strip() + " " + System.getProperty("os.arch"));
        String model = read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
        parts.add(Runtime.getRuntime().availableProcessors() + " x " + model);
        read("/proc/meminfo").lines().filter(l -> l.startsWith("MemTotal:")).findFirst().ifPresent(l -> {
            long kib = Long.parseLong(l.replaceAll("\\D", ""));
            parts.add(String.format(Locale.ROOT, "%.0f GiB RAM", kib / 1024.0 / 1024.0));
        });
        parts.add("Java " + Runtime.version());
        // Other work on the machine shows in wall times; the 1-minute load average at the start says how much.
        String load = read("/proc/loadavg").split(" ")[0];
        if (!load.isBlank()) {
            parts.add("load average " + load + " at start");
        }
        for (String pkg : packages) {
            output(List.of("dpkg-query", "-W", "-f=${Version}", pkg)).ifPresent(v -> parts.add(pkg + " " + v));
        }
        return String.join(", ", parts);
    }

    /** The kernel as uname(1) gives it, {@code uname -srvm}, e.g. what a sandbox shows its programs. */
    static String kernel() {
        return output(List.of("uname", "-srvm"))
                .orElse(System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }

    /** The commit checked out in {@code repo}, with {@code +dirty} when tracked files differ from it. */
    static String commit(Path repo) {
        Optional<String> head = output(List.of("git", "-C", repo.toString(), "rev-parse", "HEAD"));
        if (head.isEmpty()) {
            return "unknown";
        }
        boolean dirty = output(List.of("git", "-C", repo.toString(), "status", "--porcelain", "--untracked-files=no"))
                .map(s -> !s.isBlank()).orElse(false);
        return head.get() + (dirty ? "+dirty" : "");
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }

    /** Standard output of a short command that exited 0, stripped; empty if it failed or is missing. */
    static Optional<String> output(List<String> command) {
        return output(command, false);
    }

    /**
     * As {@link #output(List)}, with standard error too when {@code withStandardError} (some programs, such as
     * {@code runsc flags}, print what was asked for there).
     */
    static Optional<String> output(List<String> command, boolean withStandardError) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(withStandardError);
            if (!withStandardError) {
                builder.redirectError(ProcessBuilder.Redirect.DISCARD);
            }
            Process process = builder.start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return process.exitValue() == 0 && !out.isEmpty() ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
