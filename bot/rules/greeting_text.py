"""Filling a greeting template: only {name}, {rep} and {company} are placeholders.

A team's template is text a manager typed, so it is never handed to str.format (which would read
attributes and choke on a lone brace): the three placeholders are replaced and every other brace is
left as typed.
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("name", "rep", "company")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_TEMPLATE = 1000


def fill_template(template: str, **values: str) -> str:
    return PLACEHOLDER.sub(lambda m: values[m[1]] if m[1] in PLACEHOLDERS and m[1] in values else m[0], template)


def unknown_placeholders(template: str) -> list[str]:
    """Words in braces that are not placeholders (a typo like {nmae}): a template is refused with them."""
    return [m[1] for m in PLACEHOLDER.finditer(template) if m[1] not in PLACEHOLDERS]
