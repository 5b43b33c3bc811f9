package dev.panatrace.launcher;

import dev.panatrace.procsys.Missing;
import dev.panatrace.procsys.ProfileException;
import dev.panatrace.procsys.SysctlKey;
import dev.panatrace.procsys.SysctlProfile;
import dev.panatrace.procsys.SysctlTree;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code k3s-launcher sysctl [--profile k3s|FILE] [--sysctl KEY=VALUE]... [-a | KEY...]}: prints what a
 * profile serves as a traced program's /proc/sys, in sysctl(8)'s format {@code name = value}.
 *
 * <p>As sysctl(8) does, it prints dotted names whether a key was given dotted or as a path, prints every
 * key below a directory given as KEY, reports a key that is not served as {@code cannot stat
 * /proc/sys/...: No such file or directory} on standard error after printing the others and exits 1, and
 * takes {@code -n} (values only), {@code -N} (names only) and {@code -e} (ignore keys not served). A
 * wildcard rule prints as its pattern, such as {@code net.ipv4.conf.*.forwarding = 1}; a key it serves
 * prints under its own name. Nothing is written, and the host's /proc/sys is read only for keys whose
 * profile value is {@code ${host}}.
 */
final class SysctlCommand implements Subcommand {
    static final String NAME = "sysctl";

    /** A KEY that is not served, worded as sysctl(8) words it. */
    private static final String NOT_SERVED = "No such file or directory";

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

    private String profile = SysctlProfile.K3S;
    private final List<String> overrides = new ArrayList<>();
    private boolean all;
    private boolean valuesOnly;
    private boolean namesOnly;
    private boolean ignoreMissing;
    private final List<String> keys = new ArrayList<>();

    @Override
    public CommandSyntax syntax() {
        return new CommandSyntax("k3s-launcher " + NAME, "Prints what a profile serves as the /proc/sys of traced "
                + "programs, as sysctl(8) does.\n\nOne 'name = value' per line. KEY is a dotted name such as "
                + "vm.overcommit_memory or a path such as vm/overcommit_memory; a directory prints every key below "
                + "it. Wildcard rules print as their pattern: net.ipv4.conf.*.forwarding = 1. Keys the profile does "
                + "not serve are reported as missing, as traced programs find them.")
                .synopsis("k3s-launcher sysctl [-hV] [-n | -N] [-e] [--profile=k3s|FILE] [--sysctl=KEY=VALUE]... "
                        + "(-a | KEY...)")
                .option("--profile", "k3s|FILE", "A built-in profile (" + SysctlProfile.K3S + " by default) or a "
                        + "sysctl.conf file; a built-in's name means the built-in even if a file of that name exists "
                        + "(write ./NAME for the file).", value -> profile = value)
                .option("--sysctl", "KEY=VALUE", "Sets KEY on top of the profile, as a profile line 'KEY = VALUE' "
                        + "would. Repeatable.", overrides::add)
                .flag("-a --all", "Prints every key and wildcard rule, sorted.", () -> all = true)
                .flag("-n --values", "Prints values only.", () -> valuesOnly = true)
                .flag("-N --names", "Prints names only.", () -> namesOnly = true)
                .flag("-e --ignore", "Says nothing about KEYs that are not served.", () -> ignoreMissing = true)
                .operands(CommandSyntax.Operands.MIXED, "KEY", "The keys or directories to print.", false, keys::add)
                .exitStatus("0", "every KEY was printed")
                .exitStatus("1", "a KEY is not served or malformed (the others were printed)")
                .exitStatus("2", "usage error, or the profile is unknown, unreadable or has a bad line");
    }

    @Override
    public int call(PrintWriter out, PrintWriter err) {
        checkArguments();
        SysctlProfile served;
        try {
            served = ProfileLoader.load(profile).withOverrides(overrides);
        } catch (ProfileException | ProfileLoader.ProfileUnavailable e) {
            err.println("k3s-launcher " + NAME + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        // ENOENT: a key the profile does not serve is missing for traced programs too.
        SysctlTree tree = SysctlTree.builder().profile(served).missing(Missing.ENOENT).build();
        int status = all ? printAll(served, tree, out) : printKeys(tree, out, err);
        out.flush();
        err.flush();
        return status;
    }

    private void checkArguments() {
        if (valuesOnly && namesOnly) {
            throw new UsageException("-n and -N exclude each other");
        }
        if (all == !keys.isEmpty()) {
            throw new UsageException(all ? "-a takes no KEY" : "give -a or at least one KEY");
        }
        for (String key : keys) {
            // sysctl(8) would write such a key; a profile is changed with --sysctl instead.
            if (key.contains("=")) {
                throw new UsageException(
                        "'" + key + "' sets nothing here; to show the profile with it, pass --sysctl " + key);
            }
        }
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

    private int printKeys(SysctlTree tree, PrintWriter out, PrintWriter err) {
        int status = 0;
        for (String text : keys) {
            SysctlKey key;
            try {
                key = SysctlKey.parse(text);
            } catch (IllegalArgumentException e) {
                err.println("k3s-launcher " + NAME + ": " + e.getMessage());
                status = 1;
                continue;
            }
            boolean found = switch (tree.lookup(key.path())) {
                case KEY -> value(tree, key).map(value -> {
                    print(out, key, value);
                    return true;
                }).orElse(false);
                case DIRECTORY -> printDirectory(tree, key, out);
                case HOST, NOT_FOUND -> false;
            };
            if (!found && !ignoreMissing) {
                err.println("k3s-launcher " + NAME + ": cannot stat " + key.procPath() + ": " + NOT_SERVED);
                status = 1;
            }
        }
        return status;
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
