"""The one-machine local stack: NATS JetStream, FerretDB (or a given MongoDB) and the services.

`make run` and the integration tests use the same functions, so what a developer runs is what
the tests run against. Entry point: ``python -m mediation_devstack {setup,run,reset}``.
"""
