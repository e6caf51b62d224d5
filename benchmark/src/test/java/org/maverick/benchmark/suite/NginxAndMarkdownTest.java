package org.maverick.benchmark.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NginxAndMarkdownTest {

    @Test
    void nginxConfigIsOneUnbufferedWorkerWithKeepAliveUpstreamOnLoopback() {
        String conf = NginxProcess.config(Path.of("/tmp/x"), 18080, 18000, 1024);
        assertTrue(conf.contains("worker_processes 1;"));
        assertTrue(conf.contains("proxy_buffering off;"));
        assertTrue(conf.contains("client_max_body_size 4m;"), "a long chat's body passes, as at the gateway");
        assertTrue(conf.contains("proxy_http_version 1.1;"));
        assertTrue(conf.contains("proxy_set_header Connection \"\";"));
        assertTrue(conf.contains("server 127.0.0.1:18000;"));
        assertTrue(conf.contains("keepalive 1024;"));
        assertTrue(conf.contains("listen 127.0.0.1:18080"));
        assertTrue(conf.contains("pid /tmp/x/nginx.pid;"));
    }

    @Test
    void everyHopIsShownBesideNginxAndAsARatio() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        ArrayNode scenarios = report.putArray("scenarios");
        scenarios.add(scenario(json, "direct-path", 56.0, 60.0, 1.0, null, 0, 0));
        scenarios.add(scenario(json, "nginx", 56.0, 62.0, 1.5, "nginx", 7.0, 16.0));
        scenarios.add(scenario(json, "gateway-direct", 59.0, 70.0, 4.0, "gateway", 35.0, 400.0));
        String md = Markdown.versusNginx(report);
        assertTrue(md.contains("| against nginx: figure (× nginx's) | nginx | gateway-direct |"), md);
        assertTrue(md.contains("| added TTFT p50 ms | 0.00 | 3.00 |"), md); // nginx adds 0: no ratio
        assertTrue(md.contains("| added TTFT p99 ms | 2.00 | 10.00 (5.0×) |"), md);
        assertTrue(md.contains("| added inter-token p99 ms (engine→client per response) | 0.50 | 3.00 (6.0×) |"), md);
        assertTrue(md.contains("| CPU µs per relayed token | 7.00 | 35.00 (5.0×) |"), md);
        assertTrue(md.contains("| peak RSS MiB (VmHWM) | 16.00 | 400.00 (25.0×) |"), md);
    }

    @Test
    void withoutNginxThereIsNoComparison() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.putArray("scenarios").add(scenario(json, "direct-path", 56.0, 60.0, 1.0, null, 0, 0));
        assertFalse(Markdown.versusNginx(report).contains("against nginx"));
    }

    @Test
    void aTargetCarriesNginxFigureAndRatio() {
        ObjectNode t = new ObjectMapper().createObjectNode();
        Suite.nginxFigure(t, 35.0, 7.0, "nginx's CPU per relayed token");
        assertEquals(7.0, t.get("nginx").asDouble());
        assertEquals(5.0, t.get("ratio_to_nginx").asDouble());
        ObjectNode noise = new ObjectMapper().createObjectNode();
        Suite.nginxFigure(noise, 3.0, -0.2, "nginx's added TTFT p50");
        assertFalse(noise.has("ratio_to_nginx"));
    }

    private static ObjectNode scenario(ObjectMapper json, String name, double ttftP50, double ttftP99, double stampP99,
                                       String hop, double cpu, double hwm) {
        ObjectNode s = json.createObjectNode();
        s.put("name", name);
        s.putObject("time_to_first_token_ms").put("p50", ttftP50).put("p99", ttftP99);
        s.putObject("stamp_latency_ms").put("p99", stampP99);
        if (hop != null) {
            s.putObject(hop).put("cpu_us_per_token", cpu).put("vm_hwm_mib", hwm);
        }
        return s;
    }
}
