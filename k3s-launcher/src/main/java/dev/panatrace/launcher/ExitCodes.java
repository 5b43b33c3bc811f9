package dev.panatrace.launcher;

/**
 * The launcher's own exit statuses. They follow env(1) and timeout(1), so that they differ from the
 * statuses a traced command usually exits with: 125 when the launcher fails, 127 when the command is
 * not found.
 */
final class ExitCodes {
    private ExitCodes() {}

    /** A usage error, or a profile that is unknown, unreadable or has a bad line. */
    static final int USAGE = 2;

    /** The launcher failed: the trace could not start, the engine failed, or a file could not be written. */
    static final int LAUNCHER_FAILED = 125;

    /** The command to run was not found. */
    static final int COMMAND_NOT_FOUND = 127;
}
