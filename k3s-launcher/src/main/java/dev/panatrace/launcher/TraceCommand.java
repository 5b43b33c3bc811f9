package dev.panatrace.launcher;

import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code k3s-launcher trace [-c] [-o FILE|-] [-e trace=NAMES] [-s N] [--summary-json FILE] -- CMD ARGS...} (or
 * {@code -p PID}): runs a command under the engine, or attaches to a process, following every thread and child,
 * counting syscalls, optionally logging them as strace does ({@link SyscallLogOptions}), and exits as the
 * command did.
 */
final class TraceCommand implements Subcommand {
    static final String NAME = "trace";

    /** FILE, "-" for standard output, or null. */
    private String summaryJson;
    private boolean demo;
    private boolean table;
    private Integer attachPid;
    private final SyscallLogOptions log = new SyscallLogOptions();
    private List<String> command = new ArrayList<>();

    @Override
    public CommandSyntax syntax() {
        CommandSyntax syntax = new CommandSyntax("k3s-launcher " + NAME, "Runs CMD under the ptrace engine, following every thread "
                + "and child process, and counts their syscalls; -o logs each one as strace does, and strace -c's table "
                + "ends standard error. Standard input, output and error are the command's. "
                + "SIGINT, SIGTERM and SIGHUP sent to the launcher are passed on to the command.")
                .synopsis("k3s-launcher trace [-hVcf] [-o FILE|-] [-e trace=NAMES] [-s N] [--summary-json=FILE] "
                        + "[--] CMD [ARG...]")
                .synopsis("k3s-launcher trace [-hVcf] [-o FILE|-] [-e trace=NAMES] [-s N] -p PID")
                .synopsis("k3s-launcher trace [--summary-json=FILE] --demo")
                .option("--summary-json", "FILE",
                        "Write the exit status, syscall counts and engine counters to FILE as JSON; '-' writes "
                                + "them to standard output. FILE is created before the command starts.",
                        file -> summaryJson = file)
                .flag("--demo", "Trace a built-in demo (a shell loop running ls and cat) and print its syscall "
                        + "summary.", () -> demo = true)
                .flag("-c --summary", "Print strace -c's table (time, calls, errors per syscall) on standard error "
                        + "when the command ends. It is printed anyway unless -o is given.", () -> table = true)
                .flag("-f --follow-forks", "Accepted for strace's sake: every thread and child is always followed.",
                        () -> { })
                .option("-p --attach", "PID", "Trace the running process PID and its threads instead of a command; "
                        + "SIGINT (Ctrl-C), SIGTERM or SIGHUP detach and leave it running.",
                        value -> attachPid = CommandSyntax.wholeNumber("-p", value, 1));
        log.addTo(syntax, true);
        return syntax.operands(CommandSyntax.Operands.COMMAND, "CMD", "The command and its arguments.", false, command::add)
                .exitStatus("N", "the command's exit status")
                .exitStatus("128+N", "the command was killed by signal N")
                .exitStatus("2", "usage error, or the summary file or syscall log cannot be created")
                .exitStatus("125", "the trace could not be started, failed, or the summary could not be written")
                .exitStatus("126", "the command cannot be executed (Permission denied, Is a directory)")
                .exitStatus("127", "the command was not found");
    }

    /** The built-in demo: a deterministic shell loop that needs nothing beyond a base system. */
    static final List<String> DEMO = List.of("/bin/sh", "-c",
            "for i in 1 2 3; do ls / > /dev/null; cat /etc/hostname > /dev/null; done; echo demo traced");

    @Override
    public int call(PrintWriter out, PrintWriter err) throws InterruptedException {
        int asked = (demo ? 1 : 0) + (command.isEmpty() ? 0 : 1) + (attachPid == null ? 0 : 1);
        if (asked != 1) {
            throw new UsageException(asked == 0 ? "Missing required parameter: 'CMD'"
                    : demo ? "--demo takes no command and no -p" : "-p PID takes no command");
        }
        if (demo) {
            command = DEMO;
        }
        SyscallCounter counter = new SyscallCounter(log.selection());
        if (summaryJson != null && !summaryJson.equals("-")) {
            // Before the command runs: a summary that cannot be written should not cost a whole run.
            try {
                Files.writeString(Path.of(summaryJson), "");
            } catch (IOException e) {
                err.println("k3s-launcher " + NAME + ": cannot create the summary file " + summaryJson + ": "
                        + FileProblem.reason(e));
                return ExitCodes.USAGE;
            }
        }
        String logProblem = log.open("k3s-launcher " + NAME);
        if (logProblem != null) {
            err.println(logProblem);
            deleteEmptySummary();
            return ExitCodes.USAGE;
        }
        Tracer.Builder tracer = Tracer.builder().handler(log.around(counter));
        TracedRun.Outcome outcome = attachPid != null ? AttachedRun.run(tracer, attachPid, err)
                : TracedRun.run(tracer, command, err);
        int exitCode = switch (outcome) {
            case TracedRun.Failed failed -> failed.exitCode();
            case TracedRun.Ended ended -> report(ended, counter, out, err);
        };
        return log.finish(exitCode, err);
    }

    /** The summary file created for a run that did not start: nothing is left behind. */
    private void deleteEmptySummary() {
        if (summaryJson != null && !summaryJson.equals("-")) {
            try {
                Files.deleteIfExists(Path.of(summaryJson));
            } catch (IOException e) {
                // Empty and harmless; the run's own error has been said.
            }
        }
    }

    /** Writes the summary where asked, after the command ended. */
    private int report(TracedRun.Ended ended, SyscallCounter counter, PrintWriter out, PrintWriter err) {
        TraceSummary summary = new TraceSummary(ended.exitCode(), counter.counts(), ended.stats());
        if ("-".equals(summaryJson)) {
            out.println(summary.toJson());
            out.flush();
        } else if (summaryJson != null) {
            try {
                Files.writeString(Path.of(summaryJson), summary.toJson() + "\n");
            } catch (IOException e) {
                err.println("k3s-launcher: cannot write the summary to " + summaryJson + ": " + e);
                return ExitCodes.LAUNCHER_FAILED;
            }
        }
        if (demo) {
            printSummary(summary, out);
        }
        if (table || (!log.logging() && !demo)) {
            SyscallTimeTable.print(counter.returned(), err);
        }
        return ended.exitCode();
    }

    private static void printSummary(TraceSummary summary, PrintWriter out) {
        out.printf("%n%8s  %s%n", "calls", "syscall");
        summary.syscalls().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> out.printf("%8d  %s%n", e.getValue(), e.getKey()));
        out.printf("%8d  total; %d processes, %d threads, %d ptrace stops, exit status %d%n",
                summary.syscalls().values().stream().mapToLong(Long::longValue).sum(), summary.stats().processes(),
                summary.stats().threads(), summary.stats().stops(), summary.exitCode());
        out.flush();
    }
}
