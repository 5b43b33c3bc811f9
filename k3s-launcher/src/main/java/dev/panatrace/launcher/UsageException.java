package dev.panatrace.launcher;

/**
 * A command-line mistake. The launcher reports it as one line naming the command and pointing to its
 * help, with exit status 2: a user who mistyped needs neither a stack trace nor the whole usage text.
 */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message, null, false, false);
    }
}
