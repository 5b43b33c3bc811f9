package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code sysctl KEY} shows what {@code run} with the same options shows a traced {@code cat /proc/sys/KEY}:
 * a served key, a key the profile does not serve (the host's under passthrough, none under enoent), and a
 * key the host lacks too.
 */
@Timeout(120)
class SysctlAgreesWithRunTest {
    /** Served by the k3s profile, not served by it, and found nowhere. */
    private static final List<String> KEYS = List.of("vm/overcommit_memory", "kernel/ostype", "kernel/panic",
            "kernel/no_such_key");
    private static final String MISSING = "(missing)";

    static Stream<Arguments> profileOptions() {
        return Stream.of(
                Arguments.of(List.of("--profile", "k3s")),
                Arguments.of(List.of("--profile", "k3s", "--missing", "enoent")),
                Arguments.of(List.of("--sysctl", "kernel.panic=3")),
                Arguments.of(List.of("--sysctl", "kernel.panic=3", "--missing", "enoent")));
    }

    @ParameterizedTest
    @MethodSource("profileOptions")
    void sysctlShowsWhatRunShowsATracedProgram(List<String> options) {
        Tracees.assumePtraceAllowed();
        String busybox = Tracees.busybox().toString();
        List<String> run = new ArrayList<>(List.of("run"));
        run.addAll(options);
        run.addAll(List.of("--", busybox, "sh", "-c",
                "for key; do \"$0\" cat /proc/sys/$key 2>/dev/null || echo '" + MISSING + "'; done", busybox));
        run.addAll(KEYS);

        ProcessResult traced = LauncherProcess.run(run.toArray(String[]::new));

        assertEquals(0, traced.exitCode(), traced.stderr());
        List<String> shown = new ArrayList<>();
        for (String key : KEYS) {
            List<String> sysctl = new ArrayList<>(List.of(SysctlCommand.NAME, "-n"));
            sysctl.addAll(options);
            sysctl.add(key);
            StringWriter out = new StringWriter();
            int status = Main.execute(sysctl, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
            shown.add(status == 0 ? out.toString() : MISSING + "\n");
        }
        assertEquals(traced.stdout(), String.join("", shown), "run " + options + " against sysctl");
    }
}
