# Test stand-in for the official mongo image: the test base plus the project's FerretDB
# (SQLite backend), started as mediation_devstack starts it. Not a replica set: the tests
# run the compose file with MONGO_REPLICA_SET empty and MONGO_COMMAND for FerretDB.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY ferretdb /usr/local/bin/ferretdb
RUN mkdir -p /data/db && chown -R 10001:10001 /data
USER 10001:10001
EXPOSE 27017
ENTRYPOINT ["/usr/local/bin/ferretdb", "--handler=sqlite", "--sqlite-url=file:/data/db/", \
    "--state-dir=/data/db", "--telemetry=disable", "--debug-addr=-", "--log-level=error"]
CMD ["--listen-addr=:27017"]
