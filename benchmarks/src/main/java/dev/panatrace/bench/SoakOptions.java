package dev.panatrace.bench;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The soak's command line: {@code bin/bench --soak MINUTES [--out DIR] [--interval-s S] [--launcher-java-opts OPTS]}.
 *
 * @param length how long the load runs before the launchers are sent SIGTERM
 * @param out where soak.json, soak.md and soak.png go
 * @param interval how often the launchers are sampled
 * @param launcherJavaOptions JVM flags added after the launchers' own (their {@code PANATRACE_JAVA_OPTS}), to
 *     compare settings; empty for the launchers' defaults
 * @param repo the repository root, whose bin/k3s-launcher runs the daemons
 * @param help whether only the usage was asked for
 */
public record SoakOptions(Duration length, Path out, Duration interval, String launcherJavaOptions, Path repo,
                          boolean help) {
    /** The usage text. */
    public static final String USAGE = """
            usage: bin/bench --soak MINUTES [--out DIR] [--interval-s S] [--launcher-java-opts OPTS]
              MINUTES       how long containerd and etcd run under load under the launcher (1 to 10080)
              --out DIR     where soak.json, soak.md and soak.png go (default: benchmarks/results)
              --interval-s  seconds between samples of the launchers (default 10)
              --launcher-java-opts OPTS
                            JVM flags for the two launchers, after their own (as PANATRACE_JAVA_OPTS)
            """;

    private static final int MOST_MINUTES = 7 * 24 * 60;

    /**
     * Parses the arguments that follow {@code --soak}.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value, saying which
     */
    public static SoakOptions parse(String... args) {
        Path repo = RepositoryRoot.find();
        Integer minutes = null;
        Path out = repo.resolve("benchmarks/results");
        int intervalSeconds = 10;
        String javaOptions = "";
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> help = true;
                case "--out" -> out = Path.of(value(args, ++i, arg)).toAbsolutePath();
                case "--interval-s" -> intervalSeconds = whole(value(args, ++i, arg), arg, 1, 3600);
                case "--launcher-java-opts" -> javaOptions = value(args, ++i, arg).strip();
                default -> {
                    if (arg.startsWith("-") || minutes != null) {
                        throw new IllegalArgumentException("unknown soak option '" + arg + "'");
                    }
                    minutes = whole(arg, "--soak MINUTES", 1, MOST_MINUTES);
                }
            }
        }
        if (minutes == null && !help) {
            throw new IllegalArgumentException("--soak needs a number of minutes");
        }
        return new SoakOptions(Duration.ofMinutes(minutes == null ? 1 : minutes), out,
                Duration.ofSeconds(intervalSeconds), javaOptions, repo, help);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static int whole(String text, String option, int least, int most) {
        try {
            int value = Integer.parseInt(text);
            if (value >= least && value <= most) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below with the option's name.
        }
        throw new IllegalArgumentException(option + " wants a whole number from " + least + " to " + most
                + ", got '" + text + "'");
    }
}
