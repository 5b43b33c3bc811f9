package dev.panatrace.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How the launcher tells that a node it started is ready: a node with a kubelet when the kubelet's healthz
 * answers {@code GET /healthz} with 200, a control-plane-only server when its API server port accepts a
 * connection. Plain sockets and HTTP/1.0, as the launcher's runtime holds no HTTP client.
 *
 * @param kubelet whether the kubelet's healthz is asked (else the API server port is connected to)
 * @param host where it listens
 * @param port its port
 */
record NodeReadiness(boolean kubelet, String host, int port) {
    static final int KUBELET_HEALTHZ_PORT = 10248;
    static final int HTTPS_LISTEN_PORT = 6443;
    private static final String LOOPBACK = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MILLIS = 200;
    private static final int READ_TIMEOUT_MILLIS = 1000;
    private static final int LONGEST_STATUS_LINE = 256;

    /**
     * The check for the node {@code request} asks for, from the k3s arguments the user passed: for a node
     * with a kubelet, {@code --kubelet-arg=healthz-port=N} and {@code healthz-bind-address} (k3s passes each
     * {@code --kubelet-arg} on as {@code --KEY=VALUE}, its leading dashes optional, the last one of a key
     * winning); else {@code --https-listen-port} and {@code --bind-address}. A wildcard or missing address
     * is asked on 127.0.0.1; a port that is not a number is left at its default (k3s refuses it anyway).
     *
     * @return empty when the kubelet's healthz is switched off ({@code healthz-port=0})
     */
    static Optional<NodeReadiness> of(NodeRequest request) {
        List<String> args = request.k3sArgs();
        if (request.runsKubelet()) {
            String port = null;
            String address = null;
            for (String kubeletArg : values(args, "--kubelet-arg")) {
                String setting = kubeletArg.replaceFirst("^-+", "");
                int equals = setting.indexOf('=');
                if (equals < 0) {
                    continue;
                }
                String key = setting.substring(0, equals);
                String value = setting.substring(equals + 1);
                if (key.equals("healthz-port")) {
                    port = value;
                } else if (key.equals("healthz-bind-address")) {
                    address = value;
                }
            }
            int number = port(port, KUBELET_HEALTHZ_PORT);
            return number == 0 ? Optional.empty() : Optional.of(new NodeReadiness(true, host(address), number));
        }
        return Optional.of(new NodeReadiness(false, host(last(values(args, "--bind-address"))),
                port(last(values(args, "--https-listen-port")), HTTPS_LISTEN_PORT)));
    }

    /** The values of a k3s flag, given as {@code --flag=VALUE} or {@code --flag VALUE}, in order. */
    static List<String> values(List<String> args, String flag) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith(flag + "=")) {
                values.add(arg.substring(flag.length() + 1));
            } else if (arg.equals(flag) && i + 1 < args.size()) {
                values.add(args.get(++i));
            }
        }
        return values;
    }

    private static String last(List<String> values) {
        return values.isEmpty() ? null : values.getLast();
    }

    private static int port(String value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            int port = Integer.parseInt(value.strip());
            return port >= 0 && port <= 65535 ? port : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static String host(String address) {
        if (address == null) {
            return LOOPBACK;
        }
        String bare = address.strip();
        return bare.isEmpty() || bare.equals("0.0.0.0") || bare.equals("::") || bare.equals("[::]") ? LOOPBACK
                : bare.replaceAll("^\\[|]$", "");
    }

    /** host:port, with an IPv6 address in brackets. */
    String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** What is waited for, as {@code the kubelet (127.0.0.1:10248/healthz)}. */
    String awaited() {
        return kubelet ? "the kubelet (" + address() + "/healthz)" : "the API server (" + address() + ")";
    }

    /** What showed the node ready, as {@code kubelet healthz on 127.0.0.1:10248}. */
    String evidence() {
        return kubelet ? "kubelet healthz on " + address() : "API server accepting connections on " + address();
    }

    /** Whether the node answers now: one connection, at most about 1.2 s. */
    boolean ready() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            if (!kubelet) {
                return true;
            }
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /healthz HTTP/1.0\r\nHost: " + address() + "\r\nUser-Agent: k3s-launcher\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return healthy(statusLine(socket.getInputStream()));
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether an HTTP status line says 200. */
    static boolean healthy(String statusLine) {
        return statusLine.matches("HTTP/1\\.[01] 200( .*)?");
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n' && line.length() < LONGEST_STATUS_LINE; c = in.read()) {
            line.append((char) c);
        }
        return line.toString().strip();
    }
}
