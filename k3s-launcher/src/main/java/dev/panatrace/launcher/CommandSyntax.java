package dev.panatrace.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The options and operands one command takes: parses its arguments into the command's fields and writes
 * its {@code --help}. Hand-written rather than a reflective library: the whole launcher must start in a
 * few tens of milliseconds, and reading annotations costs more than that.
 *
 * <p>Options are {@code --name VALUE}, {@code --name=VALUE} or a flag; short flags may be grouped
 * ({@code -ne}). {@code --} ends the options. Every command takes {@code -h/--help} and
 * {@code -V/--version}.
 */
final class CommandSyntax {
    /** What the words that are not options are, and whether options may follow them. */
    enum Operands {
        /** None are taken. */
        NONE,
        /** Any number, mixed with options. */
        MIXED,
        /** The first one starts a command line of its own: options after it are the command's. */
        COMMAND,
        /** Any number, and options this command does not know are operands too, in order (k3s's). */
        PASS_UNKNOWN
    }

    /** What parsing found to do. */
    enum Outcome { RUN, HELP, VERSION }

    private record Option(List<String> names, String label, String help, Consumer<String> action) {
        boolean takesValue() {
            return label != null;
        }

        String shown() {
            String shortName = names.stream().filter(name -> !name.startsWith("--")).findFirst().orElse(null);
            String longNames = String.join(", ", names.stream().filter(name -> name.startsWith("--")).toList());
            String value = takesValue() ? "=" + label : "";
            return shortName == null ? "    " + longNames + value
                    : longNames.isEmpty() ? shortName + value : shortName + ", " + longNames + value;
        }
    }

    private static final int WIDTH = 80;

    private final String name;
    private final String description;
    private final List<Option> options = new ArrayList<>();
    private final List<String> exitStatuses = new ArrayList<>();
    private final List<String> synopsis = new ArrayList<>();
    private final List<String[]> subcommands = new ArrayList<>();
    private Operands operands = Operands.NONE;
    private String operandLabel;
    private String operandHelp;
    private boolean operandRequired;
    private Consumer<String> operandSink;

    /**
     * @param name the command as typed, such as {@code k3s-launcher run}
     * @param description what it does, shown by --help; blank lines separate paragraphs
     */
    CommandSyntax(String name, String description) {
        this.name = name;
        this.description = description;
        flag("-h --help", "Show this help and exit.", () -> {});
        flag("-V --version", "Print the version, the Java runtime, the kernel and whether seccomp acceleration "
                + "works here, and exit.", () -> {});
    }

    String name() {
        return name;
    }

    /** A flag: {@code names} are space-separated, such as {@code "-a --all"}. */
    CommandSyntax flag(String names, String help, Runnable action) {
        options.add(new Option(List.of(names.split(" ")), null, help, value -> action.run()));
        return this;
    }

    /** An option with a value, shown in the help as {@code --name=LABEL}. Given twice, the action runs twice. */
    CommandSyntax option(String names, String label, String help, Consumer<String> action) {
        options.add(new Option(List.of(names.split(" ")), label, help, action));
        return this;
    }

    /** The words that are not options; with {@code required}, at least one must be given. */
    CommandSyntax operands(Operands kind, String label, String help, boolean required, Consumer<String> sink) {
        this.operands = kind;
        this.operandLabel = label;
        this.operandHelp = help;
        this.operandRequired = required;
        this.operandSink = sink;
        return this;
    }

    /** A usage line of the help instead of the generated one; several make several lines. */
    CommandSyntax synopsis(String line) {
        synopsis.add(line);
        return this;
    }

    /** A command listed in the help, for a command that dispatches to others. */
    CommandSyntax subcommand(String subcommand, String summary) {
        subcommands.add(new String[] {subcommand, summary});
        return this;
    }

    /** A line of the help's exit status list. */
    CommandSyntax exitStatus(String status, String meaning) {
        exitStatuses.add(String.format("  %-6s %s", status, meaning));
        return this;
    }

