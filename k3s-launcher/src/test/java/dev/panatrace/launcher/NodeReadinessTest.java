package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which port tells a node ready, read from the k3s arguments, and the probe against a small server. */
@Timeout(30)
class NodeReadinessTest {
    private static Optional<NodeReadiness> agent(String... k3sArgs) {
        return NodeReadiness.of(new NodeRequest(NodeRequest.Role.AGENT, Path.of("k3s"), false, null, Set.of(), false,
                List.of(k3sArgs)));
    }

    private static Optional<NodeReadiness> server(boolean controlPlaneOnly, String... k3sArgs) {
        return NodeReadiness.of(new NodeRequest(NodeRequest.Role.SERVER, Path.of("k3s"), controlPlaneOnly, null,
                Set.of(), false, List.of(k3sArgs)));
    }

    @Test
    void aKubeletIsAskedOnItsDefaultHealthzPort() {
        NodeReadiness readiness = agent("--server", "https://cp:6443", "--kubelet-arg=v=2").orElseThrow();
        assertEquals(new NodeReadiness(true, "127.0.0.1", 10248), readiness);
        assertEquals("the kubelet (127.0.0.1:10248/healthz)", readiness.awaited());
        assertEquals("kubelet healthz on 127.0.0.1:10248", readiness.evidence());
        assertEquals(new NodeReadiness(true, "127.0.0.1", 10248), server(false).orElseThrow());
    }

    @Test
    void theHealthzPortComesFromEveryFormOfKubeletArg() {
        assertEquals(10300, agent("--kubelet-arg=healthz-port=10300").orElseThrow().port());
        assertEquals(10301, agent("--kubelet-arg", "healthz-port=10301").orElseThrow().port());
        assertEquals(10302, agent("--kubelet-arg=--healthz-port=10302").orElseThrow().port());
        assertEquals(10303, agent("--kubelet-arg", "-healthz-port=10303").orElseThrow().port());
        assertEquals(10305, agent("--kubelet-arg=healthz-port=10304", "--kubelet-arg=healthz-port=10305")
                .orElseThrow().port(), "the last one wins, as in k3s");
        assertEquals(new NodeReadiness(true, "127.0.0.1", 10306),
                server(false, "--kubelet-arg=healthz-port=10306").orElseThrow());
    }

    @Test
    void otherArgumentsDoNotSetTheHealthzPort() {
        assertEquals(10248, agent("--node-label=healthz-port=1", "--kubelet-arg=read-only-port=10255",
                "--kubelet-arg").orElseThrow().port());
        assertEquals(10248, agent("--kubelet-arg=healthz-port=many").orElseThrow().port(), "k3s refuses it");
        assertEquals(10248, agent("--kubelet-arg=healthz-port=70000").orElseThrow().port(), "k3s refuses it");
    }

    @Test
    void aSwitchedOffHealthzIsNotAsked() {
        assertEquals(Optional.empty(), agent("--kubelet-arg=healthz-port=0"));
    }

    @Test
    void theHealthzBindAddressIsAskedUnlessItIsAWildcard() {
        assertEquals("10.0.0.5", agent("--kubelet-arg=healthz-bind-address=10.0.0.5").orElseThrow().host());
        assertEquals("127.0.0.1", agent("--kubelet-arg=healthz-bind-address=0.0.0.0").orElseThrow().host());
        NodeReadiness six = agent("--kubelet-arg=healthz-bind-address=::1").orElseThrow();
        assertEquals("[::1]:10248", six.address());
    }

    @Test
    void aControlPlaneOnlyServerIsAskedOnItsApiServerPort() {
        NodeReadiness readiness = server(true).orElseThrow();
        assertEquals(new NodeReadiness(false, "127.0.0.1", 6443), readiness);
        assertEquals("the API server (127.0.0.1:6443)", readiness.awaited());
        assertEquals(7443, server(true, "--https-listen-port=7443").orElseThrow().port());
        assertEquals(7444, server(true, "--https-listen-port", "7444").orElseThrow().port());
        assertEquals(7445, server(false, "--disable-agent", "--https-listen-port", "7445",
                "--kubelet-arg=healthz-port=10300").orElseThrow().port());
        assertEquals("10.0.0.6", server(true, "--bind-address", "10.0.0.6").orElseThrow().host());
    }

    @Test
    void onlyA200IsHealthy() {
        assertTrue(NodeReadiness.healthy("HTTP/1.1 200 OK"));
        assertTrue(NodeReadiness.healthy("HTTP/1.0 200"));
        assertFalse(NodeReadiness.healthy("HTTP/1.1 500 Internal Server Error"));
        assertFalse(NodeReadiness.healthy("HTTP/1.1 2000"));
        assertFalse(NodeReadiness.healthy(""));
    }

    @Test
    void theProbeAsksForHealthzOverHttp() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NodeReadiness readiness = new NodeReadiness(true, "127.0.0.1", server.getLocalPort());
            Thread.ofPlatform().daemon().start(() -> answer(server, "HTTP/1.1 500 Internal Server Error\r\n\r\n"));
            assertFalse(readiness.ready());
            Thread answering = Thread.ofPlatform().daemon().start(() -> answer(server, "HTTP/1.1 200 OK\r\n\r\nok"));
            assertTrue(readiness.ready());
            answering.join();
        }
    }

    @Test
    void nothingListeningIsNotReady() throws IOException {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        assertFalse(new NodeReadiness(true, "127.0.0.1", port).ready());
        assertFalse(new NodeReadiness(false, "127.0.0.1", port).ready());
    }

    private static void answer(ServerSocket server, String response) {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            StringBuilder request = new StringBuilder();
            while (!request.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                request.append((char) c);
            }
            if (request.toString().startsWith("GET /healthz HTTP/1.0\r\n")) {
                socket.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
