package dev.panatrace.launcher;

import dev.panatrace.procsys.ProfileException;
import dev.panatrace.procsys.SysctlProfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code k3s-launcher plan server|agent [options] [k3s args...]}: prints what {@code server} or {@code agent}
 * would run on this machine, running nothing.
 */
final class PlanCommand implements Subcommand {
    static final String NAME = "plan";

    private final NodeOptions options = new NodeOptions();
    private boolean controlPlaneOnly;

    @Override
    public CommandSyntax syntax() {
        CommandSyntax syntax = new CommandSyntax("k3s-launcher " + NAME, "Prints, without running anything, the exact "
                + "k3s command line that 'server' or 'agent' would run here, the command that wraps it, the environment "
                + "added, the mounts and kernel release disguised (--fake-fs, --fake-uname-release), every workaround "
                + "with whether it applies here and why, and the profile's keys.")
                .synopsis("k3s-launcher plan [-hV] [launcher options] (server [--control-plane-only] | agent) "
                        + "[K3S-ARG...]");
        options.addTo(syntax);
        return syntax.flag("--control-plane-only", "Plan a server without a kubelet (--disable-agent).",
                        () -> controlPlaneOnly = true)
                .exitStatus("0", "the plan was printed")
                .exitStatus("2", "usage error, a bad --k3s or K3S_BIN, or a bad profile");
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) {
        List<String> args = options.k3sArgs;
        if (args.isEmpty()) {
            throw new UsageException("missing the node to plan: server or agent");
        }
        NodeRequest.Role role;
        try {
            role = NodeRequest.Role.valueOf(args.getFirst().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("plan server or agent, not '" + args.getFirst() + "'");
        }
        if (controlPlaneOnly && role != NodeRequest.Role.SERVER) {
            throw new UsageException("--control-plane-only is for a server");
        }
        SysctlProfile profile;
        try {
            profile = ProfileLoader.load(options.profile).withOverrides(options.overrides);
        } catch (ProfileException | ProfileLoader.ProfileUnavailable e) {
            err.println("k3s-launcher " + NAME + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        // A plan needs no k3s: where none is installed it shows "k3s", as it would be looked up, and says so.
        Optional<Path> k3s = options.lookUpK3s(System.getenv());
        NodeRequest request = options.request(role, controlPlaneOnly, args.subList(1, args.size()),
                k3s.orElse(Path.of("k3s")));
        out.print(render(NodePlan.of(request, HostFacts.probe(options.cniBinDir)), profile));
        if (k3s.isEmpty()) {
            out.println("k3s not found: shown as 'k3s' above; before running it, " + NodeOptions.K3S_PLACES);
        }
        out.flush();
        return 0;
    }

    /** The plan as printed: deterministic for given facts, so it can be compared with a golden text. */
    static String render(NodePlan plan, SysctlProfile profile) {
        StringBuilder out = new StringBuilder();
        out.append("k3s command:\n  ").append(ShellWords.quote(plan.k3sCommand())).append('\n');
        out.append("run as:\n  ").append(ShellWords.quote(plan.command())).append('\n');
        out.append("environment added:\n");
        new TreeMap<>(plan.addedEnvironment()).forEach((key, value) ->
                out.append("  ").append(key).append('=').append(value).append('\n'));
        plan.disguise().ifPresent(shown -> {
            out.append("disguise:\n");
            shown.describe().forEach(line -> out.append("  ").append(line).append('\n'));
        });
        out.append("workarounds:\n");
        for (NodePlan.Decision decision : plan.decisions()) {
            out.append(String.format(Locale.ROOT, "  %-18s %-12s %s", decision.workaround().label(),
                    decision.status().label(), decision.reason()));
            if (!decision.k3sArgs().isEmpty()) {
                out.append(" [").append(String.join(" ", decision.k3sArgs())).append(']');
            }
            out.append('\n');
        }
        Map<String, String> keys = profile.settings().stream().collect(Collectors.toMap(
                setting -> setting.key().name(), SysctlProfile.Setting::value, (first, second) -> second,
                TreeMap::new));
        out.append("profile ").append(profile.source()).append(" (").append(keys.size()).append(" keys):\n");
        keys.forEach((key, value) -> out.append("  ").append(key).append(" = ").append(value).append('\n'));
        return out.toString();
    }
}