    /**
     * Applies {@code args} to the command's fields in order.
     *
     * @return RUN, or HELP or VERSION as soon as one of those is asked for
     * @throws UsageException for an unknown option, a missing value or a missing or extra operand
     */
    Outcome parse(List<String> args) {
        boolean optionsEnded = false;
        boolean anyOperand = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                operand(arg);
                anyOperand = true;
                optionsEnded |= operands == Operands.COMMAND;
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            int equals = arg.startsWith("--") ? arg.indexOf('=') : -1;
            String optionName = equals < 0 ? arg : arg.substring(0, equals);
            Option option = find(optionName);
            if (option == null) {
                List<Option> grouped = grouped(arg);
                if (grouped != null) {
                    for (Option flag : grouped) {
                        flag.action().accept(null);
                    }
                    continue;
                }
                if (operands == Operands.PASS_UNKNOWN) {
                    operand(arg);
                    anyOperand = true;
                    continue;
                }
                throw new UsageException("Unknown option: '" + arg + "'");
            }
            if (optionName.equals("--help") || optionName.equals("-h")) {
                return Outcome.HELP;
            }
            if (optionName.equals("--version") || optionName.equals("-V")) {
                return Outcome.VERSION;
            }
            if (!option.takesValue()) {
                if (equals >= 0) {
                    throw new UsageException("option '" + optionName + "' takes no value");
                }
                option.action().accept(null);
                continue;
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.size() && find(args.get(i + 1)) == null) {
                value = args.get(++i);
            } else {
                throw new UsageException("Missing required parameter for option '" + optionName + "' ("
                        + option.label() + ")");
            }
            option.action().accept(value);
        }
        if (operandRequired && !anyOperand) {
            throw new UsageException("Missing required parameter: '" + operandLabel + "'");
        }
        return Outcome.RUN;
    }

    private void operand(String arg) {
        if (operands == Operands.NONE) {
            throw new UsageException("unexpected argument '" + arg + "'");
        }
        operandSink.accept(arg);
    }

    private Option find(String optionName) {
        for (Option option : options) {
            if (option.names().contains(optionName)) {
                return option;
            }
        }
        return null;
    }

    /** {@code -ne} as {@code -n -e}, when every letter is a flag; else null. */
    private List<Option> grouped(String arg) {
        if (arg.startsWith("--") || arg.length() < 3) {
            return null;
        }
        List<Option> flags = new ArrayList<>();
        for (char letter : arg.substring(1).toCharArray()) {
            Option flag = find("-" + letter);
            if (flag == null || flag.takesValue() || letter == 'h' || letter == 'V') {
                return null;
            }
            flags.add(flag);
        }
        return flags;
    }

    /**
     * An option's value as a whole number of at least {@code least}.
     *
     * @throws UsageException naming the option, for text that is not a number or one too small
     */
    static int wholeNumber(String option, String value, int least) {
        int number;
        try {
            number = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " wants a whole number, got '" + value + "'");
        }
        if (number < least) {
            throw new UsageException(option + " wants " + least + " or more, got " + number);
        }
        return number;
    }

    /** The --help text. */
    String help() {
        StringBuilder out = new StringBuilder();
        if (synopsis.isEmpty()) {
            out.append("Usage: ").append(generatedSynopsis()).append('\n');
        } else {
            // A line that does not start with the command's name continues the line above.
            String continued = " ".repeat("Usage: ".length() + name.length() + 1);
            for (int i = 0; i < synopsis.size(); i++) {
                String line = synopsis.get(i);
                out.append(i == 0 ? "Usage: " : line.startsWith(name) ? "       " : continued).append(line).append('\n');
            }
        }
        for (String paragraph : description.split("\n\n")) {
            out.append(wrap(paragraph, "")).append('\n');
        }
        if (operandLabel != null && subcommands.isEmpty()) {
            out.append("\n").append(table(List.<String[]>of(new String[] {operandLabel, operandHelp})));
        }
        if (!subcommands.isEmpty()) {
            out.append("\nCommands:\n").append(table(subcommands));
        }
        out.append("\nOptions:\n").append(table(options.stream()
                .map(option -> new String[] {option.shown(), option.help()}).toList()));
        if (!exitStatuses.isEmpty()) {
            out.append("\nExit status:\n");
            exitStatuses.forEach(line -> out.append(line).append('\n'));
        }
        return out.toString();
    }

    private String generatedSynopsis() {
        StringBuilder line = new StringBuilder(name).append(" [-hV]");
        for (Option option : options.subList(2, options.size())) {
            line.append(" [").append(option.names().getLast()).append(option.takesValue() ? "=" + option.label() : "")
                    .append(']');
        }
        if (!subcommands.isEmpty()) {
            line.append(" COMMAND");
        } else if (operandLabel != null) {
            line.append(operandRequired ? " " : " [").append(operandLabel).append("...")
                    .append(operandRequired ? "" : "]");
        }
        return line.toString();
    }

    /** Two columns: the first padded to its widest entry, the second wrapped beside it. */
    private static String table(List<String[]> rows) {
        int first = rows.stream().mapToInt(row -> row[0].length()).max().orElse(0);
        StringBuilder out = new StringBuilder();
        String indent = " ".repeat(first + 6);
        for (String[] row : rows) {
            String head = "  " + row[0] + " ".repeat(first - row[0].length() + 4);
            out.append(head).append(wrap(row[1], indent).substring(indent.length())).append('\n');
        }
        return out.toString();
    }

    private static String wrap(String text, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                out.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        return out.append(line).toString();
    }
}
