package dev.panatrace.launcher;

import dev.panatrace.procsys.SysctlProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The launcher options that {@code server}, {@code agent} and {@code plan} share. Everything else on their
 * command lines is k3s's and is passed on unchanged, in order.
 */
final class NodeOptions {
    Path k3s;
    String profile = SysctlProfile.K3S;
    final List<String> overrides = new ArrayList<>();
    Path dataDir;
    final List<String> noWorkaround = new ArrayList<>();
    boolean sandboxNetwork;
    Path cniBinDir = HostFacts.DEFAULT_CNI_BIN_DIR;
    int maxRestarts;
    int statusIntervalSeconds = 60;
    Path traceLog;
    final FakeFsOptions fakeFs = new FakeFsOptions();
    final SyscallLogOptions syscallLog = new SyscallLogOptions();
    final List<String> k3sArgs = new ArrayList<>();

    /** Adds these options to a node command's syntax; options it does not know, and operands, are k3s's. */
    void addTo(CommandSyntax syntax) {
        syntax.option("--k3s", "PATH", "The k3s executable (default: $K3S_BIN, else k3s on the PATH).",
                        value -> k3s = Path.of(value))
                .option("--profile", "k3s|FILE", "The /proc/sys served to k3s: a built-in profile (" + SysctlProfile.K3S
                        + " by default) or a sysctl.conf file.", value -> profile = value)
                .option("--sysctl", "KEY=VALUE", "Sets KEY on top of the profile. Repeatable.", overrides::add)
                .option("--data-dir", "DIR", "k3s's --data-dir; give each node on one machine its own.",
                        value -> dataDir = Path.of(value))
                .option("--no-workaround", "NAME", "Switch a workaround off: " + Workaround.labels()
                        + ". Repeatable.", noWorkaround::add)
                .flag("--sandbox-network", "Apply --flannel-backend=none and --disable-network-policy where this "
                        + "machine cannot run flannel or the network policy controller (plan and doctor say whether it "
                        + "can).", () -> sandboxNetwork = true)
                .option("--cni-bin-dir", "DIR", "Where kubelet looks for CNI plugins; symbolic links there are "
                        + "replaced by copies (default: /opt/cni/bin).", value -> cniBinDir = Path.of(value))
                .option("--max-restarts", "N", "Restart k3s up to N times when it dies on its own, waiting 1 s, 2 s, "
                        + "4 s... (at most 30 s) in between (default: 0).",
                        value -> maxRestarts = CommandSyntax.wholeNumber("--max-restarts", value, 0))
                .option("--status-interval", "SECONDS", "How often to print how long k3s has been up (default: 60).",
                        value -> statusIntervalSeconds = CommandSyntax.wholeNumber("--status-interval", value, 1))
                .option("--trace-log", "FILE", "Write one line per rewritten path to FILE.",
                        value -> traceLog = Path.of(value));
        fakeFs.addTo(syntax);
        syscallLog.addTo(syntax, false);
        syntax.operands(CommandSyntax.Operands.PASS_UNKNOWN, "K3S-ARG",
                "Arguments for k3s, passed unchanged and in order.", false, k3sArgs::add);
    }

    /** The exit statuses of a node command; {@code usageErrors} says what else than a usage error exits 2. */
    static void addExitStatuses(CommandSyntax syntax, String usageErrors) {
        syntax.exitStatus("N", "k3s's exit status")
                .exitStatus("128+N", "k3s was killed by signal N")
                .exitStatus("2", "usage error, " + usageErrors)
                .exitStatus("125", "the trace could not be started or failed")
                .exitStatus("126", "k3s cannot be executed (Permission denied, Is a directory)")
                .exitStatus("127", "k3s was not found");
    }

    /**
     * The request these options make.
     *
     * @param k3sArgs the k3s arguments (for {@code plan}, without the role that precedes them)
     */
    NodeRequest request(NodeRequest.Role role, boolean controlPlaneOnly, List<String> k3sArgs) {
        return request(role, controlPlaneOnly, k3sArgs, k3sExecutable(System.getenv()));
    }

    /** As {@link #request(NodeRequest.Role, boolean, List)}, with k3s at {@code k3s}. */
    NodeRequest request(NodeRequest.Role role, boolean controlPlaneOnly, List<String> k3sArgs, Path k3s) {
        Set<Workaround> disabled = EnumSet.noneOf(Workaround.class);
        for (String name : noWorkaround) {
            disabled.add(Workaround.named(name).orElseThrow(() -> new UsageException(
                    "--no-workaround: no workaround '" + name + "' (known: " + Workaround.labels() + ")")));
        }
        if (role == NodeRequest.Role.AGENT) {
            requireJoinSettings(k3sArgs);
        }
        return new NodeRequest(role, k3s, controlPlaneOnly, dataDir, disabled,
                sandboxNetwork, k3sArgs, fakeFs.disguise());
    }

    /** An agent must name its server and token, on the command line or as k3s reads them from the environment. */
    private static void requireJoinSettings(List<String> k3sArgs) {
        Map<String, String> env = System.getenv();
        boolean server = k3sArgs.stream().anyMatch(arg -> arg.equals("--server") || arg.startsWith("--server=")
                || arg.equals("-s")) || env.containsKey("K3S_URL");
        boolean token = k3sArgs.stream().anyMatch(arg -> arg.equals("--token") || arg.startsWith("--token=")
                || arg.equals("-t") || arg.startsWith("--token-file")) || env.containsKey("K3S_TOKEN")
                || env.containsKey("K3S_TOKEN_FILE");
        if (!server || !token) {
            throw new UsageException("an agent joins a server: give --server URL and --token TOKEN "
                    + "(or set K3S_URL and K3S_TOKEN)");
        }
    }

    /** Where k3s is looked for, for the message that says it was not found. */
    static final String K3S_PLACES = "give --k3s PATH, set K3S_BIN, or put k3s on the PATH";

    /** --k3s, else $K3S_BIN, else k3s on the PATH. */
    Path k3sExecutable(Map<String, String> env) {
        return lookUpK3s(env).orElseThrow(() -> new UsageException("no k3s executable: " + K3S_PLACES));
    }

    /** As {@link #k3sExecutable}, empty when k3s is on none of the three; a bad --k3s or K3S_BIN is still an error. */
    Optional<Path> lookUpK3s(Map<String, String> env) {
        if (k3s != null) {
            return Optional.of(executable(k3s, "--k3s"));
        }
        String fromEnv = env.get("K3S_BIN");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Optional.of(executable(Path.of(fromEnv), "K3S_BIN"));
        }
        return HostFacts.onPath("k3s");
    }

    private static Path executable(Path file, String source) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(source + " " + file + ": no such file");
        }
        if (!Files.isExecutable(file)) {
            throw new UsageException(source + " " + file + ": not executable");
        }
        return file.toAbsolutePath();
    }
}
