package dev.panatrace.launcher;

import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code k3s-launcher trace [--summary-json FILE] -- CMD ARGS...}: runs a command under the engine,
 * following every thread and child, counting syscalls, and exits as the command did.
 */
final class TraceCommand implements Subcommand {
    static final String NAME = "trace";

    /** FILE, "-" for standard output, or null. */
    private String summaryJson;
    private boolean demo;
    private List<String> command = new ArrayList<>();

    @Override
    public CommandSyntax syntax() {
        return new CommandSyntax("k3s-launcher " + NAME, "Runs CMD under the ptrace engine, following every thread "
                + "and child process, and counts their syscalls. Standard input, output and error are the command's. "
                + "SIGINT, SIGTERM and SIGHUP sent to the launcher are passed on to the command.")
                .synopsis("k3s-launcher trace [-hV] [--summary-json=FILE] [--] CMD [ARG...]")
                .synopsis("k3s-launcher trace [--summary-json=FILE] --demo")
                .option("--summary-json", "FILE",
                        "Write the exit status, syscall counts and engine counters to FILE as JSON; '-' writes "
                                + "them to standard output. FILE is created before the command starts.",
                        file -> summaryJson = file)
                .flag("--demo", "Trace a built-in demo (a shell loop running ls and cat) and print its syscall "
                        + "summary.", () -> demo = true)
                .operands(CommandSyntax.Operands.COMMAND, "CMD", "The command and its arguments.", false, command::add)
                .exitStatus("N", "the command's exit status")
                .exitStatus("128+N", "the command was killed by signal N")
                .exitStatus("2", "usage error, or the summary file cannot be created")
                .exitStatus("125", "the trace could not be started, failed, or the summary could not be written")
                .exitStatus("126", "the command cannot be executed (Permission denied, Is a directory)")
                .exitStatus("127", "the command was not found");
    }

    /** The built-in demo: a deterministic shell loop that needs nothing beyond a base system. */
    static final List<String> DEMO = List.of("/bin/sh", "-c",
            "for i in 1 2 3; do ls / > /dev/null; cat /etc/hostname > /dev/null; done; echo demo traced");

    @Override
    public int call(PrintWriter out, PrintWriter err) throws InterruptedException {
        if (demo == !command.isEmpty()) {
            throw new UsageException(demo ? "--demo takes no command" : "Missing required parameter: 'CMD'");
        }
        if (demo) {
            command = DEMO;
        }
        if (summaryJson != null && !summaryJson.equals("-")) {
            // Before the command runs: a summary that cannot be written should not cost a whole run.
            try {
                Files.writeString(Path.of(summaryJson), "");
            } catch (IOException e) {
                err.println("k3s-launcher " + NAME + ": cannot create the summary file " + summaryJson + ": " + reason(e));
                return ExitCodes.USAGE;
            }
        }
        SyscallCounter counter = new SyscallCounter();
        return switch (TracedRun.run(Tracer.builder().handler(counter), command, err)) {
            case TracedRun.Failed failed -> failed.exitCode();
            case TracedRun.Ended ended -> report(ended, counter, out, err);
        };
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
        return ended.exitCode();
    }

    /** What went wrong with a file, in the words a shell would use. */
    private static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException _ -> "No such file or directory";
            case AccessDeniedException _ -> "Permission denied";
            case FileSystemException fs when fs.getReason() != null -> fs.getReason();
            default -> e.getMessage();
        };
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
