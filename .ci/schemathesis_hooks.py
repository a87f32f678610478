"""Schemathesis hooks for jalin's API fuzzing in .ci/run.

`POST /v1/import` takes JSON Lines (`application/x-ndjson`), which schemathesis cannot
serialise by itself: one JSON document per line, from the generated value (a list is many
lines, anything else one).
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    rows = value if isinstance(value, list) else [value]
    return "".join(json.dumps(row) + "\n" for row in rows).encode()
