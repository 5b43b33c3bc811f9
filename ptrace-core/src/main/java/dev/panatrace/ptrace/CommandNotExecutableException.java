package dev.panatrace.ptrace;

/**
 * The command to spawn names a file that cannot be executed: one without execute permission, or a
 * directory, and no executable file of that name came before it in PATH. A shell reports the same with
 * exit status 126, where a command that is not found at all gets 127 ({@link CommandNotFoundException}).
 */
public final class CommandNotExecutableException extends TraceFailedException {
    private static final long serialVersionUID = 1L;

    /** The command's first word, as given. */
    private final String command;

    /**
     * Creates the exception.
     *
     * @param command the command's first word, as given
     * @param reason why it cannot be executed, as strerror(3) words it, such as {@code Permission denied}
     */
    public CommandNotExecutableException(String command, String reason) {
        super(command + ": " + reason, null);
        this.command = command;
    }

    /** {@return the command's first word, as given} */
    public String command() {
        return command;
    }
}
