package dev.panatrace.launcher;

import dev.panatrace.procsys.Missing;
import dev.panatrace.procsys.ProfileException;
import dev.panatrace.procsys.SysctlKey;
import dev.panatrace.procsys.SysctlProfile;
import dev.panatrace.procsys.SysctlTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code k3s-launcher sysctl [--profile k3s|FILE | -p FILE] [--sysctl KEY=VALUE]... [--missing passthrough|enoent]
 * [-a | [-w] KEY[=VALUE]...]}: prints what a profile serves as a traced program's /proc/sys, in sysctl(8)'s format
 * {@code name = value}, and checks writes as the traced program's writes would be checked.
 *
 * <p>As sysctl(8) does, it prints dotted names whether a key was given dotted or as a path, prints every
 * key below a directory given as KEY, reports a key that does not exist as {@code cannot stat
 * /proc/sys/...: No such file or directory} on standard error after printing the others and exits 1, and
 * takes {@code -n} (values only), {@code -N} (names only), {@code -e} (ignore keys that do not exist),
 * {@code -w} and {@code KEY=VALUE} (write) and {@code -p FILE} (load a file). A wildcard rule prints as its
 * pattern, such as {@code net.ipv4.conf.*.forwarding = 1}; a key it serves prints under its own name.
 *
 * <p>What a key shows is what {@code run} with the same options shows a traced program: a key the profile
 * does not serve shows the host's value under {@code --missing passthrough} (the default, as for run) and
 * does not exist under {@code enoent}. A write goes to an in-memory tree that later KEYs of the same
 * command read; nothing is ever written to the host, whose /proc/sys is only read.
 */
final class SysctlCommand implements Subcommand {
    static final String NAME = "sysctl";

    /** A KEY that does not exist, worded as sysctl(8) words it. */
    private static final String NOT_SERVED = "No such file or directory";

    /** Where the keys no rule serves come from under --missing passthrough. */
    private static final Path HOST_PROC_SYS = Path.of("/proc/sys");

