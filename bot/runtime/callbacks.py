"""Callback data: each kind of button is declared once as a spec that builds its data, parses it and routes it.

Data reads `<prefix>:<field>:<field>…`; an optional field that is None is left out with its colon.
Whoever presses a button may have forged its data, so `parse` accepts exactly what `data` could
have built and returns None for anything else, never raising. Telegram keeps at most 64 bytes of
data per button: a spec whose largest data could be longer is refused when it is declared.

Each spec is declared once, beside the handler that answers it; when a module that handler imports
draws the button too (a shared view, which cannot import the handler back), in that module instead:
bot/views/buttons.py for the buttons bot/ itself draws and those on the customer card.
`SPECS` holds them all by prefix, and refuses a prefix declared twice.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

MAX_BYTES = 64  # Telegram refuses a button whose callback_data is longer, in UTF-8 bytes
PREFIX = re.compile(r"[a-z]+(?::[a-z]+)*")

SPECS: dict[str, Callback] = {}


class Field:
    """One field's text form: `regex` (no capturing groups) and the most bytes it can take."""

    regex: str
    max_bytes: int

    def encode(self, value: Any) -> str:
        raise NotImplementedError

    def decode(self, text: str) -> Any:
        """The value of text `regex` matched; ValueError if it is still not one `encode` would write."""
        return text


class Int(Field):
    """A number in ASCII digits without leading zeros; `digits` bounds it (ids fit the database's integers)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self.regex = rf"0|[1-9][0-9]{{0,{digits - 1}}}"
        self.max_bytes = digits

    def encode(self, value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10 ** self.digits:
            raise ValueError(f"{value!r} is not a number of at most {self.digits} digits")
        return str(value)

    def decode(self, text: str) -> int:
        return int(text)


class Choice(Field):
    """One of a few values (strings, enum members or numbers), written as str(value)."""

    def __init__(self, *values: Any) -> None:
        self.by_text = {str(value): value for value in values}
        if len(self.by_text) != len(values) or any(not text or ":" in text for text in self.by_text):
            raise ValueError(f"choices must be distinct, non-empty and without ':': {values!r}")
        self.values = values
        self.regex = "|".join(re.escape(text) for text in self.by_text)
        self.max_bytes = max(len(text.encode()) for text in self.by_text)

    def encode(self, value: Any) -> str:
        if value not in self.values:
            raise ValueError(f"{value!r} is not one of {self.values!r}")
        return str(value)

    def decode(self, text: str) -> Any:
        return self.by_text[text]


class Text(Field):
    """A free string of at most `max_bytes` UTF-8 bytes, of the characters `chars` (a regex class) allows."""

    def __init__(self, max_bytes: int, chars: str = "[^:]") -> None:
        self.max_bytes = max_bytes
        self.regex = f"{chars}{{0,{max_bytes}}}"

    def encode(self, value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(self.regex, value):
            raise ValueError(f"{value!r} is too long or has characters the field does not allow")
        return self.decode(value)  # the regex counts characters; decode counts bytes

    def decode(self, text: str) -> str:
        if len(text.encode()) > self.max_bytes:
            raise ValueError(f"{text!r} is longer than {self.max_bytes} bytes")
        return text


class Hex(Field):
    """Exactly `length` lowercase hex digits, e.g. the fingerprint of a question (DialogueState.fingerprint)."""

    def __init__(self, length: int) -> None:
        self.regex = f"[0-9a-f]{{{length}}}"
        self.max_bytes = length

    def encode(self, value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(self.regex, value):
            raise ValueError(f"{value!r} is not {self.max_bytes} hex digits")
        return value


class Optional(Field):
    """A field that may be None: then it is left out of the data, with its colon."""

    def __init__(self, field: Field) -> None:
        self.field = field
        self.regex = field.regex
        self.max_bytes = field.max_bytes

    def encode(self, value: Any) -> str:
        return self.field.encode(value)

    def decode(self, text: str) -> Any:
        return self.field.decode(text)


def family(prefix: str) -> re.Pattern[str]:
    """A handler pattern for all data under `prefix`, malformed included, so its handler answers those too.

    Anchored at a colon or the end: `fu:d` does not take `fu:dx:1`.
    """
    return re.compile(rf"^{re.escape(prefix)}(?::|\Z)")


class Callback:
    """One kind of button: `Callback("fu:d", follow_up=ID, version=ID, origin=Optional(ORIGIN))`."""

    def __init__(self, prefix: str, **fields: Field) -> None:
        if not PREFIX.fullmatch(prefix):
            raise ValueError(f"callback prefix {prefix!r} is not lowercase words joined by ':'")
        if prefix in SPECS:
            raise ValueError(f"callback prefix {prefix!r} declared twice")
        self.prefix = prefix
        self.fields = fields
        self.max_bytes = len(prefix) + sum(1 + field.max_bytes for field in fields.values())
        if self.max_bytes > MAX_BYTES:
            raise ValueError(f"{prefix!r} data can reach {self.max_bytes} bytes, Telegram keeps {MAX_BYTES}")
        self.grammar = re.compile(re.escape(prefix) + "".join(
            rf"(?::(?P<{name}>{field.regex}))?" if isinstance(field, Optional) else rf":(?P<{name}>{field.regex})"
            for name, field in fields.items()))
        self.pattern = family(prefix)
        SPECS[prefix] = self

    def __repr__(self) -> str:
        return f"Callback({self.prefix!r}{''.join(f', {name}' for name in self.fields)})"

    def data(self, **values: Any) -> str:
        """The data of a button with these values (within 64 bytes: the declaration checked the largest);
        ValueError for a value the spec does not allow."""
        unknown = values.keys() - self.fields.keys()
        if unknown:
            raise ValueError(f"{self.prefix!r} has no field {', '.join(sorted(unknown))}")
        parts = [self.prefix]
        for name, field in self.fields.items():
            value = values.get(name)
            if value is None and isinstance(field, Optional):
                continue
            if value is None:
                raise ValueError(f"{self.prefix!r} needs a value for {name}")
            parts.append(field.encode(value))
        return ":".join(parts)

    def accepts(self, **values: Any) -> bool:
        """Whether these values make a button: a long tag may not fit where a short one does."""
        try:
            self.data(**values)
        except ValueError:
            return False
        return True

    def parse(self, data: object) -> SimpleNamespace | None:
        """The values `data` was built with, by field name (an absent optional one is None); None if forged."""
        match = self.grammar.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return None
        try:
            return SimpleNamespace(**{name: None if match[name] is None else field.decode(match[name])
                                      for name, field in self.fields.items()})
        except ValueError:
            return None


ID = Int(digits=9)  # a database id; nine digits keep a forged one inside a 32-bit integer column
PAGE = Int(digits=4)
QUESTION = Hex(10)  # DialogueState.fingerprint(): a button of an older question no longer matches
