package dev.panatrace.launcher;

import java.io.PrintWriter;

/**
 * {@code k3s-launcher agent [launcher options] [k3s agent args...]}: runs {@code k3s agent}, a worker joining
 * a server, under the engine. Several agents may share a machine with their own {@code --data-dir} and
 * {@code --node-name}.
 */
final class AgentCommand implements Subcommand {
    static final String NAME = "agent";

    private final NodeOptions options = new NodeOptions();

    @Override
    public CommandSyntax syntax() {
        CommandSyntax syntax = new CommandSyntax("k3s-launcher " + NAME, "Runs 'k3s agent' under the ptrace engine, "
                + "joining the server given by --server URL and --token TOKEN (or K3S_URL and K3S_TOKEN), with the "
                + "profile as its /proc/sys and the sandbox workarounds this machine needs. Give each agent on one "
                + "machine its own --data-dir and --node-name. Arguments the launcher does not know go to k3s "
                + "unchanged, in order.");
        options.addTo(syntax);
        NodeOptions.addExitStatuses(syntax, "no server or token, no k3s executable, or a bad profile");
        return syntax;
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) throws InterruptedException {
        return NodeSupervisor.launch("k3s-launcher " + NAME, options, NodeRequest.Role.AGENT, false, err);
    }
}
