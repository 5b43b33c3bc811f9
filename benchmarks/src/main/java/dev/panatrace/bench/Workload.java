package dev.panatrace.bench;

import java.util.List;

/**
 * One macro benchmark workload: the same program with two expected outputs, since a redirecting tool
 * makes it read the host directory's keys where the others read the real /proc/sys.
 *
 * @param name the short name, such as {@code W1}
 * @param description what it does, for the results
 * @param nativeCommand the command for tools that do not redirect
 * @param redirectedCommand the command for tools that redirect (it may expect other contents)
 * @param nativeStdout what a correct run prints when /proc/sys is the real one
 * @param redirectedStdout what a correct run prints when /proc/sys is the host directory
 */
public record Workload(String name, String description, List<String> nativeCommand, List<String> redirectedCommand,
                       String nativeStdout, String redirectedStdout) {
    /** The command {@code tool} runs. */
    public List<String> command(Tool tool) {
        return tool.redirects() ? redirectedCommand : nativeCommand;
    }

    /** What a correct run under {@code tool} prints. */
    public String expectedStdout(Tool tool) {
        return tool.redirects() ? redirectedStdout : nativeStdout;
    }
}
