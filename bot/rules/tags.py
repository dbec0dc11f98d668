"""A customer's tags as typed ('vip, #展会, wholesale') and as stored (',vip,展会,wholesale,', so one LIKE finds a
whole tag); the limits keep a tag inside a `/list` button's callback data."""

from __future__ import annotations

from bot.rules.oneliners import split_fields
from bot.rules.refusal import Refusal

MAX_TAG = 16  # a tag travels in `list:<tag>:<page>` callback data, 64 bytes at most
MAX_TAGS = 10


def parse_tags(text: str) -> str:
    """The stored form of the typed tags: '#' dropped, duplicates (any case) once; refused over the limits."""
    tags: dict[str, str] = {}
    for tag in split_fields(text):
        tag = tag.lstrip("#＃").strip()
        if len(tag) > MAX_TAG or ":" in tag or "：" in tag:
            raise Refusal("edit.tag_invalid", limit=MAX_TAG)
        if tag:
            tags.setdefault(tag.lower(), tag)
    if len(tags) > MAX_TAGS:
        raise Refusal("edit.too_many_tags", limit=MAX_TAGS)
    return f",{','.join(tags.values())}," if tags else ""
