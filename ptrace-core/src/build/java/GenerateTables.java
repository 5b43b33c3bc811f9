/*
 * Generates ptrace-core's syscall-number and errno tables from the kernel UAPI headers of this
 * machine (Debian package linux-libc-dev).
 *
 * Run from the repository root, then commit the result:
 *
 *     java ptrace-core/src/build/java/GenerateTables.java
 *
 * Options: --include DIR  header root, default /usr/include
 *          --out DIR      output directory, default
 *                         ptrace-core/src/main/java/dev/panatrace/ptrace/internal/tables
 *
 * Inputs and outputs:
 *   X86_64Syscalls.java   x86_64-linux-gnu/asm/unistd_64.h
 *   Aarch64Syscalls.java  asm-generic/unistd.h, evaluated as the arm64 kernel builds its 64-bit
 *                         table: arm64's asm/unistd.h only sets a few macros and includes this
 *                         file, so Debian ships no separate arm64 copy on amd64
 *   ErrnoNames.java       asm-generic/errno-base.h and errno.h (same numbers on both arches)
 *
 * The output is a pure function of the header bytes: same headers, same files. ptrace-core's
 * GeneratedTablesTest runs this program and fails when the committed files differ from its output.
 * Written for Java 17 so the distribution's default java can run it too.
 */

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Entry point: parses the headers and writes the three table sources. */
public final class GenerateTables {

    private static final String SELF = "ptrace-core/src/build/java/GenerateTables.java";
    private static final String PACKAGE = "dev.panatrace.ptrace.internal.tables";
    private static final String DEFAULT_OUT = "ptrace-core/src/main/java/dev/panatrace/ptrace/internal/tables";

    private static final String X86_64_UNISTD = "x86_64-linux-gnu/asm/unistd_64.h";
    private static final String GENERIC_UNISTD = "asm-generic/unistd.h";
    private static final String ERRNO_BASE = "asm-generic/errno-base.h";
    private static final String ERRNO = "asm-generic/errno.h";

    /**
     * What arm64's uapi asm/unistd.h defines before including asm-generic/unistd.h, for a 64-bit
     * task (its ILP32/compat-only choice, __ARCH_WANT_SYNC_FILE_RANGE2, stays undefined), plus the
     * __BITS_PER_LONG that asm/bitsperlong.h gives an LP64 build.
     */
    private static final Map<String, String> ARM64_DEFINES = orderedMap(
            "__BITS_PER_LONG", "64",
            "__ARCH_WANT_RENAMEAT", "",
            "__ARCH_WANT_NEW_STAT", "",
            "__ARCH_WANT_SET_GET_RLIMIT", "",
            "__ARCH_WANT_TIME32_SYSCALLS", "",
            "__ARCH_WANT_SYS_CLONE3", "",
            "__ARCH_WANT_MEMFD_SECRET", "");

    private GenerateTables() {
    }

