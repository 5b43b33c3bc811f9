package dev.panatrace.launcher;

import dev.panatrace.procsys.ProfileException;
import dev.panatrace.procsys.SysctlProfile;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code k3s-launcher plan server|agent [options] [k3s args...]}: prints what {@code server} or {@code agent}
 * would run on this machine, running nothing.
 */
@Command(name = PlanCommand.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = LauncherVersion.class,
        customSynopsis = {"k3s-launcher plan [-hV] [launcher options] (server [--control-plane-only] | agent) "
                + "[K3S-ARG...]"},
        description = "Prints, without running anything, the exact k3s command line that 'server' or 'agent' "
                + "would run here, the command that wraps it, the environment added, the mounts and kernel "
                + "release disguised (--fake-fs, --fake-uname-release), every workaround with whether it "
                + "applies here and why, and the profile's keys.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the plan was printed", "2:usage error, no k3s executable, or a bad profile"})
final class PlanCommand implements Callable<Integer> {
    static final String NAME = "plan";

    @Spec
    private CommandSpec spec;

    @Mixin
    private NodeOptions options;

    @Option(names = "--control-plane-only", description = "Plan a server without a kubelet (--disable-agent).")
    private boolean controlPlaneOnly;

    @Override
    public Integer call() {
        CommandLine where = spec.commandLine();
        List<String> args = options.k3sArgs;
        if (args.isEmpty()) {
            throw new ParameterException(where, "missing the node to plan: server or agent");
        }
        NodeRequest.Role role;
        try {
            role = NodeRequest.Role.valueOf(args.getFirst().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(where, "plan server or agent, not '" + args.getFirst() + "'");
        }
        if (controlPlaneOnly && role != NodeRequest.Role.SERVER) {
            throw new ParameterException(where, "--control-plane-only is for a server");
        }
        SysctlProfile profile;
        try {
            profile = ProfileLoader.load(options.profile).withOverrides(options.overrides);
        } catch (ProfileException | ProfileLoader.ProfileUnavailable e) {
            where.getErr().println(spec.qualifiedName() + ": " + e.getMessage());
            where.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        }
        NodeRequest request = options.request(where, role, controlPlaneOnly, args.subList(1, args.size()));
        Optional<FakeFsOptions.Disguise> disguise = options.fakeFs.disguise(where);
        PrintWriter out = where.getOut();
        out.print(render(NodePlan.of(request, HostFacts.probe(options.cniBinDir)), disguise, profile));
        out.flush();
        return 0;
    }

    /** The plan as printed: deterministic for given facts, so it can be compared with a golden text. */
    static String render(NodePlan plan, Optional<FakeFsOptions.Disguise> disguise, SysctlProfile profile) {
        StringBuilder out = new StringBuilder();
        out.append("k3s command:\n  ").append(ShellWords.quote(plan.k3sCommand())).append('\n');
        out.append("run as:\n  ").append(ShellWords.quote(plan.command())).append('\n');
        out.append("environment added:\n");
        new TreeMap<>(plan.addedEnvironment()).forEach((key, value) ->
                out.append("  ").append(key).append('=').append(value).append('\n'));
        disguise.ifPresent(shown -> {
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
