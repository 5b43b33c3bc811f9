package dev.panatrace.launcher;

import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code k3s-launcher trace [--summary-json FILE] -- CMD ARGS...}: runs a command under the engine,
 * following every thread and child, counting syscalls, and exits as the command did.
 */
@Command(name = TraceCommand.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = LauncherVersion.class,
        customSynopsis = {"k3s-launcher trace [-hV] [--summary-json=FILE] [--] CMD [ARG...]",
                "k3s-launcher trace [--summary-json=FILE] --demo"},
        description = "Runs CMD under the ptrace engine, following every thread and child process, and counts "
                + "their syscalls. Standard input, output and error are the command's. SIGINT, SIGTERM and "
                + "SIGHUP sent to the launcher are passed on to the command.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "N:the command's exit status",
            "128+N:the command was killed by signal N",
            "2:usage error",
            "125:the trace could not be started, failed, or the summary could not be written",
            "127:the command was not found"})
final class TraceCommand implements Callable<Integer> {
    static final String NAME = "trace";

    @Spec
    private CommandSpec spec;

    @Option(names = "--summary-json", paramLabel = "FILE",
            description = "Write the exit status, syscall counts and engine counters to FILE as JSON.")
    private Path summaryJson;

    @Option(names = "--demo",
            description = "Trace a built-in demo (a shell loop running ls and cat) and print its syscall summary.")
    private boolean demo;

    @Parameters(arity = "0..*", paramLabel = "CMD", description = "The command and its arguments.")
    private List<String> command = List.of();

    /** The built-in demo: a deterministic shell loop that needs nothing beyond a base system. */
    static final List<String> DEMO = List.of("/bin/sh", "-c",
            "for i in 1 2 3; do ls / > /dev/null; cat /etc/hostname > /dev/null; done; echo demo traced");

    @Override
    public Integer call() throws InterruptedException {
        if (demo == !command.isEmpty()) {
            throw new ParameterException(spec.commandLine(), demo ? "--demo takes no command"
                    : "Missing required parameter: 'CMD'");
        }
        if (demo) {
            command = DEMO;
        }
        PrintWriter err = spec.commandLine().getErr();
        SyscallCounter counter = new SyscallCounter();
        return switch (TracedRun.run(Tracer.builder().handler(counter), command, err)) {
            case TracedRun.Failed failed -> failed.exitCode();
            case TracedRun.Ended ended -> report(ended, counter, err);
        };
    }

    /** Writes the summary where asked, after the command ended. */
    private int report(TracedRun.Ended ended, SyscallCounter counter, PrintWriter err) {
        TraceSummary summary = new TraceSummary(ended.exitCode(), counter.counts(), ended.stats());
        if (summaryJson != null) {
            try {
                Files.writeString(summaryJson, summary.toJson() + "\n");
            } catch (IOException e) {
                err.println("k3s-launcher: cannot write the summary to " + summaryJson + ": " + e);
                return ExitCodes.LAUNCHER_FAILED;
            }
        }
        if (demo) {
            printSummary(summary);
        }
        return ended.exitCode();
    }

    private void printSummary(TraceSummary summary) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%n%8s  %s%n", "calls", "syscall");
        summary.syscalls().entrySet().stream()
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(java.util.Map.Entry.comparingByKey()))
                .forEach(e -> out.printf("%8d  %s%n", e.getValue(), e.getKey()));
        out.printf("%8d  total; %d processes, %d threads, %d ptrace stops, exit status %d%n",
                summary.syscalls().values().stream().mapToLong(Long::longValue).sum(), summary.stats().processes(),
                summary.stats().threads(), summary.stats().stops(), summary.exitCode());
        out.flush();
    }
}
