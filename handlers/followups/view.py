"""How a follow-up looks in chat and how a typed time becomes a due time. Shared by every follow-up feature.

Reschedule and Cancel are declared here, with the view that draws them; followups/change.py answers them.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from bot.rules.schedule import out_of_quiet_hours
from bot.rules.when import QUICK_CODES, When, parse_when, quick_choice, quick_choices
from bot.runtime.callbacks import ID, Callback, Choice
from bot.runtime.turn import Turn
from bot.views.followup import reminder_keyboard, reminder_text, when_label
from storage.models import Customer, FollowUp

QUICK_CODE = Choice(*QUICK_CODES)  # a quick choice ("in 1 hour", "tomorrow 09:00", …) by its code
RESCHEDULE = Callback("fu:r", follow_up=ID, version=ID)
CANCEL = Callback("fu:c", follow_up=ID, version=ID)


def label(turn: Turn, moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM Wkd` in the rep's zone."""
    return when_label(turn.lang, moment, turn.tz)


def due_time(turn: Turn, when: When) -> datetime:
    """UTC due time; a time the rep did not type exactly moves out of their quiet hours."""
    at = when.at.astimezone(UTC)
    if when.exact or turn.user is None:
        return at
    return out_of_quiet_hours(at, turn.tz, turn.user.quiet_start, turn.user.quiet_end)


def snooze_time(turn: Turn, moment: datetime) -> datetime:
    """Snoozes land outside quiet hours."""
    assert turn.user is not None
    return out_of_quiet_hours(moment, turn.tz, turn.user.quiet_start, turn.user.quiet_end)


def read_when(turn: Turn, text: str) -> When | None:
    """A typed time phrase, or a reply with examples (not understood / already past) and None."""
    when = parse_when(text, turn.now.astimezone(turn.tz), turn.tz)
    if when is None:
        turn.reply(turn.t("fu.when_unread", text=text[:60], examples=examples(turn, text)))
        return None
    return ahead(turn, when)


def examples(turn: Turn, refused: str) -> str:
    """Example phrases from the catalog, leaving out any that is the refused text or a part of it: showing the
    very phrase just refused would say it is fine."""
    typed = _plain(refused)
    return " · ".join(example for example in turn.t("fu.when_examples").split(" · ")
                      if not typed or (_plain(example) not in typed and typed not in _plain(example)))


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def ahead(turn: Turn, when: When) -> When | None:
    """The time if it is still ahead; otherwise a reply saying it has passed, and None."""
    if when.at <= turn.now:
        turn.reply(turn.t("fu.when_past", when=label(turn, when.at)))
        return None
    return when


def quick_keyboard(turn: Turn, spec: Callback, **values: object) -> list[list[tuple[str, str]]]:
    """The quick choices still ahead, as buttons of `spec` with `values` and the choice's `code`; past ones are not
    offered."""
    choices = quick_choices(turn.now.astimezone(turn.tz), turn.tz)
    buttons = [(f"{turn.t(f'quick.{code}')} · {when.at:%H:%M}" if code == "h1" else turn.t(f"quick.{code}"),
                spec.data(**values, code=code)) for code, when in choices]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def read_quick(turn: Turn, code: str) -> When | None:
    when = quick_choice(code, turn.now.astimezone(turn.tz), turn.tz)
    if when is None or when.at <= turn.now:
        turn.toast(turn.t("fu.quick_past"), alert=True)
        return None
    return when


def view_text(turn: Turn, follow_up: FollowUp, customer: Customer) -> str:
    return reminder_text(turn.lang, turn.tz, follow_up, customer)


def view_keyboard(turn: Turn, follow_up: FollowUp) -> list[list[tuple[str, str]]]:
    """Reminder buttons plus Reschedule and Cancel."""
    drawn = {"follow_up": follow_up.id, "version": follow_up.version}
    actions, card = reminder_keyboard(turn.lang, follow_up)
    change = [(turn.t("fu.reschedule"), RESCHEDULE.data(**drawn)), (turn.t("fu.cancel"), CANCEL.data(**drawn))]
    return [actions, change, card]
