package dev.panatrace.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code k3s-launcher} command: parses the command line and runs one subcommand. Each subcommand
 * is its own class, listed in {@code subcommands}.
 */
@Command(name = "k3s-launcher",
        mixinStandardHelpOptions = true,
        versionProvider = LauncherVersion.class,
        description = "Runs programs under panatrace's ptrace engine.",
        subcommands = {TraceCommand.class, RunCommand.class, ServerCommand.class, AgentCommand.class,
            PlanCommand.class, DoctorCommand.class, SysctlCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:success",
            "2:usage error, or no JDK 22 or newer found (bin/k3s-launcher)",
            "125:the launcher itself failed"})
public final class Main implements Runnable {
    @Spec
    private CommandSpec spec;

    /** -v and -q: applied while parsing, before a subcommand runs. */
    @Mixin
    private Verbosity verbosity;

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command-line arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, with the error handling every subcommand shares. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler(new UsageErrorReporter());
        cli.setExecutionExceptionHandler(new FailureReporter());
        // Everything after the traced command's name is its own: `trace ls -l` must not parse -l.
        cli.getSubcommands().get(TraceCommand.NAME).setStopAtPositional(true);
        cli.getSubcommands().get(RunCommand.NAME).setStopAtPositional(true);
        // Options the launcher does not know are k3s's, passed on in order.
        for (String node : new String[] {ServerCommand.NAME, AgentCommand.NAME, PlanCommand.NAME}) {
            NodeOptions.passUnknownOptions(cli.getSubcommands().get(node));
        }
        return cli;
    }

    /** Runs when no subcommand was given, which is a usage error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }
}
