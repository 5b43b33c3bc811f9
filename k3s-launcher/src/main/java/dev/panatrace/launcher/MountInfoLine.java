package dev.panatrace.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of /proc/PID/mountinfo (proc(5)): {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS
 * [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS}.
 *
 * @param mountPoint the mount point, with the kernel's octal escapes ({@code \040}) decoded
 * @param optionalFields the propagation tags such as {@code shared:1} or {@code master:2}
 * @param fsType the filesystem type
 * @param superOptions the per-superblock options
 */
record MountInfoLine(String mountPoint, List<String> optionalFields, String fsType, String superOptions) {
    MountInfoLine {
        optionalFields = List.copyOf(optionalFields);
    }

    /** Whether mounts below this one propagate to its peers: needed for kubelet's bind mounts. */
    boolean shared() {
        return optionalFields.stream().anyMatch(field -> field.startsWith("shared:"));
    }

    /** Every well-formed line of a mountinfo text, in order; malformed lines are skipped. */
    static List<MountInfoLine> parseAll(String text) {
        List<MountInfoLine> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.strip().split(" ");
            int separator = List.of(fields).indexOf("-");
            if (separator < 6 || fields.length < separator + 3) {
                continue;
            }
            // gVisor writes the space before the optional fields even when there are none: "rw  - 9p".
            List<String> optional = List.of(fields).subList(6, separator).stream().filter(field -> !field.isEmpty())
                    .toList();
            lines.add(new MountInfoLine(unescape(fields[4]), optional, fields[separator + 1],
                    fields.length > separator + 3 ? fields[separator + 3] : ""));
        }
        return lines;
    }

    /** Decodes the {@code \ooo} escapes the kernel writes for space, tab, newline and backslash. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String field, int from) {
        for (int i = from; i < from + 3; i++) {
            if (field.charAt(i) < '0' || field.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
