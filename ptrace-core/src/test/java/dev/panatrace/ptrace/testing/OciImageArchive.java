package dev.panatrace.ptrace.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the smallest container image {@code ctr image import} takes: an OCI image layout (oci-layout,
 * index.json, blobs) in a tar archive, whose one gzip'd layer holds {@code /bin/busybox} and
 * {@code /bin/sh} linked to it. The launcher's daemon tests and the benchmarks' soak run containers from it.
 */
public final class OciImageArchive {
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    private static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

    private OciImageArchive() {}

    /**
     * Writes the archive.
     *
     * @param archive the tar file to write
     * @param reference the image's name once imported, e.g. {@code docker.io/panatrace/busybox:test}
     * @param busybox the static busybox executable to put at {@code /bin/busybox}
     */
    public static void write(Path archive, String reference, Path busybox) {
        try {
            Tar layerTar = new Tar();
            layerTar.directory("bin/");
            layerTar.file("bin/busybox", 0755, Files.readAllBytes(busybox));
            layerTar.symlink("bin/sh", "busybox");
            byte[] uncompressedLayer = layerTar.finish();
            ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
            try (OutputStream gzip = new GZIPOutputStream(gzipped)) {
                gzip.write(uncompressedLayer);
            }
            byte[] layer = gzipped.toByteArray();
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + digest(uncompressedLayer) + "\"]}}")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\","
                    + "\"config\":" + descriptor(CONFIG_TYPE, config) + ","
                    + "\"layers\":[" + descriptor(LAYER_TYPE, layer) + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            String manifestDescriptor = descriptor(MANIFEST_TYPE, manifest);
            byte[] index = ("{\"schemaVersion\":2,\"manifests\":[" + manifestDescriptor.substring(0,
                    manifestDescriptor.length() - 1) + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\""
                    + reference + "\"}}]}").getBytes(StandardCharsets.UTF_8);

            Tar image = new Tar();
            image.file("oci-layout", 0644, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            image.file("index.json", 0644, index);
            image.directory("blobs/");
            image.directory("blobs/sha256/");
            for (byte[] blob : new byte[][] {layer, config, manifest}) {
                image.file("blobs/sha256/" + digest(blob).substring("sha256:".length()), 0644, blob);
            }
            Files.write(archive, image.finish());
        } catch (IOException e) {
            throw new UncheckedIOException("writing the image archive " + archive, e);
        }
    }

    /** An OCI content descriptor: media type, digest and size. */
    private static String descriptor(String mediaType, byte[] content) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest(content) + "\",\"size\":"
                + content.length + "}";
    }

    private static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** A ustar archive in memory (POSIX.1-1988 headers; every name here fits the 100-byte field). */
    private static final class Tar {
        private static final int BLOCK = 512;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void directory(String name) {
            entry(name, 0755, '5', "", new byte[0]);
        }

        void file(String name, int mode, byte[] content) {
            entry(name, mode, '0', "", content);
        }

        void symlink(String name, String target) {
            entry(name, 0777, '2', target, new byte[0]);
        }

        /** The archive, ended by two zero blocks. */
        byte[] finish() {
            out.writeBytes(new byte[2 * BLOCK]);
            return out.toByteArray();
        }

        private void entry(String name, int mode, char type, String linkName, byte[] content) {
            byte[] header = new byte[BLOCK];
            put(header, 0, 100, name.getBytes(StandardCharsets.UTF_8));
            octal(header, 100, 8, mode);
            octal(header, 108, 8, 0);
            octal(header, 116, 8, 0);
            octal(header, 124, 12, content.length);
            octal(header, 136, 12, 0);
            header[156] = (byte) type;
            put(header, 157, 100, linkName.getBytes(StandardCharsets.UTF_8));
            put(header, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
            put(header, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
            // The checksum is computed with its own field read as spaces.
            Arrays.fill(header, 148, 156, (byte) ' ');
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, 8, String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(header);
            out.writeBytes(content);
            out.writeBytes(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
        }

        private static void octal(byte[] header, int offset, int length, long value) {
            String digits = Long.toOctalString(value);
            String padded = "0".repeat(length - 1 - digits.length()) + digits + "\0";
            put(header, offset, length, padded.getBytes(StandardCharsets.US_ASCII));
        }

        private static void put(byte[] header, int offset, int length, byte[] value) {
            if (value.length > length) {
                throw new IllegalArgumentException("'" + new String(value, StandardCharsets.UTF_8)
                        + "' does not fit a " + length + "-byte tar header field");
            }
            System.arraycopy(value, 0, header, offset, value.length);
        }
    }
}
