package dev.panatrace.launcher;

import dev.panatrace.procsys.FilesystemDisguise;
import dev.panatrace.procsys.HandlerChain;
import dev.panatrace.procsys.Missing;
import dev.panatrace.procsys.ProcSysServer;
import dev.panatrace.procsys.ProfileException;
import dev.panatrace.procsys.SysctlReport;
import dev.panatrace.procsys.SysctlTree;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.paths.BindMap;
import dev.panatrace.ptrace.paths.PathRedirector;
import dev.panatrace.ptrace.paths.Rewrite;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
/**
 * {@code k3s-launcher run [--profile k3s|FILE [--sysctl KEY=VALUE]... [--missing passthrough|enoent]
 * [--report]] [--bind HOST:GUEST]... [--fake-fs PATH=FSTYPE]... [--fake-uname-release VERSION]
 * [--mode seccomp|syscall] [--trace-log FILE] -- CMD ARGS...}: runs a command under the engine with each
 * GUEST path showing its HOST file or directory, with a profile the profile's keys as its /proc/sys
 * ({@link ProcSysServer}), and each PATH's mount shown as FSTYPE ({@link FilesystemDisguise}); exits as
 * the command did.
 */
final class RunCommand implements Subcommand {
    static final String NAME = "run";

    private final List<String> binds = new ArrayList<>();
    private TraceMode mode = TraceMode.SECCOMP;
    private Integer cpu;
    private Path traceLog;
    private String profile;
    private final List<String> overrides = new ArrayList<>();
    private Missing missing;
    private boolean report;
    private final FakeFsOptions fakeFs = new FakeFsOptions();
    private final SyscallLogOptions log = new SyscallLogOptions();
    private final List<String> command = new ArrayList<>();

    /** The disguise of --fake-fs and --fake-uname-release while the command runs, else null. */
    private FilesystemDisguise disguise;

    @Override
    public CommandSyntax syntax() {
        CommandSyntax syntax = new CommandSyntax("k3s-launcher " + NAME, "Runs CMD under the ptrace engine, following "
                + "every thread and child process, with the paths given by --bind redirected: CMD and its children "
                + "see HOST wherever they use GUEST. Paths are mapped lexically (.. is resolved by name, symbolic "
                + "links are not followed). With --profile, CMD's /proc/sys is the profile's: reads see its values, "
                + "writes are checked as the kernel checks them and kept for every traced process, and nothing is "
                + "written to the host's /proc/sys. Standard input, output and error are the command's. SIGINT, "
                + "SIGTERM and SIGHUP sent to the launcher are passed on to the command.")
                .synopsis("k3s-launcher run [-hV] [--profile=k3s|FILE] [--sysctl=KEY=VALUE]... "
                        + "[--missing=passthrough|enoent] [--report]")
                .synopsis("[--bind=HOST:GUEST]... [--fake-fs=PATH=FSTYPE]...")
                .synopsis("[--fake-uname-release=VERSION] [--mode=seccomp|syscall] [--cpu=N]")
                .synopsis("[--trace-log=FILE] [-o FILE|-] [-e trace=NAMES] [-s N] [--] CMD [ARG...]")
                .option("-b --bind", "HOST:GUEST", "Show the existing file or directory HOST at the absolute path GUEST. "
                        + "Repeatable; the longest GUEST that holds a path decides. The string is split at its last "
                        + "':' that is followed by '/'.", binds::add)
                .option("--mode", "seccomp|syscall", "How the engine stops the command: seccomp (default) stops only "
                        + "at path syscalls; syscall stops at every syscall.",
                        value -> mode = lowerCaseConstant(TraceMode.class, "--mode", value))
                .option("--cpu", "N", "Pin the tracer and the command to CPU N for the whole run. Without it the "
                        + "engine pins them to one CPU by itself and lets go once the command's threads compete for "
                        + "it.", value -> cpu = CommandSyntax.wholeNumber("--cpu", value, 0))
                .option("--trace-log", "FILE", "Write one line per rewritten path to FILE: 'tid syscall original -> "
                        + "new = result', bytes outside '!'..'~' and the backslash written as \\xNN.",
                        file -> traceLog = Path.of(file))
                .option("--profile", "k3s|FILE", "Serve this profile as CMD's /proc/sys: a built-in profile (k3s) or "
                        + "a sysctl.conf file; a built-in's name means the built-in even if a file of that name exists "
                        + "(write ./NAME for the file).", value -> profile = value)
                .option("--sysctl", "KEY=VALUE", "Sets KEY on top of the profile, as a profile line 'KEY = VALUE' "
                        + "would; without --profile, on top of an empty profile. Repeatable.", overrides::add)
                .option("--missing", "passthrough|enoent", "Keys the profile does not serve: passthrough (default) "
                        + "shows the host's value and keeps writes in the profile's tree; enoent makes them not exist.",
                        value -> missing = lowerCaseConstant(Missing.class, "--missing", value))
                .flag("--report", "When CMD ends, print to standard error every /proc/sys key it read or wrote, with "
                        + "its final value.", () -> report = true);
        fakeFs.addTo(syntax);
        log.addTo(syntax, true);
        return syntax.operands(CommandSyntax.Operands.COMMAND, "CMD", "The command and its arguments.", true,
                        command::add)
                .exitStatus("N", "the command's exit status")
                .exitStatus("128+N", "the command was killed by signal N")
                .exitStatus("2", "usage error, the profile is unknown, unreadable or has a bad line, or the "
                        + "syscall log cannot be created")
                .exitStatus("125", "the trace could not be started, failed, or the trace log could not be written")
                .exitStatus("126", "the command cannot be executed (Permission denied, Is a directory)")
                .exitStatus("127", "the command was not found");
    }

