package dev.panatrace.launcher;

import dev.panatrace.procsys.SysctlProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * The launcher options that {@code server}, {@code agent} and {@code plan} share. Everything else on their
 * command lines is k3s's and is passed on unchanged, in order.
 */
final class NodeOptions {
    @Option(names = "--k3s", paramLabel = "PATH",
            description = "The k3s executable (default: $K3S_BIN, else k3s on the PATH).")
    Path k3s;

    @Option(names = "--profile", paramLabel = "k3s|FILE", defaultValue = SysctlProfile.K3S,
            description = "The /proc/sys served to k3s: a built-in profile (${DEFAULT-VALUE} by default) or a "
                    + "sysctl.conf file.")
    String profile;

    @Option(names = "--sysctl", paramLabel = "KEY=VALUE",
            description = "Sets KEY on top of the profile. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "k3s's --data-dir; give each node on one machine its own.")
    Path dataDir;

    @Option(names = "--no-workaround", paramLabel = "NAME",
            description = "Switch a workaround off: dev-kmsg, mount-propagation, image-gc, cni-plugins, snapshotter, "
                    + "kubelet-args, sandbox-network. Repeatable.")
    List<String> noWorkaround = new ArrayList<>();

    @Option(names = "--sandbox-network",
            description = "Apply --flannel-backend=none and --disable-network-policy where this machine cannot run "
                    + "flannel or the network policy controller (plan and doctor say whether it can).")
    boolean sandboxNetwork;

    @Option(names = "--cni-bin-dir", paramLabel = "DIR",
            description = "Where kubelet looks for CNI plugins; symbolic links there are replaced by copies "
                    + "(default: /opt/cni/bin).")
    Path cniBinDir = HostFacts.DEFAULT_CNI_BIN_DIR;

    @Option(names = "--max-restarts", paramLabel = "N",
            description = "Restart k3s up to N times when it dies on its own, waiting 1 s, 2 s, 4 s... (at most "
                    + "30 s) in between (default: 0).")
    int maxRestarts;

    @Option(names = "--status-interval", paramLabel = "SECONDS",
            description = "How often to print how long k3s has been up (default: 60).")
    int statusIntervalSeconds = 60;

    @Option(names = "--trace-log", paramLabel = "FILE",
            description = "Write one line per rewritten path to FILE.")
    Path traceLog;

    @Mixin
    FakeFsOptions fakeFs;

    @Parameters(paramLabel = "K3S-ARG", description = "Arguments for k3s, passed unchanged and in order.")
    List<String> k3sArgs = new ArrayList<>();

    /** Makes unknown options k3s's: they land in the K3S-ARG list in the order given. */
    static void passUnknownOptions(CommandLine command) {
        command.setUnmatchedOptionsArePositionalParams(true);
    }

    /**
     * The request these options make.
     *
     * @param k3sArgs the k3s arguments (for {@code plan}, without the role that precedes them)
     */
    NodeRequest request(CommandLine where, NodeRequest.Role role, boolean controlPlaneOnly, List<String> k3sArgs) {
        if (maxRestarts < 0) {
            throw new ParameterException(where, "--max-restarts wants 0 or more, got " + maxRestarts);
        }
        if (statusIntervalSeconds < 1) {
            throw new ParameterException(where, "--status-interval wants 1 or more seconds");
        }
        Set<Workaround> disabled = EnumSet.noneOf(Workaround.class);
        for (String name : noWorkaround) {
            disabled.add(Workaround.named(name).orElseThrow(() -> new ParameterException(where,
                    "--no-workaround: no workaround '" + name + "' (known: " + Workaround.labels() + ")")));
        }
        if (role == NodeRequest.Role.AGENT) {
            requireJoinSettings(where, k3sArgs);
        }
        return new NodeRequest(role, k3sExecutable(where, System.getenv()), controlPlaneOnly, dataDir, disabled,
                sandboxNetwork, k3sArgs);
    }

    /** An agent must name its server and token, on the command line or as k3s reads them from the environment. */
    private static void requireJoinSettings(CommandLine where, List<String> k3sArgs) {
        Map<String, String> env = System.getenv();
        boolean server = k3sArgs.stream().anyMatch(arg -> arg.equals("--server") || arg.startsWith("--server=")
                || arg.equals("-s")) || env.containsKey("K3S_URL");
        boolean token = k3sArgs.stream().anyMatch(arg -> arg.equals("--token") || arg.startsWith("--token=")
                || arg.equals("-t") || arg.startsWith("--token-file")) || env.containsKey("K3S_TOKEN")
                || env.containsKey("K3S_TOKEN_FILE");
        if (!server || !token) {
            throw new ParameterException(where, "an agent joins a server: give --server URL and --token TOKEN "
                    + "(or set K3S_URL and K3S_TOKEN)");
        }
    }

    /** --k3s, else $K3S_BIN, else k3s on the PATH. */
    Path k3sExecutable(CommandLine where, Map<String, String> env) {
        if (k3s != null) {
            return executable(where, k3s, "--k3s");
        }
        String fromEnv = env.get("K3S_BIN");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return executable(where, Path.of(fromEnv), "K3S_BIN");
        }
        return HostFacts.onPath("k3s").orElseThrow(() -> new ParameterException(where,
                "no k3s executable: give --k3s PATH, set K3S_BIN, or put k3s on the PATH"));
    }

    private static Path executable(CommandLine where, Path file, String source) {
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(where, source + " " + file + ": no such file");
        }
        if (!Files.isExecutable(file)) {
            throw new ParameterException(where, source + " " + file + ": not executable");
        }
        return file.toAbsolutePath();
    }
}