    /** Keys in the order sysctl(8) walks /proc/sys: component by component, each sorted by name. */
    private static final Comparator<SysctlKey> WALK_ORDER = (a, b) -> {
        List<String> left = a.components();
        List<String> right = b.components();
        for (int i = 0; i < Math.min(left.size(), right.size()); i++) {
            int order = left.get(i).compareTo(right.get(i));
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(left.size(), right.size());
    };

    private String profile;
    /** The file of -p, or null. */
    private String loaded;
    private final List<String> overrides = new ArrayList<>();
    private Missing missing = Missing.PASSTHROUGH;
    private boolean writeOnly;
    private boolean all;
    private boolean valuesOnly;
    private boolean namesOnly;
    private boolean ignoreMissing;
    /** KEYs to print and KEY=VALUEs to write, in the order given. */
    private final List<String> operands = new ArrayList<>();

    @Override
    public CommandSyntax syntax() {
        return new CommandSyntax("k3s-launcher " + NAME, "Prints what a profile serves as the /proc/sys of traced "
                + "programs, as sysctl(8) does, and checks writes as a traced program's writes are checked.\n\n"
                + "One 'name = value' per line. KEY is a dotted name such as vm.overcommit_memory or a path such as "
                + "vm/overcommit_memory; a directory prints every key below it. Wildcard rules print as their "
                + "pattern: net.ipv4.conf.*.forwarding = 1. A key shows what 'run' with the same options shows: "
                + "one the profile does not serve shows the host's value, or does not exist with --missing enoent."
                + "\n\nKEY=VALUE (or -w KEY=VALUE) writes VALUE as a traced program would: a value the key's "
                + "validator refuses fails with 'Invalid argument', a read-only key with 'permission denied', and "
                + "a valid one prints 'name = VALUE' and is what later KEYs show. Nothing is ever written to the "
                + "host.\n\nThe profile is --profile's or -p's; --sysctl alone starts from an empty one; with none "
                + "of them it is the built-in " + SysctlProfile.K3S + ".")
                .synopsis("k3s-launcher sysctl [-hV] [-n | -N] [-e] [--profile=k3s|FILE] [--sysctl=KEY=VALUE]... "
                        + "[--missing=passthrough|enoent] (-a | [-w] KEY[=VALUE]...)")
                .synopsis("k3s-launcher sysctl [-n | -N] [-e] -p FILE [--sysctl=KEY=VALUE]... "
                        + "[--missing=passthrough|enoent]")
                .option("--profile", "k3s|FILE", "A built-in profile or a sysctl.conf file; a built-in's name means "
                        + "the built-in even if a file of that name exists (write ./NAME for the file).",
                        value -> profile = value)
                .option("-p --load", "FILE", "Loads the sysctl.conf FILE as the profile and prints each of its "
                        + "settings as it is served, as sysctl(8) -p prints what it applies.", value -> loaded = value)
                .option("--sysctl", "KEY=VALUE", "Sets KEY on top of the profile, as a profile line 'KEY = VALUE' "
                        + "would. Repeatable.", overrides::add)
                .option("--missing", "passthrough|enoent", "Keys the profile does not serve: passthrough (default) "
                        + "shows the host's value, enoent makes them not exist; as for 'run'.",
                        value -> missing = RunCommand.lowerCaseConstant(Missing.class, "--missing", value))
                .flag("-w --write", "Every operand is KEY=VALUE, to write.", () -> writeOnly = true)
                .flag("-a --all", "Prints every key and wildcard rule the profile serves, sorted.", () -> all = true)
                .flag("-n --values", "Prints values only.", () -> valuesOnly = true)
                .flag("-N --names", "Prints names only.", () -> namesOnly = true)
                .flag("-e --ignore", "Says nothing about KEYs that do not exist.", () -> ignoreMissing = true)
                .operands(CommandSyntax.Operands.MIXED, "KEY[=VALUE]", "The keys or directories to print, and the "
                        + "values to write, in order.", false, operands::add)
                .exitStatus("0", "every KEY was printed and every write accepted")
                .exitStatus("1", "a KEY does not exist or is malformed, or a write was refused (the others were done)")
                .exitStatus("2", "usage error, or the profile is unknown, unreadable or has a bad line");
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) {
        checkArguments();
        SysctlProfile served;
        try {
            String base = loaded != null ? loaded
                    : profile != null || !overrides.isEmpty() ? profile : SysctlProfile.K3S;
            served = ProfileLoader.load(base, overrides);
        } catch (ProfileException | ProfileLoader.ProfileUnavailable e) {
            err.println("k3s-launcher " + NAME + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        SysctlTree tree = SysctlTree.builder().profile(served).missing(missing).build();
        int status = loaded != null ? printSettings(served, tree, out, err)
                : all ? printAll(served, tree, out) : printOperands(tree, out, err);
        out.flush();
        err.flush();
        return status;
    }

    private void checkArguments() {
        if (valuesOnly && namesOnly) {
            throw new UsageException("-n and -N exclude each other");
        }
        if (loaded != null) {
            if (profile != null) {
                throw new UsageException("-p and --profile both name the profile; give one");
            }
            if (all || !operands.isEmpty()) {
                throw new UsageException("-p prints what FILE sets and takes no -a or KEY");
            }
            return;
        }
        if (all == !operands.isEmpty()) {
            throw new UsageException(all ? "-a takes no KEY" : "give -a or at least one KEY");
        }
        for (String operand : operands) {
            if (writeOnly && !operand.contains("=")) {
                throw new UsageException("-w wants KEY=VALUE, got '" + operand + "'");
            }
        }
    }

    /** Each setting of the profile, with the overrides, in the order they were first given. */
    private int printSettings(SysctlProfile served, SysctlTree tree, PrintWriter out, PrintWriter err) {
        int status = 0;
        for (SysctlProfile.Setting setting : served.settings()) {
            SysctlKey key = setting.key();
            Optional<String> value = value(tree, key);
            if (value.isEmpty() && key.isPattern()) {
                value = Optional.of(setting.value());
            }
            if (value.isPresent()) {
                print(out, key, value.get());
            } else {
                status = Math.max(status, doesNotExist(key, err));
            }
        }
        return status;
    }

    /** Every key and pattern, leaving out keys without a value: host keys the host lacks do not exist. */
    private int printAll(SysctlProfile served, SysctlTree tree, PrintWriter out) {
        Map<String, String> patternTokens = patternTokens(served);
        for (SysctlKey key : tree.keys().stream().sorted(WALK_ORDER).toList()) {
            Optional<String> value = value(tree, key);
            if (value.isEmpty() && patternTokens.containsKey(key.path())) {
                // A wildcard showing the host's keys has no one value: print what the profile says.
                value = Optional.of(patternTokens.get(key.path()));
            }
            value.ifPresent(text -> print(out, key, text));
        }
        return 0;
    }

    private int printOperands(SysctlTree tree, PrintWriter out, PrintWriter err) {
        int status = 0;
        for (String operand : operands) {
            int equals = operand.indexOf('=');
            String keyText = equals < 0 ? operand : operand.substring(0, equals).strip();
            SysctlKey key;
            try {
                key = SysctlKey.parse(keyText);
            } catch (IllegalArgumentException e) {
                err.println("k3s-launcher " + NAME + ": " + e.getMessage());
                status = 1;
                continue;
            }
            int outcome = equals < 0 ? printKey(tree, key, out, err) : write(tree, key, operand.substring(equals + 1), out, err);
            status = Math.max(status, outcome);
        }
        return status;
    }

    private int printKey(SysctlTree tree, SysctlKey key, PrintWriter out, PrintWriter err) {
        boolean found = switch (tree.lookup(key.path())) {
            case KEY -> printValue(tree, key, out);
            case DIRECTORY -> printDirectory(tree, key, out);
            case HOST -> printValue(tree, key, out) || printHostDirectory(tree, key, out);
            case NOT_FOUND -> false;
        };
        return found ? 0 : doesNotExist(key, err);
    }

    private boolean printValue(SysctlTree tree, SysctlKey key, PrintWriter out) {
        Optional<String> value = value(tree, key);
        value.ifPresent(text -> print(out, key, text));
        return value.isPresent();
    }

    /** Writes {@code value} as a traced program would and prints it as sysctl(8) prints a write. */
    private int write(SysctlTree tree, SysctlKey key, String value, PrintWriter out, PrintWriter err) {
        return switch (tree.write(key.path(), value)) {
            case OK -> {
                print(out, key, value);
                yield 0;
            }
            case ENOENT -> doesNotExist(key, err);
            case EACCES -> refused("permission denied on key \"" + key.name() + "\"", err);
            case EINVAL -> refused("setting key \"" + key.name() + "\": Invalid argument", err);
            case EIO -> refused("setting key \"" + key.name() + "\": Input/output error", err);
        };
    }

    private static int refused(String message, PrintWriter err) {
        err.println("k3s-launcher " + NAME + ": " + message);
        return 1;
    }

    private int doesNotExist(SysctlKey key, PrintWriter err) {
        if (ignoreMissing) {
            return 0;
        }
        err.println("k3s-launcher " + NAME + ": cannot stat " + key.procPath() + ": " + NOT_SERVED);
        return 1;
    }

    /**
     * A directory only the host has, as a traced program sees it under {@code --missing passthrough}: every
     * readable key below it. False if the host has no such directory.
     */
    private boolean printHostDirectory(SysctlTree tree, SysctlKey directory, PrintWriter out) {
        Path root = HOST_PROC_SYS.resolve(directory.path());
        if (!Files.isDirectory(root)) {
            return false;
        }
        List<SysctlKey> below;
        try (Stream<Path> files = Files.walk(root)) {
            below = files.filter(Files::isRegularFile)
                    .map(file -> new SysctlKey(HOST_PROC_SYS.relativize(file).toString()))
                    .sorted(WALK_ORDER)
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        // Write-only keys (vm.compact_memory) have no value to print; sysctl(8) skips them too when listing.
        below.forEach(key -> value(tree, key).ifPresent(value -> print(out, key, value)));
        return true;
    }

    /**
     * Prints the keys below a directory, each under its name in that directory: a wildcard rule's
     * {@code *} takes the directory's component where the directory names one.
     */
    private boolean printDirectory(SysctlTree tree, SysctlKey directory, PrintWriter out) {
        List<String> prefix = directory.components();
        Map<SysctlKey, String> below = new TreeMap<>(WALK_ORDER);
        for (SysctlKey served : tree.keys()) {
            List<String> parts = served.components();
            if (parts.size() <= prefix.size() || !below(parts, prefix)) {
                continue;
            }
            List<String> named = new ArrayList<>(prefix);
            named.addAll(parts.subList(prefix.size(), parts.size()));
            SysctlKey key = new SysctlKey(String.join("/", named));
            value(tree, key).ifPresent(value -> below.put(key, value));
        }
        below.forEach((key, value) -> print(out, key, value));
        return !below.isEmpty();
    }

    private static boolean below(List<String> parts, List<String> prefix) {
        for (int i = 0; i < prefix.size(); i++) {
            if (!parts.get(i).equals(prefix.get(i)) && !parts.get(i).equals("*")) {
                return false;
            }
        }
        return true;
    }

    /** The {@code ${...}} tokens of a profile's wildcard rules by path. */
    private static Map<String, String> patternTokens(SysctlProfile served) {
        return served.settings().stream()
                .filter(setting -> setting.key().isPattern() && setting.value().startsWith("${"))
                .collect(Collectors.toMap(setting -> setting.key().path(), SysctlProfile.Setting::value));
    }

    /** The value as a process reading the key's file would see it, without the final newline. */
    private static Optional<String> value(SysctlTree tree, SysctlKey key) {
        return tree.read(key.path()).map(text -> text.substring(0, text.length() - 1));
    }

    /** One key as sysctl(8) prints it; a value of several lines gives one line each, as it does. */
    private void print(PrintWriter out, SysctlKey key, String value) {
        if (namesOnly) {
            out.println(key.name());
            return;
        }
        for (String line : value.split("\n", -1)) {
            out.println(valuesOnly ? line : key.name() + " = " + line);
        }
    }

}
