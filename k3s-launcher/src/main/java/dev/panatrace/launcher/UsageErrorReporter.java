package dev.panatrace.launcher;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a command-line mistake as one line naming the command and pointing to its help, with exit
 * status 2. A user who mistyped does not need a stack trace or the whole usage text.
 */
final class UsageErrorReporter implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException error, String[] args) {
        CommandLine where = error.getCommandLine();
        String command = where.getCommandSpec().qualifiedName();
        PrintWriter err = where.getErr();
        err.println(command + ": " + describe(error) + " (see '" + command + " --help')");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private static String describe(ParameterException error) {
        CommandLine where = error.getCommandLine();
        // picocli checks required parameters before it complains about unknown options, but the
        // unknown option is the mistake: `trace --bogus` lacks a command only because of it.
        if (error instanceof MissingParameterException && !where.getUnmatchedArguments().isEmpty()) {
            return "Unknown option: '" + where.getUnmatchedArguments().getFirst() + "'";
        }
        // picocli calls a misspelled subcommand an "unmatched argument"; say what it is.
        if (error instanceof UnmatchedArgumentException unmatched
                && !where.getSubcommands().isEmpty()
                && !unmatched.getUnmatched().isEmpty()
                && !unmatched.getUnmatched().getFirst().startsWith("-")) {
            return "unknown command '" + unmatched.getUnmatched().getFirst() + "'";
        }
        return error.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
