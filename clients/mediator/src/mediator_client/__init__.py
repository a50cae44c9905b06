"""The mediator's thin web client: server-rendered pages over the services' NATS queries and
the documented events. It keeps no data and has no domain rules of its own."""
