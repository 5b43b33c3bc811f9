package dev.panatrace.launcher;

import java.lang.System.Logger.Level;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Reports an exception that escaped a subcommand: a bug or an unexpected environment, not a usage
 * error. The stack trace goes to the log, where it helps whoever investigates.
 */
final class FailureReporter implements IExecutionExceptionHandler {
    private static final System.Logger LOG = System.getLogger(FailureReporter.class.getPackageName());

    @Override
    public int handleExecutionException(Exception failure, CommandLine where, ParseResult parsed) {
        String command = where.getCommandSpec().qualifiedName();
        LOG.log(Level.ERROR, command + " failed", failure);
        where.getErr().println(command + ": " + failure);
        where.getErr().flush();
        return ExitCodes.LAUNCHER_FAILED;
    }
}
