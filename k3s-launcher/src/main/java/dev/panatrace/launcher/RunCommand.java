package dev.panatrace.launcher;

import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.paths.BindMap;
import dev.panatrace.ptrace.paths.PathRedirector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code k3s-launcher run [--bind HOST:GUEST]... [--mode seccomp|syscall] [--trace-log FILE] -- CMD ARGS...}:
 * runs a command under the engine with each GUEST path showing its HOST file or directory, and exits as
 * the command did.
 */
@Command(name = RunCommand.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = LauncherVersion.class,
        customSynopsis = "k3s-launcher run [-hV] [--bind=HOST:GUEST]... [--mode=seccomp|syscall] "
                + "[--trace-log=FILE] [--] CMD [ARG...]",
        description = "Runs CMD under the ptrace engine, following every thread and child process, with the "
                + "paths given by --bind redirected: CMD and its children see HOST wherever they use GUEST. "
                + "Paths are mapped lexically (.. is resolved by name, symbolic links are not followed). "
                + "Standard input, output and error are the command's. SIGINT, SIGTERM and SIGHUP sent to "
                + "the launcher are passed on to the command.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "N:the command's exit status",
            "128+N:the command was killed by signal N",
            "2:usage error",
            "125:the trace could not be started, failed, or the trace log could not be written",
            "127:the command was not found"})
final class RunCommand implements Callable<Integer> {
    static final String NAME = "run";

    @Spec
    private CommandSpec spec;

    @Option(names = "--bind", paramLabel = "HOST:GUEST",
            description = "Show the existing file or directory HOST at the absolute path GUEST. Repeatable; the "
                    + "longest GUEST that holds a path decides. The string is split at its last ':' that is "
                    + "followed by '/'.")
    private List<String> binds = List.of();

    @Option(names = "--mode", paramLabel = "seccomp|syscall", converter = ModeConverter.class,
            description = "How the engine stops the command: seccomp (default) stops only at path syscalls; "
                    + "syscall stops at every syscall.")
    private TraceMode mode = TraceMode.SECCOMP;

    @Option(names = "--trace-log", paramLabel = "FILE",
            description = "Write one line per rewritten path to FILE: 'tid syscall original -> new = result', "
                    + "bytes outside '!'..'~' and the backslash written as \\xNN.")
    private Path traceLog;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    private List<String> command;

    /** picocli's enum conversion is case-sensitive; the documented values are lower case. */
    static final class ModeConverter implements ITypeConverter<TraceMode> {
        @Override
        public TraceMode convert(String value) {
            for (TraceMode candidate : TraceMode.values()) {
                if (candidate.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return candidate;
                }
            }
            throw new TypeConversionException("expected seccomp or syscall, got '" + value + "'");
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        BindMap bindMap = bindMap();
        PrintWriter err = spec.commandLine().getErr();
        if (traceLog == null) {
            return exitCode(TracedRun.run(tracer(new PathRedirector(bindMap)), command, err));
        }
        RewriteLog log;
        try {
            log = RewriteLog.open(traceLog);
        } catch (IOException e) {
            err.println("k3s-launcher: cannot write the trace log to " + traceLog + ": " + e);
            return ExitCodes.LAUNCHER_FAILED;
        }
        int exitCode;
        try (log) {
            exitCode = exitCode(TracedRun.run(tracer(new PathRedirector(bindMap, log)), command, err));
        } catch (IOException e) {
            err.println("k3s-launcher: writing the trace log to " + log.file() + " failed: " + e);
            return ExitCodes.LAUNCHER_FAILED;
        }
        return exitCode;
    }

    private Tracer.Builder tracer(PathRedirector redirector) {
        return Tracer.builder().mode(mode).handler(redirector);
    }

    private static int exitCode(TracedRun.Outcome outcome) {
        return switch (outcome) {
            case TracedRun.Failed failed -> failed.exitCode();
            case TracedRun.Ended ended -> ended.exitCode();
        };
    }

    /** The binds of the command line, checked: each HOST exists, each GUEST is absolute. */
    private BindMap bindMap() {
        BindMap.Builder map = BindMap.builder();
        for (String bind : binds) {
            int split = bind.lastIndexOf(":/");
            if (split < 0) {
                throw usageError("--bind wants HOST:GUEST with an absolute GUEST, got '" + bind + "'");
            }
            String host = bind.substring(0, split);
            if (host.isEmpty()) {
                throw usageError("--bind wants HOST:GUEST, got an empty HOST in '" + bind + "'");
            }
            Path hostPath;
            try {
                // Canonical, as the kernel names directories: a thread's working directory inside HOST is
                // recognised only by this name.
                hostPath = Path.of(host).toRealPath();
            } catch (IOException e) {
                throw usageError("--bind HOST does not exist: " + host);
            }
            map.bind(hostPath, Path.of(bind.substring(split + 1)));
        }
        try {
            return map.build();
        } catch (IllegalArgumentException e) {
            throw usageError("--bind: " + e.getMessage());
        }
    }

    private ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