    /** The constant of {@code type} whose name is {@code value} in lower case, as the help spells them. */
    static <E extends Enum<E>> E lowerCaseConstant(Class<E> type, String option, String value) {
        List<String> names = new ArrayList<>();
        for (E candidate : type.getEnumConstants()) {
            String name = candidate.name().toLowerCase(Locale.ROOT);
            if (name.equals(value)) {
                return candidate;
            }
            names.add(name);
        }
        throw new UsageException("Invalid value for option '" + option + "': expected " + String.join(" or ", names)
                + ", got '" + value + "'");
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) throws InterruptedException {
        Optional<FakeFsOptions.Disguise> asked = fakeFs.disguise();
        BindMap bindMap = bindMap();
        String logProblem = log.open("k3s-launcher " + NAME);
        if (logProblem != null) {
            err.println(logProblem);
            return ExitCodes.USAGE;
        }
        if (asked.isEmpty()) {
            return log.finish(runWithOptions(bindMap, err), err);
        }
        try (FilesystemDisguise built = asked.get().build()) {
            disguise = built;
            return log.finish(runWithOptions(bindMap, err), err);
        } catch (IOException e) {
            err.println("k3s-launcher: cannot make the directory for rewritten mount tables: " + e);
            return log.finish(ExitCodes.LAUNCHER_FAILED, err);
        }
    }

    /** Runs the command as the options other than the disguise's say. */
    private int runWithOptions(BindMap bindMap, PrintWriter err) throws InterruptedException {
        SysctlTree tree = null;
        if (servesProcSys()) {
            try {
                tree = SysctlTree.builder().profile(ProfileLoader.load(profile, overrides))
                        .missing(missing == null ? Missing.PASSTHROUGH : missing).build();
            } catch (ProfileException | ProfileLoader.ProfileUnavailable e) {
                err.println("k3s-launcher " + NAME + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        if (traceLog == null) {
            return run(bindMap, tree, null, err);
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
            exitCode = run(bindMap, tree, log, err);
        } catch (IOException e) {
            err.println("k3s-launcher: writing the trace log to " + log.file() + " failed: " + e);
            return ExitCodes.LAUNCHER_FAILED;
        }
        return exitCode;
    }

    /** Runs the command with the binds and, if there is a tree, the tree as its /proc/sys. */
    private int run(BindMap bindMap, SysctlTree tree, Consumer<Rewrite> log, PrintWriter err)
            throws InterruptedException {
        if (tree == null) {
            PathRedirector redirector = log == null ? new PathRedirector(bindMap) : new PathRedirector(bindMap, log);
            return TracedRun.run(tracer(redirector), command, err).exitCode();
        }
        ProcSysServer.Builder server = ProcSysServer.builder(tree).binds(bindMap);
        if (log != null) {
            server.log(log);
        }
        try (ProcSysServer served = server.build()) {
            int exitCode = TracedRun.run(tracer(served), command, err).exitCode();
            if (report) {
                printReport(served.report(), err);
            }
            return exitCode;
        } catch (IOException e) {
            err.println("k3s-launcher: cannot materialize the /proc/sys tree: " + e);
            return ExitCodes.LAUNCHER_FAILED;
        }
    }

    private Tracer.Builder tracer(TraceHandler handler) {
        Tracer.Builder builder = Tracer.builder().mode(mode)
                .handler(log.around(disguise == null ? handler : HandlerChain.of(handler, disguise)));
        if (cpu != null) {
            try {
                builder.pinToCpu(cpu);
            } catch (IllegalArgumentException e) {
                throw usageError("--cpu: " + e.getMessage());
            }
        }
        return builder;
    }

    /** One line per key: {@code sysctl NAME: read N, written N, refused N, value VALUE}. */
    private static void printReport(SysctlReport report, PrintWriter err) {
        for (SysctlReport.KeyActivity key : report.keys()) {
            err.println("k3s-launcher: sysctl " + key.key().name() + ": read " + key.reads() + ", written " + key.writes()
                    + ", refused " + key.refusedWrites() + ", value "
                    + key.value().map(value -> "'" + value + "'").orElse("(none)"));
        }
        err.flush();
    }

    /**
     * The binds of the command line, checked: each HOST exists, each GUEST is absolute and, with a
     * profile, outside /proc/sys, which the profile serves. Also checks that the profile options come
     * with --profile.
     */
    private BindMap bindMap() {
        if (!servesProcSys() && (missing != null || report)) {
            throw usageError("--missing and --report need --profile or --sysctl");
        }
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
            Path guest = Path.of(bind.substring(split + 1)).normalize();
            if (servesProcSys() && guest.startsWith("/proc/sys")) {
                throw usageError("--bind GUEST " + guest + " lies in /proc/sys, which --profile or --sysctl serves");
            }
            map.bind(hostPath, guest);
        }
        try {
            return map.build();
        } catch (IllegalArgumentException e) {
            throw usageError("--bind: " + e.getMessage());
        }
    }

    /** Whether the command gets a virtual /proc/sys: --sysctl without --profile starts from an empty profile. */
    private boolean servesProcSys() {
        return profile != null || !overrides.isEmpty();
    }

    private static UsageException usageError(String message) {
        return new UsageException(message);
    }
}
