"""JSON text on the hot paths (events, WebSocket frames, batched inserts), written by
orjson: the JSON ``json.dumps`` would write, compact and several times faster. As with
``json``, keys that are not strings become strings; values JSON has no type for
(``Decimal``, ``date`` …) become their ``str``, datetimes their ISO 8601 form."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str, option=_OPTIONS).decode()


# JSON text already written (read back from a table, say), placed as it is inside what
# ``dumps`` writes: no parse and no second encoding
Raw = orjson.Fragment
