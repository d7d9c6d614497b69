"""The custom message types between the widgets and their views, shared with the JS.

Both sides read ``messages.json`` beside this file (the JS build bundles it into every
view), so a message type is written once.

>>> MESSAGES["stop"]
'stop'
"""

from __future__ import annotations

import json
import pathlib
from types import MappingProxyType

__all__ = ["MESSAGES"]

_FILE = pathlib.Path(__file__).with_name("messages.json")

#: Message name → the ``type`` it travels as (read-only).
MESSAGES = MappingProxyType(
    {k: v for k, v in json.loads(_FILE.read_text(encoding="utf-8")).items() if k != "_doc"}
)
