# The Tally service image, built from the jar that Maven makes:
#
#   mvn -B -ntp package -DskipTests
#   docker build -t tally:0.1.0 .
#
# The tag is the chart's appVersion (helm/tally/Chart.yaml), which is the image the chart runs by
# default; push it under your registry's name and set image.repository to match.
FROM eclipse-temurin:17-jre

# A fixed, non-root id: the chart runs the pod as this user and gives it the state volume (fsGroup).
RUN groupadd --system --gid 10001 tally \
 && useradd --system --uid 10001 --gid tally --home-dir /app --no-create-home --shell /usr/sbin/nologin tally

WORKDIR /app
# Owned by root and read-only to the service: the image holds code, never state.
COPY target/tally.jar /app/tally.jar

USER 10001:10001
# The REST API (http.port); health at /health/live and /health/ready, Prometheus text at /metrics.
EXPOSE 8080
ENV JAVA_OPTS=""

# A shell expands $JAVA_OPTS; exec makes the JVM PID 1, so Kubernetes' SIGTERM reaches its shutdown
# hook (a clean Kafka Streams close); "$@" passes the container's args on as a tally verb, e.g.
# `topics apply` in the chart's topics Job. No args runs the service.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/tally.jar \"$@\"", "tally"]
