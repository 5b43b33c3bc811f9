package dev.panatrace.ptrace.paths;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** QuickTheories generators of path bytes, weighted so that {@code /}, {@code .} and {@code ..} are common. */
final class PathGenerators {
    private PathGenerators() {}

    /** Any byte but NUL: slashes, dots, one name letter, or anything from 0x01 to 0xff. */
    static Gen<Byte> pathBytes() {
        return Generate.frequency(
                Pair.of(4, Generate.constant((byte) '/')),
                Pair.of(4, Generate.constant((byte) '.')),
                Pair.of(2, Generate.constant((byte) 'a')),
                Pair.of(3, Generate.range(1, 255).map(b -> (byte) (int) b)));
    }

    /** Paths of 1 to {@code maxLength} bytes, mostly short ones, some as long as allowed. */
    static Gen<byte[]> paths(int maxLength) {
        Gen<Integer> lengths = Generate.frequency(
                Pair.of(4, Generate.range(1, Math.min(24, maxLength))),
                Pair.of(1, Generate.range(1, maxLength)));
        return Generate.byteArrays(lengths, pathBytes()).describedAs(PathGenerators::show);
    }

    /** Normalized absolute paths: {@code /} followed by up to {@code maxLength - 1} arbitrary bytes. */
    static Gen<byte[]> normalizedPaths(int maxLength) {
        return paths(maxLength - 1).map(path -> LexicalResolver.normalize(concat(bytes("/"), path)))
                .describedAs(PathGenerators::show);
    }

    static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    /** Bytes as text, non-printable ones escaped, for failure messages. */
    static String show(byte[] path) {
        return '"' + FileNameBytes.escape(path) + '"';
    }
}
