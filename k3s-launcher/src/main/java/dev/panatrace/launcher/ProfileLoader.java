package dev.panatrace.launcher;

import dev.panatrace.procsys.SysctlProfile;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a {@code --profile} value into a profile: a built-in name wins over a file of the same name
 * ({@code ./k3s} means the file).
 */
final class ProfileLoader {
    private ProfileLoader() {}

    /** The value names neither a built-in profile nor a readable file. */
    static final class ProfileUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProfileUnavailable(String message) {
            super(message);
        }
    }

    /**
     * The profile a command serves: {@code profile}, or an empty one when it is null, with the
     * {@code --sysctl} overrides on top.
     *
     * @throws ProfileUnavailable when there is no such profile
     * @throws dev.panatrace.procsys.ProfileException when the file or an override has a bad line
     */
    static SysctlProfile load(String profile, List<String> overrides) {
        SysctlProfile base = profile == null ? SysctlProfile.parse("(no profile)", "") : load(profile);
        return base.withOverrides(overrides);
    }

    /**
     * @throws ProfileUnavailable when there is no such profile
     * @throws dev.panatrace.procsys.ProfileException when the file has a bad line
     */
    static SysctlProfile load(String profile) {
        if (SysctlProfile.builtInNames().contains(profile)) {
            return SysctlProfile.builtIn(profile);
        }
        Path file = Path.of(profile);
        if (!profile.contains("/") && !Files.exists(file)) {
            throw new ProfileUnavailable("no built-in profile or file \"" + profile + "\" (built in: "
                    + String.join(", ", SysctlProfile.builtInNames()) + ")");
        }
        try {
            return SysctlProfile.load(file);
        } catch (IOException e) {
            throw new ProfileUnavailable("cannot read profile " + profile + ": " + describe(e));
        }
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
    }
}
