package dev.panatrace.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls of a {@code strace -f -o FILE} log, or of the launcher's {@code trace -o FILE}, which is written in
 * the same form: per thread, in order, each call's name and result. A call split by another thread's line
 * ({@code <unfinished ...>}, later {@code <... name resumed>}) counts once, at its result; signal and exit
 * lines are not calls.
 *
 * <p>Results that differ from run to run whatever the tracer (addresses, process and thread ids) are kept as
 * {@code N}; errors as {@code -1 ENAME}, strace's restart codes as {@code ? ENAME}, calls that never returned
 * as {@code ?}.
 */
final class StraceLogLines {
    /** Calls whose result is an address or an id, new in every run. */
    private static final Set<String> RUN_DEPENDENT = Set.of("brk", "mmap", "mremap", "clone", "clone3", "fork",
            "vfork", "getpid", "gettid", "getppid", "set_tid_address", "wait4", "waitid", "rt_sigreturn");
    private static final Pattern PREFIX = Pattern.compile("^(\\d+) +(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. ([a-z0-9_]+) resumed>.*");
    private static final Pattern CALL = Pattern.compile("^([a-z0-9_]+)\\(.*");

    private StraceLogLines() {}

    /** Each thread's calls, as {@code "name result"}, threads in the order they first appear. */
    static Map<Integer, List<String>> callsByThread(String log) {
        Map<Integer, List<String>> calls = new LinkedHashMap<>();
        for (String line : log.lines().toList()) {
            Matcher prefixed = PREFIX.matcher(line);
            if (!prefixed.matches()) {
                throw new AssertionError("a line without a thread id: " + line);
            }
            int tid = Integer.parseInt(prefixed.group(1));
            String rest = prefixed.group(2);
            List<String> thread = calls.computeIfAbsent(tid, key -> new ArrayList<>());
            if (rest.startsWith("+++") || rest.startsWith("---") || rest.endsWith("<unfinished ...>")) {
                continue;
            }
            Matcher resumed = RESUMED.matcher(rest);
            Matcher call = CALL.matcher(rest);
            String name = resumed.matches() ? resumed.group(1) : call.matches() ? call.group(1) : null;
            int equals = rest.lastIndexOf(" = ");
            if (name == null || equals < 0) {
                throw new AssertionError("neither a call nor a signal or exit: " + line);
            }
            thread.add(name + " " + result(name, rest.substring(equals + 3)));
        }
        return calls;
    }

    private static String result(String name, String shown) {
        String[] words = shown.split(" ");
        if (words[0].equals("-1") || words[0].equals("?")) {
            return words.length > 1 ? words[0] + " " + words[1] : words[0];
        }
        return RUN_DEPENDENT.contains(name) ? "N" : words[0];
    }
}
