package dev.panatrace.procsys;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Rewrites the kernel's mount tables so that chosen mount points show another filesystem type. Lines of
 * other mounts are kept byte for byte; a rewritten line keeps its mount ids, {@code maj:min}, root,
 * mount point and per-mount options, so it still matches {@code stat}'s {@code st_dev}.
 *
 * <p>Formats, from proc(5): {@code /proc/PID/mountinfo} lines are
 * {@code ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS};
 * {@code /proc/PID/mounts} lines are {@code SOURCE MOUNT-POINT FSTYPE OPTIONS DUMP PASS}. Space, tab,
 * newline and backslash in paths are written as octal escapes ({@code \040}).
 */
public final class MountTableRewriter {
    /** Per-mount flags that the VFS, not the filesystem, shows in /proc/PID/mounts' options. */
    private static final Set<String> MOUNT_FLAGS = Set.of("rw", "ro", "nosuid", "nodev", "noexec", "sync",
            "dirsync", "mand", "noatime", "nodiratime", "relatime", "strictatime", "lazytime", "nosymfollow");

    private final Map<String, FilesystemType> mounts;

    /**
     * A rewriter presenting each mount point of {@code mounts} as its type.
     *
     * @param mounts mount point (absolute, unescaped, as the tracee names it) to type
     */
    public MountTableRewriter(Map<String, FilesystemType> mounts) {
        this.mounts = Map.copyOf(Objects.requireNonNull(mounts, "mounts"));
    }

    /**
     * {@code mountinfo} with the lines of disguised mount points rewritten: fstype, source and super options.
     *
     * @param mountinfo the content of a {@code /proc/PID/mountinfo}
     * @return the content to show
     */
    public byte[] rewriteMountInfo(byte[] mountinfo) {
        return rewriteLines(mountinfo, this::mountInfoLine);
    }

    /**
     * {@code mounts} with the lines of disguised mount points rewritten: source, fstype and options.
     *
     * @param mounts the content of a {@code /proc/PID/mounts}
     * @return the content to show
     */
    public byte[] rewriteMounts(byte[] mounts) {
        return rewriteLines(mounts, this::mountsLine);
    }

    /**
     * The {@code maj:min} of every mount of {@code mountinfo} whose mount point is disguised, e.g. {@code "254:0"}.
     *
     * @param mountinfo the content of a {@code /proc/PID/mountinfo}
     * @return the devices, in order of appearance
     */
    public Set<String> disguisedDevices(byte[] mountinfo) {
        Set<String> devices = new LinkedHashSet<>();
        for (String line : lines(mountinfo)) {
            String[] fields = line.split(" ", -1);
            if (fields.length > 4 && mounts.containsKey(unescape(fields[4]))) {
                devices.add(fields[2]);
            }
        }
        return devices;
    }

    /** The mount point's type if it is disguised. */
    private FilesystemType disguiseOf(String escapedMountPoint) {
        return mounts.get(unescape(escapedMountPoint));
    }

    private String mountInfoLine(String line) {
        String[] fields = line.split(" ", -1);
        if (fields.length < 10) {
            return null;
        }
        FilesystemType type = disguiseOf(fields[4]);
        if (type == null) {
            return null;
        }
        int separator = Arrays.asList(fields).indexOf("-");
        // The separator follows the six fixed fields and the optional ones; three fields follow it.
        if (separator < 6 || separator + 4 != fields.length) {
            return null;
        }
        String accessMode = fields[separator + 3].startsWith("ro") ? "ro" : "rw";
        List<String> out = new ArrayList<>(Arrays.asList(fields).subList(0, separator + 1));
        out.add(type.fsName());
        out.add(type.source());
        out.add(type.superOptions(accessMode));
        return String.join(" ", out);
    }

    private String mountsLine(String line) {
        String[] fields = line.split(" ", -1);
        if (fields.length != 6) {
            return null;
        }
        FilesystemType type = disguiseOf(fields[1]);
        if (type == null) {
            return null;
        }
        List<String> flags = new ArrayList<>();
        for (String option : fields[3].split(",")) {
            if (MOUNT_FLAGS.contains(option)) {
                flags.add(option);
            }
        }
        String accessMode = flags.contains("ro") ? "ro" : "rw";
        flags.remove("ro");
        flags.remove("rw");
        String superOptions = type.superOptions(accessMode);
        String options = flags.isEmpty() ? superOptions
                : accessMode + "," + String.join(",", flags) + superOptions.substring(accessMode.length());
        return String.join(" ", type.source(), fields[1], type.fsName(), options, fields[4], fields[5]);
    }

    /** Applies {@code rewrite} to each line; a null result keeps the line's bytes. */
    private static byte[] rewriteLines(byte[] content, Function<String, String> rewrite) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 256);
        int start = 0;
        while (start < content.length) {
            int end = start;
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            // Paths may hold any byte but NUL; ISO-8859-1 maps bytes to chars one to one.
            String line = new String(content, start, end - start, StandardCharsets.ISO_8859_1);
            String rewritten = rewrite.apply(line);
            if (rewritten == null) {
                out.write(content, start, end - start);
            } else {
                out.writeBytes(rewritten.getBytes(StandardCharsets.ISO_8859_1));
            }
            if (end < content.length) {
                out.write('\n');
            }
            start = end + 1;
        }
        return out.toByteArray();
    }

    private static List<String> lines(byte[] content) {
        List<String> lines = new ArrayList<>();
        for (String line : new String(content, StandardCharsets.ISO_8859_1).split("\n")) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Undoes the kernel's octal escapes ({@code \040} for a space) of a path field. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder path = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1) && isOctal(field, i + 2) && isOctal(field, i + 3)) {
                path.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                path.append(c);
            }
        }
        return path.toString();
    }

    private static boolean isOctal(String s, int index) {
        return index < s.length() && s.charAt(index) >= '0' && s.charAt(index) <= '7';
    }
}
