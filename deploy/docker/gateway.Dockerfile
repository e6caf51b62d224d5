# The gateway image. Build from the repository root after `./mvnw -B package -DskipTests`:
#   docker build -f deploy/docker/gateway.Dockerfile -t registry.example.com/maverick/gateway:0.1.0 .
FROM eclipse-temurin:17-jre
# Quarkus' fast-jar layout: lib/, app/, quarkus/ and quarkus-run.jar. It holds no embedded Kafka broker
# and no Triton stand-in (the local run starts those in its own JVM; gateway's ProductionArtifactIT checks).
COPY --chown=10001:10001 gateway/target/quarkus-app/ /deployments/
# Non-root, numeric (the chart's securityContext runs as 10001 with a read-only root file system;
# /tmp is an emptyDir there).
USER 10001
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-jar", "/deployments/quarkus-run.jar"]
