package dev.panatrace.ptrace.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs commands inside a gVisor sandbox ({@code runsc do}), the sandbox panatrace's users run k3s in. The
 * sandbox sees the host's files and keeps the working directory; it has no network. Tests that use it
 * call {@link #assumeRunnable()} first: they skip, saying why, where runsc cannot run (not root, not
 * installed), except under CI ({@code CI=true}), where a missing runsc fails them.
 */
public final class Gvisor {
    /** How the sandbox sees the host's root file system. */
    public enum Root {
        /** Read-only under an in-memory overlay: {@code /} is {@code overlay}, and writes vanish with the sandbox. */
        OVERLAY,
        /** Over gVisor's 9p gofer: {@code /} is {@code 9p}, the root the seed's kubelet rejected; writes reach the host. */
        NINE_P
    }

    private static String unavailable;
    private static boolean probed;

    private Gvisor() {}

    /** Skips the calling test, or under CI fails it, when runsc cannot run a sandbox here. */
    public static synchronized void assumeRunnable() {
        if (!probed) {
            probed = true;
            unavailable = probe();
        }
        if (unavailable != null) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI=true, but gVisor cannot run here: " + unavailable);
            }
            Assumptions.abort(unavailable);
        }
    }

    private static String probe() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "runsc do needs root; running as " + System.getProperty("user.name");
        }
        if (runsc() == null) {
            return "runsc is not installed (Debian package runsc)";
        }
        ProcessResult r = Tracees.runUntraced(Duration.ofSeconds(60), command(Root.OVERLAY, List.of("/bin/true")));
        return r.exitCode() == 0 ? null : "runsc do /bin/true failed (" + r.exitCode() + "): " + r.stderr().strip();
    }

    /**
     * Runs {@code command} inside a new sandbox.
     *
     * @param root how the sandbox sees the host's root
     * @param timeout how long it may run; then it is killed and the test fails
     * @param command the program, found on the PATH inside, and its arguments
     * @return its exit status and output
     */
    public static ProcessResult run(Root root, Duration timeout, List<String> command) {
        return run(root, timeout, command, environment -> { });
    }

    /**
     * As {@link #run(Root, Duration, List)}, with the environment changed first (the sandbox passes it on).
     *
     * @param environment changes the command's environment, a copy of this JVM's
     */
    public static ProcessResult run(Root root, Duration timeout, List<String> command,
                                    Consumer<Map<String, String>> environment) {
        return Tracees.runUntraced(timeout, command(root, command), environment);
    }

    /**
     * Runs a {@code /bin/sh} script inside a new sandbox, so that several commands share one sandbox (starting
     * one takes about a second) and what they write inside an {@link Root#OVERLAY overlay} root, where files
     * vanish with the sandbox, can still come out on standard output:
     *
     * <pre>{@code
     * Gvisor.runScript(Gvisor.Root.OVERLAY, Duration.ofMinutes(1), "\"$1\" > /tmp/out; cat /tmp/out",
     *         List.of("/bin/true"), environment -> { });
     * }</pre>
     *
     * @param arguments the script's {@code $1}, {@code $2}, ...
     * @param environment changes the script's environment, a copy of this JVM's
     */
    public static ProcessResult runScript(Root root, Duration timeout, String script, List<String> arguments,
                                          Consumer<Map<String, String>> environment) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        command.addAll(arguments);
        return run(root, timeout, command, environment);
    }

    /** The host command line that runs {@code command} in a sandbox with {@code root}. */
    public static List<String> command(Root root, List<String> command) {
        List<String> line = new ArrayList<>(List.of(runsc().toString(), "--network=none", "do"));
        if (root == Root.NINE_P) {
            line.add("-force-overlay=false");
        }
        line.addAll(command);
        return line;
    }

    private static Path runsc() {
        return Stream.of("/usr/bin/runsc", "/usr/sbin/runsc", "/usr/local/bin/runsc")
                .map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    }
}
