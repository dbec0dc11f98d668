"""Phone numbers as reps type them, normalised to E.164 with `phonenumbers`; refusals say why."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from bot.rules.refusal import Key, Refusal

MIN_PHONE_DIGITS = 7
PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]+$")  # checked after NFKC, so full-width forms count too

PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "bad_country",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too_short",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    phonenumbers.NumberParseException.TOO_LONG: "too_long",
}
POSSIBLE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "bad_country",
    phonenumbers.ValidationResult.TOO_SHORT: "too_short",
    phonenumbers.ValidationResult.TOO_LONG: "too_long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "bad_length",
}


class BadPhone(Refusal):
    """`reason` is one of the add.phone_reason.* keys' last part."""

    def __init__(self, phone: str, reason: str) -> None:
        super().__init__("add.bad_phone", phone=phone[:40], reason=Key(f"add.phone_reason.{reason}"))
        self.reason = reason


def digits_of(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKC", text) if char.isdigit())


def looks_like_phone(token: str) -> bool:
    token = unicodedata.normalize("NFKC", token)
    return PHONE_LIKE.match(token) is not None and len(digits_of(token)) >= MIN_PHONE_DIGITS


def normalise_phone(token: str, region: str) -> str:
    """E.164 ('138 0013 8000' → '+8613800138000'); a number phonenumbers calls invalid raises BadPhone."""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", token), region)
    except phonenumbers.NumberParseException as error:
        raise BadPhone(token, PARSE_REASONS.get(error.error_type, "not_a_number")) from None
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(token, POSSIBLE_REASONS.get(phonenumbers.is_possible_number_with_reason(number), "invalid"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def contact_phone(raw: str, region: str) -> str:
    """Telegram often sends a contact's number with its country code but without the '+'."""
    try:
        return normalise_phone(raw, region)
    except BadPhone:
        if raw.lstrip().startswith(("+", "0")):
            raise
        return normalise_phone("+" + digits_of(raw), region)


def national_digits(e164: str) -> str:
    """'+8613712345678' → '13712345678': the number as dialled at home, as a WeChat ID tied to it is written."""
    return phonenumbers.national_significant_number(phonenumbers.parse(e164))