    public static void main(String[] args) throws IOException {
        Path include = Path.of("/usr/include");
        Path out = Path.of(DEFAULT_OUT);
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--include" -> include = Path.of(require(value, "--include"));
                case "--out" -> out = Path.of(require(value, "--out"));
                default -> throw new IllegalArgumentException(
                        "unknown argument " + args[i] + "; usage: java " + SELF + " [--include DIR] [--out DIR]");
            }
            i++;
        }
        Files.createDirectories(out);
        for (Map.Entry<String, String> source : render(include).entrySet()) {
            Files.writeString(out.resolve(source.getKey()), source.getValue(), StandardCharsets.UTF_8);
        }
    }

    private static String require(String value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a directory");
        }
        return value;
    }

    /** File name to source text, for every generated file. */
    static Map<String, String> render(Path include) {
        Path x86 = include.resolve(X86_64_UNISTD);
        Path generic = include.resolve(GENERIC_UNISTD);
        Path errnoBase = include.resolve(ERRNO_BASE);
        Path errno = include.resolve(ERRNO);

        Map<String, String> files = new LinkedHashMap<>();
        files.put("X86_64Syscalls.java", syscallSource("X86_64Syscalls", x86,
                "x86_64 system call names, indexed by number, from the x86_64 kernel's unistd_64.h.",
                HeaderEvaluator.evaluate(read(x86), Map.of()).syscallsFromDefines(x86)));
        files.put("Aarch64Syscalls.java", syscallSource("Aarch64Syscalls", generic,
                "aarch64 system call names, indexed by number: asm-generic/unistd.h evaluated as the arm64\n"
                        + " * kernel builds its 64-bit table, naming each table slot by its {@code __NR_} macro.\n"
                        + " * Defined: " + String.join(",\n *     ", macroList(ARM64_DEFINES)) + ".",
                HeaderEvaluator.evaluate(read(generic), ARM64_DEFINES).syscallsFromTable(generic)));
        files.put("ErrnoNames.java", errnoSource(errnoBase, errno));
        return files;
    }

    private static List<String> macroList(Map<String, String> defines) {
        List<String> list = new ArrayList<>();
        defines.forEach((name, body) -> list.add(body.isEmpty() ? name : name + " " + body));
        return list;
    }

    static String read(Path header) {
        try {
            return Files.readString(header, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + header + " (is linux-libc-dev installed?)", e);
        }
    }

    static String header(Path... inputs) {
        List<String> paths = new ArrayList<>();
        for (Path input : inputs) {
            paths.add(input.toString());
        }
        return "// Generated by " + SELF + " from " + String.join(", ", paths) + ". Do not edit.\n"
                + "package " + PACKAGE + ";\n\n"
                + "import java.util.Arrays;\n"
                + "import java.util.Collections;\n"
                + "import java.util.List;\n";
    }

    static String syscallSource(String className, Path input, String javadoc, TreeMap<Integer, String> byNumber) {
        StringBuilder s = new StringBuilder(header(input));
        s.append("\n/**\n * ").append(javadoc).append("\n */\n");
        s.append("public final class ").append(className).append(" {\n");
        s.append("    /** Syscall names; index = number, {@code null} = unassigned; the last entry is assigned. */\n");
        s.append("    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(\n");
        int max = byNumber.lastKey();
        int nr = 0;
        while (nr <= max) {
            String name = byNumber.get(nr);
            String separator = nr == max ? "" : ",";
            if (name != null) {
                s.append("            \"").append(name).append('"').append(separator)
                        .append(" // ").append(nr).append('\n');
                nr++;
                continue;
            }
            // A run of unassigned numbers, 12 to a line.
            int first = nr;
            int last = nr;
            while (last + 1 <= max && byNumber.get(last + 1) == null && last + 1 - first < 12) {
                last++;
            }
            s.append("            ");
            for (int hole = first; hole <= last; hole++) {
                s.append("null").append(hole == last ? "," : ", ");
            }
            s.append(" // ").append(first == last ? String.valueOf(first) : first + "-" + last).append('\n');
            nr = last + 1;
        }
        s.append("    ));\n\n");
        s.append("    private ").append(className).append("() {\n    }\n}\n");
        return s.toString();
    }

    static String errnoSource(Path errnoBase, Path errno) {
        ErrnoHeaders parsed = ErrnoHeaders.parse(List.of(errnoBase, errno));
        StringBuilder s = new StringBuilder(header(errnoBase, errno));
        s.append("import java.util.Map;\n\n");
        s.append("/**\n * Linux errno names and their descriptions (the comments of the kernel's errno headers),\n"
                + " * the same numbers on x86_64 and aarch64.\n */\n");
        s.append("public final class ErrnoNames {\n");
        s.append("    /** errno names; index = errno, {@code null} = unassigned; the last entry is assigned. */\n");
        appendIndexed(s, "NAMES", parsed.names, new TreeMap<>());
        s.append("\n    /** Descriptions, indexed like {@link #NAMES}. */\n");
        appendIndexed(s, "DESCRIPTIONS", parsed.descriptions, parsed.names);
        s.append("\n    /** Second names of an errno: alias to the name in {@link #NAMES}. */\n");
        s.append("    public static final Map<String, String> ALIASES = Map.ofEntries(\n");
        int i = 0;
        for (Map.Entry<String, String> alias : parsed.aliases.entrySet()) {
            s.append("            Map.entry(\"").append(alias.getKey()).append("\", \"")
                    .append(alias.getValue()).append("\")")
                    .append(++i == parsed.aliases.size() ? "\n" : ",\n");
        }
        s.append("    );\n\n");
        s.append("    private ErrnoNames() {\n    }\n}\n");
        return s.toString();
    }

    private static void appendIndexed(StringBuilder s, String field, TreeMap<Integer, String> byNumber,
            TreeMap<Integer, String> notes) {
        s.append("    public static final List<String> ").append(field)
                .append(" = Collections.unmodifiableList(Arrays.asList(\n");
        int max = byNumber.lastKey();
        for (int n = 0; n <= max; n++) {
            String value = byNumber.get(n);
            s.append("            ").append(value == null ? "null" : javaString(value))
                    .append(n == max ? "" : ",").append(" // ").append(n)
                    .append(notes.containsKey(n) ? " " + notes.get(n) : "").append('\n');
        }
        s.append("    ));\n");
    }

    static String javaString(String text) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }

    @SafeVarargs
    private static <T> Map<T, T> orderedMap(T... keysAndValues) {
        Map<T, T> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /**
     * The part of the C preprocessor these headers use: object-like and function-like #define,
     * #undef, #if/#ifdef/#ifndef/#elif/#else/#endif over defined(), ==, !=, !, && and ||.
     * It also records the first argument of every active __SYSCALL/__SC_* line: those lines are
     * what the kernel expands into its syscall table. Anything else fails loudly, so a new header
     * construct shows up as an error here rather than as a silently wrong table.
     */
    static final class HeaderEvaluator {
        private static final Pattern DIRECTIVE = Pattern.compile("^\\s*#\\s*(\\w+)\\s*(.*)$");
        private static final Pattern TABLE_ENTRY = Pattern.compile("^(__SYSCALL|__SC_\\w+)\\(\\s*(\\w+)\\s*,.*\\)$");
        private static final Pattern INTEGER = Pattern.compile("\\d+");
        private static final Pattern MACRO_NAME = Pattern.compile("^(\\w+)(\\(?)");

        /** Object-like macros: name to body; function-like ones map to null. */
        private final Map<String, String> macros = new HashMap<>();
        /** Numbers that have a syscall-table line, in header order. */
        private final List<Integer> tableSlots = new ArrayList<>();
        private final Deque<boolean[]> conditions = new ArrayDeque<>(); // {active, some branch taken}

        static HeaderEvaluator evaluate(String text, Map<String, String> predefined) {
            HeaderEvaluator evaluator = new HeaderEvaluator();
            evaluator.macros.putAll(predefined);
            String code = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("\\\\\\n", " ");
            int lineNumber = 0;
            for (String line : code.split("\n", -1)) {
                lineNumber++;
                try {
                    evaluator.line(line.strip());
                } catch (RuntimeException e) {
                    throw new IllegalStateException("line " + lineNumber + " (comments removed, continuations joined): " + line, e);
                }
            }
            if (!evaluator.conditions.isEmpty()) {
                throw new IllegalStateException("unterminated #if");
            }
            return evaluator;
        }

        private boolean active() {
            return conditions.isEmpty() || conditions.peek()[0];
        }

        private boolean parentActive() {
            boolean[] top = conditions.pop();
            boolean parent = active();
            conditions.push(top);
            return parent;
        }

        private void line(String line) {
            if (line.isEmpty()) {
                return;
            }
            Matcher directive = DIRECTIVE.matcher(line);
            if (!directive.matches()) {
                if (active()) {
                    Matcher entry = TABLE_ENTRY.matcher(line);
                    if (!entry.matches()) {
                        throw new IllegalStateException("unexpected code outside a directive");
                    }
                    tableSlots.add(resolve(entry.group(2)));
                }
                return;
            }
            String keyword = directive.group(1);
            String rest = directive.group(2).strip();
            switch (keyword) {
                case "ifdef", "ifndef" -> {
                    boolean want = macros.containsKey(rest) == keyword.equals("ifdef");
                    boolean taken = active() && want;
                    conditions.push(new boolean[] {taken, taken});
                }
                case "if" -> {
                    boolean taken = active() && new Condition(rest, macros).evaluate() != 0;
                    conditions.push(new boolean[] {taken, taken});
                }
                case "elif" -> {
                    boolean[] top = requireOpen(keyword);
                    boolean taken = !top[1] && parentActive() && new Condition(rest, macros).evaluate() != 0;
                    top[0] = taken;
                    top[1] |= taken;
                }
                case "else" -> {
                    boolean[] top = requireOpen(keyword);
                    top[0] = !top[1] && parentActive();
                    top[1] = true;
                }
                case "endif" -> {
                    requireOpen(keyword);
                    conditions.pop();
                }
                case "define" -> {
                    if (active()) {
                        define(rest);
                    }
                }
                case "undef" -> {
                    if (active()) {
                        macros.remove(rest);
                    }
                }
                // asm/bitsperlong.h and friends: their one fact, __BITS_PER_LONG, is predefined.
                case "include" -> { }
                default -> throw new IllegalStateException("unsupported directive #" + keyword);
            }
        }

        private boolean[] requireOpen(String keyword) {
            if (conditions.isEmpty()) {
                throw new IllegalStateException("#" + keyword + " without #if");
            }
            return conditions.peek();
        }

        private void define(String rest) {
            Matcher m = MACRO_NAME.matcher(rest);
            if (!m.find()) {
                throw new IllegalStateException("malformed #define");
            }
            String name = m.group(1);
            boolean functionLike = !m.group(2).isEmpty();
            macros.put(name, functionLike ? null : rest.substring(name.length()).strip());
        }

        /** The integer a macro name or literal stands for. */
        int resolve(String token) {
            String current = token;
            for (int depth = 0; depth < 16; depth++) {
                if (INTEGER.matcher(current).matches()) {
                    return Integer.parseInt(current);
                }
                String body = macros.get(current);
                if (body == null) {
                    throw new IllegalStateException(token + " is not an integer macro");
                }
                current = body;
            }
            throw new IllegalStateException(token + " does not resolve to an integer");
        }

        private boolean isIntegerMacro(String name) {
            try {
                resolve(name);
                return true;
            } catch (IllegalStateException e) {
                return false;
            }
        }

        /** Every integer __NR_ macro is a syscall (the layout of unistd_64.h). */
        TreeMap<Integer, String> syscallsFromDefines(Path source) {
            TreeMap<Integer, String> byNumber = new TreeMap<>();
            for (String macro : new TreeSet<>(macros.keySet())) {
                if (macro.startsWith("__NR_") && isIntegerMacro(macro)) {
                    put(byNumber, resolve(macro), macro.substring("__NR_".length()), source);
                }
            }
            return byNumber;
        }

        /**
         * Table slots named by the __NR_ macro that resolves to them. Integer __NR_ macros without a
         * slot (__NR_syscalls, __NR_arch_specific_syscall) are counts and markers, not syscalls; the
         * __NR3264_ names are the 32/64-neutral spellings that __BITS_PER_LONG maps to __NR_ names.
         */
        TreeMap<Integer, String> syscallsFromTable(Path source) {
            TreeMap<Integer, String> byNumber = new TreeMap<>();
            for (String macro : new TreeSet<>(macros.keySet())) {
                if (macro.startsWith("__NR_") && isIntegerMacro(macro) && tableSlots.contains(resolve(macro))) {
                    put(byNumber, resolve(macro), macro.substring("__NR_".length()), source);
                }
            }
            for (int slot : tableSlots) {
                if (!byNumber.containsKey(slot)) {
                    throw new IllegalStateException(source + ": table slot " + slot + " has no __NR_ name");
                }
            }
            return byNumber;
        }

        private static void put(TreeMap<Integer, String> byNumber, int nr, String name, Path source) {
            String previous = byNumber.put(nr, name);
            if (previous != null) {
                throw new IllegalStateException(source + ": " + nr + " is both " + previous + " and " + name);
            }
        }
    }

    /** A recursive-descent reader of one #if expression; undefined names are 0, as in C. */
    static final class Condition {
        private static final Pattern TOKEN = Pattern.compile("\\s*(\\|\\||&&|==|!=|!|\\(|\\)|\\w+)");
        private final List<String> tokens = new ArrayList<>();
        private final Map<String, String> macros;
        private int position;

        Condition(String expression, Map<String, String> macros) {
            this.macros = macros;
            Matcher m = TOKEN.matcher(expression);
            int end = 0;
            while (m.find() && m.start() == end) {
                tokens.add(m.group(1));
                end = m.end();
            }
            if (!expression.substring(end).isBlank()) {
                throw new IllegalStateException("cannot read #if expression at: " + expression.substring(end));
            }
        }

        long evaluate() {
            long value = or();
            if (position != tokens.size()) {
                throw new IllegalStateException("trailing tokens in #if expression: " + tokens);
            }
            return value;
        }

        private long or() {
            long value = and();
            while (accept("||")) {
                long right = and();
                value = (value != 0 || right != 0) ? 1 : 0;
            }
            return value;
        }

        private long and() {
            long value = equality();
            while (accept("&&")) {
                long right = equality();
                value = (value != 0 && right != 0) ? 1 : 0;
            }
            return value;
        }

        private long equality() {
            long value = unary();
            while (true) {
                if (accept("==")) {
                    value = value == unary() ? 1 : 0;
                } else if (accept("!=")) {
                    value = value != unary() ? 1 : 0;
                } else {
                    return value;
                }
            }
        }

        private long unary() {
            if (accept("!")) {
                return unary() == 0 ? 1 : 0;
            }
            if (accept("(")) {
                long value = or();
                expect(")");
                return value;
            }
            String token = next();
            if (token.equals("defined")) {
                boolean parenthesized = accept("(");
                String name = next();
                if (parenthesized) {
                    expect(")");
                }
                return macros.containsKey(name) ? 1 : 0;
            }
            if (token.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(token);
            }
            String body = macros.get(token);
            if (body == null || body.isEmpty()) {
                return 0;
            }
            return new Condition(body, macros).evaluate();
        }

        private boolean accept(String token) {
            if (position < tokens.size() && tokens.get(position).equals(token)) {
                position++;
                return true;
            }
            return false;
        }

        private void expect(String token) {
            if (!accept(token)) {
                throw new IllegalStateException("expected " + token + " in #if expression " + tokens);
            }
        }

        private String next() {
            if (position >= tokens.size()) {
                throw new IllegalStateException("#if expression ends early: " + tokens);
            }
            return tokens.get(position++);
        }
    }

    /** errno-base.h and errno.h: "#define ENAME number comment" lines and "#define EALIAS ENAME" aliases. */
    static final class ErrnoHeaders {
        private static final Pattern NUMBERED =
                Pattern.compile("^#define\\s+(E\\w+)\\s+(\\d+)\\s*/\\*\\s*(.*?)\\s*\\*/\\s*$");
        private static final Pattern ALIAS = Pattern.compile("^#define\\s+(E\\w+)\\s+(E\\w+)\\s*(?:/\\*.*\\*/)?\\s*$");
        private static final Pattern ANY_ERRNO_DEFINE = Pattern.compile("^#define\\s+E\\w+\\s.*$");

        final TreeMap<Integer, String> names = new TreeMap<>();
        final TreeMap<Integer, String> descriptions = new TreeMap<>();
        final TreeMap<String, String> aliases = new TreeMap<>();

        static ErrnoHeaders parse(List<Path> headers) {
            ErrnoHeaders parsed = new ErrnoHeaders();
            Map<String, Integer> numbers = new HashMap<>();
            for (Path header : headers) {
                for (String line : read(header).split("\n")) {
                    Matcher numbered = NUMBERED.matcher(line);
                    Matcher alias = ALIAS.matcher(line);
                    if (numbered.matches()) {
                        int errno = Integer.parseInt(numbered.group(2));
                        String name = numbered.group(1);
                        if (parsed.names.put(errno, name) != null || numbers.put(name, errno) != null) {
                            throw new IllegalStateException(header + ": duplicate errno " + line);
                        }
                        parsed.descriptions.put(errno, numbered.group(3));
                    } else if (alias.matches()) {
                        if (!numbers.containsKey(alias.group(2))) {
                            throw new IllegalStateException(header + ": alias of an unknown errno " + line);
                        }
                        parsed.aliases.put(alias.group(1), alias.group(2));
                    } else if (ANY_ERRNO_DEFINE.matcher(line).matches()) {
                        throw new IllegalStateException(header + ": unreadable errno line " + line);
                    }
                }
            }
            if (parsed.names.isEmpty()) {
                throw new IllegalStateException("no errno numbers in " + headers);
            }
            return parsed;
        }
    }
}
