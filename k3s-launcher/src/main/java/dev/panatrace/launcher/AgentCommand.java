package dev.panatrace.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code k3s-launcher agent [launcher options] [k3s agent args...]}: runs {@code k3s agent}, a worker joining
 * a server, under the engine. Several agents may share a machine with their own {@code --data-dir} and
 * {@code --node-name}.
 */
@Command(name = AgentCommand.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = LauncherVersion.class,
        description = "Runs 'k3s agent' under the ptrace engine, joining the server given by --server URL and "
                + "--token TOKEN (or K3S_URL and K3S_TOKEN), with the profile as its /proc/sys and the sandbox "
                + "workarounds this machine needs. Give each agent on one machine its own --data-dir and "
                + "--node-name. Arguments the launcher does not know go to k3s unchanged, in order.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "N:k3s's exit status",
            "128+N:k3s was killed by signal N",
            "2:usage error, no server or token, no k3s executable, or a bad profile",
            "125:the trace could not be started or failed",
            "127:k3s was not found"})
final class AgentCommand implements Callable<Integer> {
    static final String NAME = "agent";

    @Spec
    private CommandSpec spec;

    @Mixin
    private NodeOptions options;

    @Override
    public Integer call() throws InterruptedException {
        return NodeSupervisor.launch(spec, options, NodeRequest.Role.AGENT, false);
    }
}
