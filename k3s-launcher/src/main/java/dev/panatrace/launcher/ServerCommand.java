package dev.panatrace.launcher;

import java.io.PrintWriter;

/**
 * {@code k3s-launcher server [launcher options] [k3s server args...]}: runs {@code k3s server} under the
 * engine with the profile as its /proc/sys and the workarounds this machine needs.
 */
final class ServerCommand implements Subcommand {
    static final String NAME = "server";

    private final NodeOptions options = new NodeOptions();
    private boolean controlPlaneOnly;

    @Override
    public CommandSyntax syntax() {
        CommandSyntax syntax = new CommandSyntax("k3s-launcher " + NAME, "Runs 'k3s server' under the ptrace engine, "
                + "serving the profile as its /proc/sys and applying the sandbox workarounds this machine needs "
                + "('k3s-launcher plan server' shows them). Arguments the launcher does not know go to k3s unchanged, "
                + "in order. SIGINT, SIGTERM and SIGHUP are passed on to k3s.");
        options.addTo(syntax);
        syntax.flag("--control-plane-only", "Run the control plane without a kubelet (k3s --disable-agent): works "
                + "in sandboxes where workers do not.", () -> controlPlaneOnly = true);
        NodeOptions.addExitStatuses(syntax, "no k3s executable, or a bad profile");
        return syntax;
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) throws InterruptedException {
        return NodeSupervisor.launch("k3s-launcher " + NAME, options, NodeRequest.Role.SERVER, controlPlaneOnly, err);
    }
}
