package dev.panatrace.launcher;

/**
 * The launcher's own exit statuses. They follow env(1) and timeout(1), so that they differ from the
 * statuses a traced command usually exits with: 125 when the launcher fails, 126 when the command cannot
 * be executed, 127 when it is not found.
 */
final class ExitCodes {
    private ExitCodes() {}

    /** A usage error, or a profile that is unknown, unreadable or has a bad line. */
    static final int USAGE = 2;

    /** The launcher failed: the trace could not start, the engine failed, or a file could not be written. */
    static final int LAUNCHER_FAILED = 125;

    /** The command to run names a file that cannot be executed (a shell's "Permission denied"). */
    static final int COMMAND_NOT_EXECUTABLE = 126;

    /** The command to run was not found. */
    static final int COMMAND_NOT_FOUND = 127;
}
