package dev.panatrace.ptrace;

/** The command to spawn was not found: no executable file by that name, searched as execvp(3) does. */
public final class CommandNotFoundException extends TraceFailedException {
    private static final long serialVersionUID = 1L;

    /** The command's first word, as given. */
    private final String command;

    /**
     * Creates the exception.
     *
     * @param command the command's first word, as given
     */
    public CommandNotFoundException(String command) {
        super("command not found: " + command, null);
        this.command = command;
    }

    /** {@return the command's first word, as given} */
    public String command() {
        return command;
    }
}
