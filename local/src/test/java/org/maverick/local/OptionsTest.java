package org.maverick.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

    @Test
    void launcherOptionsJvmOptionsAndGatewayArgumentsAreTold() {
        Options o = Options.parse("--kafka-port", "0", "-Dgateway.mode=direct", "--standin-port", "9001",
                "-Xmx512m", "--time-scale", "0.5", "--", "--kafka-port", "x");
        assertEquals(0, o.kafkaPort());
        assertEquals(9001, o.standInPort());
        assertEquals(0.5, o.timeScale());
        assertEquals(List.of("-Dgateway.mode=direct", "-Xmx512m"), o.gatewayJvmOptions());
        assertEquals(List.of("--kafka-port", "x"), o.gatewayArguments(), "after --, everything is the gateway's");
    }

    @Test
    void aMisspeltLauncherOptionIsRefusedNotHandedToTheGateway() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--kafka-prot", "1"));
        assertTrue(e.getMessage().contains("--kafka-prot"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--kafka-port"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--standin-port", "70000"));
    }

    @Test
    void theUsersSettingsComeAfterTheLaunchersSoTheyWin() {
        Options o = Options.parse("-Dquarkus.profile=other", "--", "arg");
        List<String> c = o.gatewayCommand(Path.of("/jdk/bin/java"), Path.of("/g/quarkus-run.jar"), "127.0.0.1:1",
                "127.0.0.1:2", List.of("-Dinherited=1"));
        assertEquals(List.of("/jdk/bin/java", "-Dquarkus.profile=local", "-Dkafka.bootstrap.servers=127.0.0.1:1",
                "-Dgateway.triton.endpoint=127.0.0.1:2", "-Dinherited=1", "-Dquarkus.profile=other", "-jar",
                "/g/quarkus-run.jar", "arg"), c);
    }

    @Test
    void theGatewayIsFoundAboveTheLaunchersJarFromAnyWorkingDirectory(@TempDir Path checkout) throws Exception {
        Path gateway = checkout.resolve(Options.GATEWAY_JAR);
        Files.createDirectories(gateway.getParent());
        Files.writeString(gateway, "jar");
        Path launcher = Files.createDirectories(checkout.resolve("local/target")).resolve("maverick-local.jar");
        assertEquals(gateway, Options.parse().resolveGatewayJar(launcher));
        assertEquals(Path.of("/elsewhere.jar"),
                Options.parse("--gateway-jar", "/elsewhere.jar").resolveGatewayJar(launcher));
        assertEquals(Optional.empty(), Options.parse().gatewayJar());
    }
}
