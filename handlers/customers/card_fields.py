"""A customer's editable fields: reading a typed value, and showing a stored one."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import available_timezones

from bot.rules.birthdays import lunar_label, parse_birthday, solar_label
from bot.rules.oneliners import EMAIL, MAX_NAME, MAX_NOTE, blank, email_typed
from bot.rules.phones import BadPhone, normalise_phone
from bot.rules.refusal import Refusal
from bot.rules.tags import MAX_TAG as MAX_TAG
from bot.rules.tags import parse_tags
from bot.runtime.turn import Turn
from storage.models import Customer, Kind, Source, Urgency

# in the order the edit menu shows them
FIELDS = ["name", "phone", "email", "wechat", "company", "kind", "region", "source", "urgency", "tags", "notes",
          "birthday", "tz"]
CHOICES = {"kind": list(Kind), "source": list(Source), "urgency": list(Urgency)}
REQUIRED = {"name", "kind"}
LIMITS = {"name": MAX_NAME, "company": 100, "wechat": 100, "region": 100, "email": 254, "notes": MAX_NOTE}
# why add.normalise_phone refused a number → how the card's edit says it
PHONE_REASONS = {
    "too_short": "edit.phone_too_short",
    "too_long": "edit.phone_too_long",
    "not_a_number": "edit.phone_not_number",
}


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def parse(field: str, text: str, *, region: str, today: date) -> dict[str, object]:
    """The columns to store for `text` typed as the new value of `field`; raises Refusal."""
    text = text.strip()
    limit = LIMITS.get(field)
    if limit is not None and len(text) > limit:
        raise Refusal("edit.too_long", limit=limit, length=len(text))
    if field == "name" and blank(text):
        raise Refusal("edit.name_empty")
    if field == "phone":
        return {"phone": _phone(text, region)}
    if field == "email":
        text = email_typed(text)
        if not EMAIL.fullmatch(text):
            raise Refusal("edit.email_invalid")
        return {"email": text}
    if field == "tags":
        return {"tags": parse_tags(text)}
    if field == "birthday":
        return _birthday(text, today)
    if field == "tz":
        zone = _zones().get(text.lower())
        if zone is None:
            raise Refusal("edit.tz_invalid")
        return {"tz": zone}
    return {field: None if blank(text) else text}


def _phone(text: str, region: str) -> str:
    try:
        return normalise_phone(text, region)
    except BadPhone as refused:
        raise Refusal(PHONE_REASONS.get(refused.reason, "edit.phone_invalid"), region=region) from None


def _birthday(text: str, today: date) -> dict[str, object]:
    birthday = parse_birthday(text, today)
    return {"birthday": birthday.solar, "lunar_birthday": birthday.lunar}


def cleared(field: str) -> dict[str, object]:
    """The columns that empty an optional field."""
    if field == "tags":
        return {"tags": ""}
    if field == "birthday":
        return {"birthday": None, "lunar_birthday": None}
    return {field: None}


def raw(customer: Customer, field: str) -> str:
    """A field's stored value as text, for the audit log."""
    if field == "birthday":
        if customer.lunar_birthday:
            return "lunar " + customer.lunar_birthday
        return solar_label(customer.birthday) if customer.birthday else ""
    value = getattr(customer, field)
    if field == "tags":
        return ", ".join(tag for tag in value.split(",") if tag)
    return "" if value is None else str(value)


def shown(turn: Turn, customer: Customer, field: str) -> str:
    """A field's value as the user reads it, enumerations in their language."""
    value = raw(customer, field)
    if not value:
        return ""
    if field in CHOICES or field == "tier":
        return turn.t(choice_key(field, value))
    if field == "birthday" and customer.lunar_birthday:
        return turn.t("edit.lunar", value=lunar_label(customer.lunar_birthday, turn.t("card.leap_month")))
    return value


def choice_key(field: str, value: str) -> str:
    return f"edit.kind_{value}" if field == "kind" else f"{field}.{value}"
