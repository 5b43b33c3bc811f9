package dev.panatrace.ptrace.paths;

import java.util.Optional;

/**
 * What a traced program's paths really are: the rule a {@link PathRedirector} applies. Paths are bytes,
 * absolute and lexically normalized ({@link LexicalResolver#normalize}).
 *
 * <p>{@link BindMap} is the fixed-prefix implementation; others can decide per path, e.g. serve some
 * names from a directory of their own and fail others.
 */
public interface PathMap {
    /**
     * The host path a guest path stands for.
     *
     * @param guestPath a path as the tracee names it
     * @return the path to use instead, or empty to leave the path as the program wrote it
     */
    Optional<byte[]> toHost(byte[] guestPath);

    /**
     * The guest path a host path (a working directory, a directory descriptor's target) stands for, so that
     * {@code ..} from inside a redirected directory stays in the guest's view.
     *
     * @param hostPath a path on the host
     * @return the guest path, or empty when the host path is no redirection's target
     */
    Optional<byte[]> toGuest(byte[] hostPath);

    /**
     * An errno to fail a syscall on {@code guestPath} with instead of looking it up, as the kernel would
     * fail a name that does not exist (ENOENT); 0 to map it with {@link #toHost}.
     *
     * @param guestPath a path as the tracee names it
     * @return the errno, or 0 to map the path
     */
    default int failure(byte[] guestPath) {
        return 0;
    }
}
