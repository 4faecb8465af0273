"""The HTTP API on twisted.web: a small JSON router (router) and the endpoints (api) that read
snapshots of the engine and switch towers, MO and wire faults; shapes turns values into JSON."""
