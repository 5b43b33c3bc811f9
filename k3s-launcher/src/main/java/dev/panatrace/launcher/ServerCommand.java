package dev.panatrace.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code k3s-launcher server [launcher options] [k3s server args...]}: runs {@code k3s server} under the
 * engine with the profile as its /proc/sys and the workarounds this machine needs.
 */
@Command(name = ServerCommand.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = LauncherVersion.class,
        description = "Runs 'k3s server' under the ptrace engine, serving the profile as its /proc/sys and "
                + "applying the sandbox workarounds this machine needs ('k3s-launcher plan server' shows them). "
                + "Arguments the launcher does not know go to k3s unchanged, in order. SIGINT, SIGTERM and "
                + "SIGHUP are passed on to k3s.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "N:k3s's exit status",
            "128+N:k3s was killed by signal N",
            "2:usage error, no k3s executable, or a bad profile",
            "125:the trace could not be started or failed",
            "127:k3s was not found"})
final class ServerCommand implements Callable<Integer> {
    static final String NAME = "server";

    @Spec
    private CommandSpec spec;

    @Mixin
    private NodeOptions options;

    @Option(names = "--control-plane-only",
            description = "Run the control plane without a kubelet (k3s --disable-agent): works in sandboxes "
                    + "where workers do not.")
    private boolean controlPlaneOnly;

    @Override
    public Integer call() throws InterruptedException {
        return NodeSupervisor.launch(spec, options, NodeRequest.Role.SERVER, controlPlaneOnly);
    }
}
