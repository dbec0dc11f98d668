"""Bad input, said once: a catalog key and its values, raised by parsers and rendered by whoever talks to the user.

Values that are themselves catalog keys (a reason inside a refusal) are wrapped in `Key`,
so the reply is translated all the way down in the user's language.
"""

from __future__ import annotations


class Key(str):
    """A value that is a catalog key, to be translated where the refusal is shown."""


class Refusal(Exception):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values
