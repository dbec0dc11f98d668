"""The words of a greeting: a team's own template for the occasion and language, or the catalog's
default (`greeting.default.<occasion>`, `greeting.default.other` for a team's own occasion or another
holiday). Two occasions on one day make one message: each greeting in turn."""

from __future__ import annotations

from dataclasses import dataclass

from bot.rules.greeting_text import fill_template
from bot.rules.occasions import BIRTHDAY, NAMED, Occasion
from bot.runtime.i18n import t


@dataclass(frozen=True)
class Worded:
    occasion: Occasion
    template: str | None  # the team's own, None for the default


def occasion_name(lang: str, occasion: Occasion) -> str:
    if occasion.key == BIRTHDAY or occasion.key in NAMED:
        return t(lang, f"occasion.{occasion.key}")
    return occasion.name or occasion.key


def default_template(lang: str, occasion: Occasion) -> str:
    if occasion.key == BIRTHDAY or occasion.key in NAMED:
        return t(lang, f"greeting.default.{occasion.key}")
    # the occasion's name goes in now; the placeholders stay for fill_template
    return t(lang, "greeting.default.other").replace("{occasion}", occasion_name(lang, occasion))


def greeting_text(lang: str, worded: list[Worded], *, name: str, rep: str, company: str) -> str:
    parts = [fill_template(item.template or default_template(lang, item.occasion), name=name, rep=rep,
                           company=company) for item in worded]
    return "\n\n".join(part.strip() for part in parts if part.strip())
