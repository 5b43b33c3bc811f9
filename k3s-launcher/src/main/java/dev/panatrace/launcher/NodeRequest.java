package dev.panatrace.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What the user asked for: which k3s node to run and how, before any machine is looked at.
 *
 * @param role server or agent
 * @param k3s the k3s executable
 * @param controlPlaneOnly whether the server runs without its own kubelet ({@code --disable-agent})
 * @param dataDir k3s's {@code --data-dir}, or null for k3s's default
 * @param disabled the workarounds switched off by name
 * @param sandboxNetwork whether to apply the sandbox network flags where they are offered
 * @param k3sArgs the arguments the launcher does not know, passed to k3s unchanged and in order
 * @param disguise what {@code --fake-fs} and {@code --fake-uname-release} ask to show the node, if anything
 */
record NodeRequest(Role role, Path k3s, boolean controlPlaneOnly, Path dataDir, Set<Workaround> disabled,
        boolean sandboxNetwork, List<String> k3sArgs, Optional<FakeFsOptions.Disguise> disguise) {

    /** The k3s subcommand a node runs. */
    enum Role {
        SERVER, AGENT;

        /** The k3s subcommand, as typed. */
        String command() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    NodeRequest {
        disabled = Set.copyOf(disabled);
        k3sArgs = List.copyOf(k3sArgs);
    }

    /** A request without {@code --fake-fs} or {@code --fake-uname-release}. */
    NodeRequest(Role role, Path k3s, boolean controlPlaneOnly, Path dataDir, Set<Workaround> disabled,
            boolean sandboxNetwork, List<String> k3sArgs) {
        this(role, k3s, controlPlaneOnly, dataDir, disabled, sandboxNetwork, k3sArgs, Optional.empty());
    }

    /** Whether the user asked to show {@code /} as another filesystem type. */
    boolean disguisesRoot() {
        return disguise.map(shown -> shown.mounts().containsKey("/")).orElse(false);
    }

    /** Whether a kubelet runs in this node: always for an agent; for a server unless it runs without one. */
    boolean runsKubelet() {
        return role == Role.AGENT || !(controlPlaneOnly || k3sArgs.contains("--disable-agent"));
    }

    /** Whether the user already passed a k3s flag, as {@code --flag VALUE} or {@code --flag=VALUE}. */
    boolean passes(String flag) {
        return k3sArgs.stream().anyMatch(arg -> arg.equals(flag) || arg.startsWith(flag + "="));
    }
}
