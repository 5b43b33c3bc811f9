package dev.panatrace.launcher;

import dev.panatrace.ptrace.Tracer;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The {@code k3s-launcher} command: parses the command line and runs one subcommand. Only the chosen
 * subcommand's class is loaded, which keeps start-up short.
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getPackageName());

    static final String NAME = "k3s-launcher";

    /**
     * One subcommand: its name, its line in the help, whether it traces, and how to make it.
     *
     * @param traces whether the command traces (doctor does, to probe), so that the engine's native calls
     *     are worth linking while it parses
     */
    private record Entry(String name, String summary, boolean traces, Supplier<Subcommand> make) {}

    private static final List<Entry> COMMANDS = List.of(
            new Entry(TraceCommand.NAME, "Runs a command under the engine and counts its syscalls.", true,
                    TraceCommand::new),
            new Entry(RunCommand.NAME, "Runs a command with paths redirected, a virtual /proc/sys or a disguised "
                    + "file system.", true, RunCommand::new),
            new Entry(ServerCommand.NAME, "Runs 'k3s server' under the engine with the sandbox workarounds.", true,
                    ServerCommand::new),
            new Entry(AgentCommand.NAME, "Runs 'k3s agent', a worker, under the engine with the sandbox "
                    + "workarounds.", true, AgentCommand::new),
            new Entry(PlanCommand.NAME, "Prints what 'server' or 'agent' would run here, running nothing.", false,
                    PlanCommand::new),
            new Entry(DoctorCommand.NAME, "Checks this machine for running k3s under the launcher.", true,
                    DoctorCommand::new),
            new Entry(SysctlCommand.NAME, "Prints what a profile serves as the /proc/sys of traced programs.", false,
                    SysctlCommand::new));

    private Main() {}

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command-line arguments
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out);
        PrintWriter err = new PrintWriter(System.err, true);
        int status = execute(Arrays.asList(args), out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs one command line with these streams; what {@link #main} does, for tests that run it in-process. */
    static int execute(List<String> args, PrintWriter out, PrintWriter err) {
        Verbosity verbosity = new Verbosity();
        List<String> rest = new ArrayList<>();
        CommandSyntax top = new CommandSyntax(NAME, "Runs programs under panatrace's ptrace engine.")
                .flag("-v --verbose", "Also log what the launcher and the engine decide (System.Logger DEBUG).",
                        verbosity::verbose)
                .flag("-q --quiet", "Log errors only, no warnings.", verbosity::quiet)
                .operands(CommandSyntax.Operands.COMMAND, "COMMAND", "The command to run, then its arguments.",
                        false, rest::add)
                .exitStatus("0", "success")
                .exitStatus("N", "trace, run, server, agent: the command's own exit status")
                .exitStatus("128+N", "the command was killed by signal N")
                .exitStatus("1", "sysctl: a key does not exist or a write was refused; doctor: a blocker")
                .exitStatus("2", "usage error or bad profile; bin/k3s-launcher: no JDK 22 or newer")
                .exitStatus("125", "the launcher failed: the trace, or bin/k3s-launcher's build")
                .exitStatus("126", "the command cannot be executed (Permission denied, Is a directory)")
                .exitStatus("127", "the command was not found");
        COMMANDS.forEach(entry -> top.subcommand(entry.name(), entry.summary()));
        String where = NAME;
        try {
            CommandSyntax.Outcome outcome = top.parse(args);
            if (outcome != CommandSyntax.Outcome.RUN) {
                return answer(outcome, top, out);
            }
            verbosity.apply();
            if (rest.isEmpty()) {
                throw new UsageException("missing command");
            }
            Entry entry = COMMANDS.stream().filter(command -> command.name().equals(rest.getFirst())).findFirst()
                    .orElseThrow(() -> new UsageException("unknown command '" + rest.getFirst() + "'"));
            if (entry.traces()) {
                // The engine links its native calls (tens of ms) while this thread parses and sets up.
                Thread.ofPlatform().name("panatrace-prepare").daemon().start(Tracer::prepare);
            }
            Subcommand command = entry.make().get();
            CommandSyntax syntax = command.syntax();
            where = syntax.name();
            outcome = syntax.parse(rest.subList(1, rest.size()));
            return outcome == CommandSyntax.Outcome.RUN ? command.call(out, err) : answer(outcome, syntax, out);
        } catch (UsageException e) {
            err.println(where + ": " + e.getMessage() + " (see '" + where + " --help')");
            return ExitCodes.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(where + ": interrupted");
            return ExitCodes.LAUNCHER_FAILED;
        } catch (RuntimeException e) {
            // A bug or an unexpected environment, not a usage error: the stack trace goes to the log.
            LOG.log(Level.ERROR, where + " failed", e);
            err.println(where + ": " + e);
            return ExitCodes.LAUNCHER_FAILED;
        }
    }

    /** What --help and --version print. */
    private static int answer(CommandSyntax.Outcome outcome, CommandSyntax syntax, PrintWriter out) {
        if (outcome == CommandSyntax.Outcome.HELP) {
            out.print(syntax.help());
        } else {
            LauncherVersion.print(out);
        }
        return 0;
    }
}
