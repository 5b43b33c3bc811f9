package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's own tests of {@code os}, {@code os/exec}, {@code os/signal} and {@code syscall}: processes, descriptors,
 * pipes, signals, job control, credentials and raw syscalls, the things a tracer breaks first. Each package's
 * {@code go test -c} binary ({@link Tracees#goStandardTest}) runs with {@code -test.short -test.v} in its source
 * directory, untraced and under the launcher, and every test that passes untraced must pass under the launcher too.
 *
 * <p>The packages run one after the other in one {@code /bin/sh} script, which prints each one's output after a
 * line {@code @@@ PACKAGE} and its exit status after {@code @@@ PACKAGE status} (see {@link ScriptSections}), so
 * that inside gVisor one sandbox runs all four.
 */
final class GoStandardTests {
    static final List<String> PACKAGES = List.of("os", "os/exec", "os/signal", "syscall");

    /**
     * Tests that hang now and then inside gVisor (runsc 0.0~20221219.0) under any ptrace tracer, {@code strace -f}
     * as much as the launcher, and never untraced: they call {@code syscall.AllThreadsSyscall} (Setuid and the
     * like call it too), which signals every thread and spins in sched_yield until each has run the syscall in
     * its handler, and there a signal sent to a traced thread asleep in futex is sometimes never delivered.
     * Measured in one sandbox each (-force-overlay=false): {@code strace -f} hung os/signal's
     * TestAllThreadsSyscallSignals in 2 of 8 runs, syscall's TestAllThreadsSyscall in 1 of 6 and
     * TestAllThreadsSyscallBlockedSyscall in 2 of 6; untraced, 0 of 10, 6 and 6. On the host they all run.
     */
    static final Map<String, Set<String>> HANG_UNDER_PTRACE_IN_GVISOR = Map.of(
            "os/signal", Set.of("TestAllThreadsSyscallSignals"),
            "syscall", Set.of("TestAllThreadsSyscall", "TestAllThreadsSyscallBlockedSyscall",
                    "TestAllThreadsSyscallError", "TestSetuidEtc"));

    /**
     * How long one package's tests may take before Go's testing panics with every goroutine's stack. The slowest
     * is os under {@code trace} inside gVisor, where every syscall stops: 47 s here (2 CPUs), 25 s of it in
     * TestExecutableDeleted's {@code go build} ({@code strace -f}: 40 s). A CI machine once took over 2 minutes.
     */
    private static final Duration GO_TIMEOUT = Duration.ofMinutes(4);
    /** When the script kills a package's binary that Go's own timeout did not end, and goes on to the next. */
    private static final Duration PACKAGE_LIMIT = GO_TIMEOUT.plusSeconds(30);
    /** Untraced, each package passes at least this many tests and subtests here (the fewest: os/signal, 20). */
    private static final int FEWEST_PASSES = 10;

    private static final Pattern RESULT = Pattern.compile("^\\s*--- (PASS|FAIL|SKIP): (\\S+) \\(", Pattern.MULTILINE);
    private static final Pattern STARTED = Pattern.compile("^=== RUN\\s+(\\S+)", Pattern.MULTILINE);

    private GoStandardTests() {}

    /** How to run the test binaries: untraced or under a launcher command. */
    enum Mode {
        UNTRACED("untraced", ""),
        TRACE("trace", "\"$1\" trace --"),
        RUN_PROFILE_K3S("run --profile k3s", "\"$1\" run --profile k3s --");

        private final String description;
        /** The words before each binary in the script, {@code $1} being bin/k3s-launcher. */
        private final String prefix;

        Mode(String description, String prefix) {
            this.description = description;
            this.prefix = prefix;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * How one package's tests went.
     *
     * @param status the binary's exit status (137 when the script killed it after {@link #PACKAGE_LIMIT})
     * @param passed the tests and subtests that passed, e.g. {@code TestLongPath/length=247}
     * @param unfinished the tests that started and never ended
     * @param passedByParent the subtests among {@code passed} that printed no result, but whose parent passed
     * @param output everything the binary printed, standard error included
     */
    record Outcome(int status, Set<String> passed, Set<String> failed, Set<String> skipped, Set<String> unfinished,
                   Set<String> passedByParent, String output) {
        static Outcome parse(int status, String output) {
            Set<String> passed = new TreeSet<>();
            Set<String> failed = new TreeSet<>();
            Set<String> skipped = new TreeSet<>();
            Matcher result = RESULT.matcher(output);
            while (result.find()) {
                switch (result.group(1)) {
                    case "PASS" -> passed.add(result.group(2));
                    case "FAIL" -> failed.add(result.group(2));
                    default -> skipped.add(result.group(2));
                }
            }
            Set<String> unfinished = new TreeSet<>();
            Set<String> passedByParent = new TreeSet<>();
            Matcher started = STARTED.matcher(output);
            while (started.find()) {
                String test = started.group(1);
                if (passed.contains(test) || failed.contains(test) || skipped.contains(test)) {
                    continue;
                }
                // Go's testing sometimes leaves out a parallel subtest's result line; it happened inside gVisor,
                // untraced as well (os/signal's TestNohup/nohup-2, its output there and its parent's "--- PASS").
                // A failing subtest fails its parent (testing.common.Fail), so a parent that passed vouches for it.
                if (parentPassed(test, passed)) {
                    passedByParent.add(test);
                    passed.add(test);
                } else {
                    unfinished.add(test);
                }
            }
            return new Outcome(status, passed, failed, skipped, unfinished, passedByParent, output);
        }

        private static boolean parentPassed(String test, Set<String> passed) {
            int slash = test.lastIndexOf('/');
            return slash > 0 && passed.contains(test.substring(0, slash));
        }

        String counts() {
            return "exit status " + status + ", " + passed.size() + " passed (" + passedByParent.size()
                    + " without a result line of their own " + passedByParent + "), " + skipped.size() + " skipped, "
                    + failed.size() + " failed " + failed + ", " + unfinished.size() + " unfinished " + unfinished;
        }
    }

    /**
     * Runs every package's tests in one script.
     *
     * @param mode untraced or under which launcher command
     * @param excluded tests not to run, per package
     * @param work an empty directory for the tests' HOME and TMPDIR
     * @param runner runs {@code /bin/sh -c SCRIPT sh ARGS...} (on the host, or in a sandbox) with the environment
     *     changes it is given
     * @return each package's outcome, in {@link #PACKAGES} order
     */
    static Map<String, Outcome> run(Mode mode, Map<String, Set<String>> excluded, Path work, Runner runner)
            throws IOException {
        StringBuilder script = new StringBuilder();
        for (String pkg : PACKAGES) {
            List<String> command = new ArrayList<>(List.of(Tracees.goStandardTest(pkg).toString(),
                    "-test.short", "-test.v", "-test.timeout", GO_TIMEOUT.toSeconds() + "s"));
            Set<String> skip = excluded.getOrDefault(pkg, Set.of());
            if (!skip.isEmpty()) {
                command.addAll(List.of("-test.run", runPattern(pkg, skip)));
            }
            script.append("echo '").append(ScriptSections.MARK).append(pkg).append("'\n")
                    .append("cd ").append(quote(Tracees.goRoot().resolve("src").resolve(pkg).toString()))
                    .append(" && timeout -s KILL ").append(PACKAGE_LIMIT.toSeconds()).append(' ').append(mode.prefix)
                    .append(' ').append(String.join(" ", command.stream().map(GoStandardTests::quote).toList()))
                    .append(" </dev/null 2>&1\n")
                    .append("printf '\\n").append(ScriptSections.MARK).append("%s status\\n%s\\n' ")
                    .append(quote(pkg)).append(" \"$?\"\n");
        }
        // Set by the script, not in the runner's environment: runsc, which would get it too, makes its own files in
        // TMPDIR, where its sandbox process (user nobody) could not reach them.
        Path home = Files.createDirectories(work.resolve("home"));
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        // syscall's TestDeathSignal runs a copy of its binary from TMPDIR as user nobody, who must reach it.
        for (Path dir : List.of(work.getParent(), work, home, tmp)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        script.insert(0, "export GOROOT=" + quote(Tracees.goRoot().toString()) + " HOME=" + quote(home.toString())
                + " TMPDIR=" + quote(tmp.toString()) + "\n");
        ProcessResult result = runner.run(List.of("/bin/sh", "-c", script.toString(), "sh",
                LauncherProcess.script().toString()), environment -> environment.remove("PANATRACE_SYSCTL_TRACED"));
        Map<String, String> sections = ScriptSections.parse(result.stdout());
        List<String> expected = new ArrayList<>(List.of(""));
        PACKAGES.forEach(pkg -> expected.addAll(List.of(pkg, pkg + " status")));
        assertTrue(result.exitCode() == 0 && expected.equals(ScriptSections.names(sections)),
                () -> mode + ": the script did not run to its end: " + result);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (String pkg : PACKAGES) {
            outcomes.put(pkg, Outcome.parse(Integer.parseInt(sections.get(pkg + " status").strip()),
                    sections.get(pkg)));
        }
        return outcomes;
    }

    /**
     * The problems of a run under the launcher: every test that passed untraced and did not pass under it, with what
     * it printed. Also checks that the untraced run did run each package's tests, so the comparison means something.
     *
     * @return one paragraph per package with a problem; empty when there is none
     */
    static List<String> regressions(String where, Map<String, Outcome> untraced, Mode mode,
                                    Map<String, Outcome> traced) {
        List<String> problems = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Outcome before = untraced.get(pkg);
            Outcome after = traced.get(pkg);
            assertTrue(before.passed().size() >= FEWEST_PASSES, () -> where + ", untraced, " + pkg
                    + " passed fewer than " + FEWEST_PASSES + " tests: " + before.counts() + "\n" + before.output());
            Set<String> lost = new TreeSet<>(before.passed());
            lost.removeAll(after.passed());
            if (!lost.isEmpty()) {
                StringBuilder problem = new StringBuilder(where + ", " + mode + ", " + pkg + ": " + lost.size()
                        + " tests passed untraced but not under the launcher: " + lost + "\n  untraced: "
                        + before.counts() + "\n  " + mode + ": " + after.counts() + "\n");
                problem.append(panic(after.output()));
                lost.stream().filter(test -> started(after.output(), test)).limit(5)
                        .forEach(test -> problem.append(excerpt(after.output(), test)));
                problems.add(problem.toString());
            }
        }
        return problems;
    }

    /** One line per package: what passed and failed, for the test's output. */
    static String summary(String where, Mode mode, Map<String, Outcome> outcomes) {
        StringBuilder text = new StringBuilder();
        outcomes.forEach((pkg, outcome) -> text.append(where).append(", ").append(mode).append(", ").append(pkg)
                .append(": ").append(outcome.counts()).append('\n'));
        return text.toString();
    }

    /** A {@code -test.run} pattern for every top-level test of {@code pkg} but {@code skip}. */
    private static String runPattern(String pkg, Set<String> skip) {
        ProcessResult list = Tracees.runUntraced(Duration.ofSeconds(30),
                List.of(Tracees.goStandardTest(pkg).toString(), "-test.list", "."));
        assertTrue(list.exitCode() == 0, () -> pkg + " -test.list: " + list);
        Set<String> tests = new LinkedHashSet<>(list.stdout().lines().toList());
        assertTrue(tests.containsAll(skip), () -> pkg + " has no test " + skip + " to leave out: " + tests);
        tests.removeAll(skip);
        return "^(" + String.join("|", tests) + ")$";
    }

    /**
     * Go's panic, when the binary died of one (a test's {@code -test.timeout} is one): its first line and the
     * stacks after it (60 lines at most), which show what the running tests were waiting for.
     */
    private static String panic(String output) {
        List<String> lines = output.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("panic: ")) {
                return "  --- the binary's panic:\n    "
                        + String.join("\n    ", lines.subList(i, Math.min(lines.size(), i + 60))) + "\n";
            }
        }
        return "";
    }

    private static boolean started(String output, String test) {
        return Pattern.compile("^=== RUN\\s+" + Pattern.quote(test) + "$", Pattern.MULTILINE).matcher(output).find();
    }

    /** What a test printed: from its last {@code === RUN} or {@code === CONT} line to its result (30 lines at most). */
    private static String excerpt(String output, String test) {
        List<String> lines = output.lines().toList();
        int end = lines.size() - 1;
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).strip().startsWith("--- FAIL: " + test + " (")) {
                end = i;
                break;
            }
        }
        int start = Math.max(0, end - 29);
        for (int i = end; i >= start; i--) {
            if (lines.get(i).matches("=== (RUN|CONT)\\s+" + Pattern.quote(test))) {
                start = i;
                break;
            }
        }
        return "  --- " + test + ":\n    " + String.join("\n    ", lines.subList(start, end + 1)) + "\n";
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Runs a command, on the host or in a sandbox, with changes to its environment. */
    @FunctionalInterface
    interface Runner {
        ProcessResult run(List<String> command, Consumer<Map<String, String>> environment);
    }
}
