"""Reading a one-line `/add`: which typed value is the name, phone, e-mail, WeChat ID or company, and which is unsure.

Fields are split at commas (and 、 ; or new lines). A line without them is split at slashes when one part
is a phone; otherwise at the phone, e-mail or WeChat ID typed in it: before it is the name, after it the
company. A value whose place is unsure (a short number, text after the company) is a doubt, asked about
before saving; nothing typed is dropped or filed elsewhere without the reply saying so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from bot.rules.oneliners import EMAIL, FIELD_SEPARATOR, MAX_NAME, MAX_NOTE, blank, email_typed, split_fields
from bot.rules.phones import MIN_PHONE_DIGITS, BadPhone, digits_of, national_digits, normalise_phone
from bot.rules.refusal import Refusal

LIMITS = {"name": MAX_NAME, "company": MAX_NAME, "email": 254, "wechat": 100, "notes": MAX_NOTE}

# WeChat as reps write it: 微信 / 微信号 / V信 / VX / wx / WeChat / weixin
WECHAT_WORD = r"(?:wechat|weixin|wx|vx|微信号?|v信|薇信)"
WECHAT_ALONE = re.compile(rf"{WECHAT_WORD}\s*[:：]?", re.IGNORECASE)
# 'wx:abc', '微信：abc', and after a Chinese prefix no separator at all: '微信abc'
WECHAT_ATTACHED = re.compile(rf"{WECHAT_WORD}\s*[:：]\s*(?P<id>\S.*)|(?:微信号?|v信|薇信)(?P<cjk>[A-Za-z0-9_\-]\S*)",
                             re.IGNORECASE)
WECHAT_FIELD = re.compile(rf"{WECHAT_WORD}(?:\s*[:：]\s*(?P<id>\S.*)|\s+(?P<word>\S+))", re.IGNORECASE)
# "my WeChat is this phone number": the WeChat ID is the phone's digits
WECHAT_SAME = re.compile(r"微信同号|同微信|微信同手机号?|wechat\s*same(?:\s*as\s*phone)?", re.IGNORECASE)

# an extension right after a number: '… 5678 ext 12', '…5678转12', '… x12', '… #12', '分机 12'
EXTENSION = re.compile(r"(?<=\d{3})\s*-?\s*(?:ext\.?|extension|x|#|转|分机号?)\s*[:：.]?\s*(?P<ext>\d{1,6})(?!\w)",
                       re.IGNORECASE)
EXTENSION_FIELD = re.compile(r"(?:ext\.?|extension|x|#|转|分机号?)\s*[:：.]?\s*(?P<ext>\d{1,6})", re.IGNORECASE)
# a word naming the number after it ('Tel: 021…', '手机13712345678') says nothing more than the number does
PHONE_LABEL = re.compile(r"(?:(?<![A-Za-z])(?:tel|phone|mobile|mob|cell)\.?|电话|手机号?|座机|联系电话)"
                         r"\s*[:：]?\s*(?=[+(\d])", re.IGNORECASE)
EXT_MARK = "\ue000"  # stands for an extension while a line is split into words; private use, never typed
MAX_PHONE_DIGITS = 17  # E.164 allows 15; a trunk 0 or an international prefix typed with it adds a few
MAX_RUN_WORDS = 24
PHONE_WORD = re.compile(r"\+?[\d\-()]*\d[\d\-()]*")
SHORT_NUMBER = re.compile(r"[\d\s\-]+")

# legal-form words that belong to the company before them: 'Acme, Inc.' is one company
COMPANY_SUFFIXES = frozenset({
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "co", "coltd", "corp", "corporation",
    "gmbh", "gmbhcokg", "ag", "kg", "sa", "sas", "sarl", "spa", "srl", "bv", "nv", "oy", "ab", "as", "pty",
    "ptyltd", "pteltd", "sdnbhd", "kk",
})


@dataclass
class Piece:
    kind: str  # text, phone, email, wechat, same (WeChat = phone), ext, number (fewer than 7 digits)
    value: str
    typed: str = ""


@dataclass
class Reading:
    """What `/add` read: fields by name; `notes` kept without asking; `doubts` to ask about before saving."""

    fields: dict[str, str]
    extension: str | None = None
    notes: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    name_only: bool = False  # a line of several words with nothing to split it at: all of it is the name


def checked(field_name: str, value: str) -> str:
    """Whitespace tidied; longer than the field's limit is refused with the limit."""
    value = " ".join(value.split())
    if len(value) > LIMITS[field_name]:
        raise Refusal(f"add.{field_name}_too_long", limit=LIMITS[field_name])
    if field_name == "name" and blank(value):
        raise Refusal("add.name_empty")
    return value


def is_company_suffix(text: str) -> bool:
    return re.sub(r"[\s.&]", "", text).casefold() in COMPANY_SUFFIXES


def whole_field(text: str, region: str) -> list[Piece] | None:
    """A field that is one value of a kind (a phone, an e-mail, a WeChat ID…), or None for free text."""
    nfkc = PHONE_LABEL.sub("", unicodedata.normalize("NFKC", text))
    if match := WECHAT_FIELD.fullmatch(nfkc):
        return [Piece("wechat", checked("wechat", match["id"] or match["word"]), text)]
    if WECHAT_SAME.fullmatch(nfkc):
        return [Piece("same", "", text)]
    if EMAIL.fullmatch(email := email_typed(text)):
        return [Piece("email", checked("email", email), text)]
    if match := EXTENSION_FIELD.fullmatch(nfkc):
        return [Piece("ext", match["ext"], text)]
    if SHORT_NUMBER.fullmatch(nfkc) and len(digits_of(nfkc)) < MIN_PHONE_DIGITS:
        return [Piece("number", " ".join(text.split()), text)]
    extension = EXTENSION.search(nfkc)
    number = nfkc[:extension.start()] if extension and extension.end() == len(nfkc) else nfkc
    if all(PHONE_WORD.fullmatch(word) for word in number.split()) and len(digits_of(number)) >= MIN_PHONE_DIGITS:
        phone = Piece("phone", normalise_phone(number, region), number.strip())
        return [phone] if extension is None or number == nfkc else [phone, Piece("ext", extension["ext"])]
    return None


def is_phone_field(text: str, region: str) -> bool:
    return any(piece.kind == "phone" for piece in whole_field(text, region) or [])


def phones_in(run: list[str], region: str, spaced: bool) -> list[Piece]:
    """Number words side by side: the longest valid phone among them; the rest read the same way.

    'Liu 137 1234 5678 8001' → phone 13712345678 and the short number 8001. On a line without
    separators a run of 7 digits or more with no valid phone in it is refused with the reason;
    inside a field of text ('Acme 2000-2020') it stays text.
    """
    if not run:
        return []
    if len(digits_of("".join(run))) < MIN_PHONE_DIGITS:
        return [Piece("number" if spaced else "text", " ".join(run))]
    if len(run) > MAX_RUN_WORDS:
        # no one types a phone in that many pieces; reading every window would take seconds
        if not spaced:
            return [Piece("text", " ".join(run))]
        raise BadPhone(" ".join(run), "too_long")
    windows = []  # (start, end) of the words that could be one phone, at most MAX_PHONE_DIGITS digits long
    for start in range(len(run)):
        digits = 0
        for end in range(start, len(run)):
            digits += len(digits_of(run[end]))
            if digits > MAX_PHONE_DIGITS:
                break
            if digits >= MIN_PHONE_DIGITS:
                windows.append((start, end + 1))
    for start, end in sorted(windows, key=lambda window: (window[0] - window[1], window[0])):
        window = " ".join(run[start:end])
        try:
            phone = normalise_phone(window, region)
        except BadPhone:
            continue
        return (phones_in(run[:start], region, spaced) + [Piece("phone", phone, window)]
                + phones_in(run[end:], region, spaced))
    if not spaced:
        return [Piece("text", " ".join(run))]
    normalise_phone(" ".join(run), region)  # raises BadPhone with the reason
    raise AssertionError("unreachable: no window was valid, so the whole run is not")


def scan(text: str, region: str, *, spaced: bool) -> list[Piece]:
    """Free text: the phones, e-mails and WeChat IDs typed in it, and the words between them.

    `spaced`: the whole line, without separators, so a lone short number is a value of its own.
    """
    extensions: list[tuple[str, str]] = []  # (as typed, the digits)

    def mark(match: re.Match[str]) -> str:
        extensions.append((match.group(0).strip(), match["ext"]))
        return f" {EXT_MARK}{len(extensions) - 1} "

    words = EXTENSION.sub(mark, PHONE_LABEL.sub(" ", unicodedata.normalize("NFKC", text))).split()
    pieces: list[Piece] = []
    pending: list[str] = []  # words of free text not yet closed by a value

    def close_text() -> None:
        if pending:
            pieces.append(Piece("text", " ".join(pending)))
            pending.clear()

    index = 0
    while index < len(words):
        word = words[index]
        if PHONE_WORD.fullmatch(word):
            end = index
            while end < len(words) and PHONE_WORD.fullmatch(words[end]):
                end += 1
            found = phones_in(words[index:end], region, spaced)
            if all(piece.kind == "text" for piece in found):
                pending.extend(words[index:end])
            else:
                close_text()
                pieces.extend(found)
            index = end
            continue
        if word.startswith(EXT_MARK):
            typed, digits = extensions[int(word[len(EXT_MARK):])]
            if pieces and pieces[-1].kind == "phone" and not pending:
                pieces.append(Piece("ext", digits, typed))
            else:
                pending.append(typed)
        elif match := WECHAT_ATTACHED.fullmatch(word):
            close_text()
            pieces.append(Piece("wechat", checked("wechat", match["id"] or match["cjk"]), word))
        elif WECHAT_ALONE.fullmatch(word) and index + 1 < len(words):
            following = index + 1
            if words[following] in (":", "：") and following + 1 < len(words):
                following += 1
            close_text()
            pieces.append(Piece("wechat", checked("wechat", words[following]), " ".join(words[index:following + 1])))
            index = following
        elif WECHAT_SAME.fullmatch(word):
            close_text()
            pieces.append(Piece("same", "", word))
        elif EMAIL.fullmatch(email := email_typed(word)):
            close_text()
            pieces.append(Piece("email", checked("email", email), word))
        else:
            pending.append(word)
        index += 1
    close_text()
    return pieces


def fields_typed(text: str, region: str) -> tuple[list[str], bool]:
    """The fields as typed, and whether the line had no separators at all (then it is read word by word)."""
    fields = split_fields(text)
    if len(fields) > 1 or FIELD_SEPARATOR.search(text):
        return fields, False
    if "/" in text:
        parts = [part.strip() for part in text.split("/") if not blank(part)]
        if any(is_phone_field(part, region) for part in parts):
            return parts, False
    return fields, True


def pieces_of(text: str, region: str) -> tuple[list[Piece], bool]:
    fields, spaced = fields_typed(text, region)
    if spaced:
        return scan(text, region, spaced=True), True
    pieces: list[Piece] = []
    for typed in fields:
        whole = whole_field(typed, region)
        if whole is not None:
            pieces.extend(whole)
        else:
            found = scan(typed, region, spaced=False)
            # a field of text alone is kept as typed: 'Acme, Inc.' is joined back with its own spelling
            pieces.extend(found if any(piece.kind != "text" for piece in found) else [Piece("text", typed)])
    return pieces, False


def read_line(text: str, region: str) -> Reading:
    """'Wang Wei, 138 0013 8000, Acme' or '刘洋 13712345678 阿里巴巴' → name, phone, company and the rest.

    The name comes first: a line that starts with anything else is refused with the usage.
    """
    if blank(FIELD_SEPARATOR.split(text, maxsplit=1)[0]):
        raise Refusal("add.usage")
    pieces, spaced = pieces_of(text, region)
    if not pieces or pieces[0].kind != "text":
        raise Refusal("add.usage")
    reading = Reading({"name": checked("name", pieces[0].value)})
    found = reading.fields
    joins = "name"  # where a legal-form word like 'Inc.' goes: the text field just before it
    same_as_phone = False
    for previous, piece in pairwise(pieces):
        if piece.kind == "text":
            if previous.kind == "text" and is_company_suffix(piece.value):
                found[joins] = checked(joins, f"{found[joins]}, {piece.value}")
            elif "company" not in found and not (spaced and previous.kind in ("text", "number")):
                # on a line without separators only a phone, e-mail or WeChat ID before it makes text the company
                found["company"] = checked("company", piece.value)
                joins = "company"
            else:
                reading.doubts.append(piece.value)
        elif piece.kind == "ext" and previous.kind == "phone" and reading.extension is None:
            reading.extension = piece.value
        elif piece.kind in ("number", "ext"):
            reading.doubts.append(piece.typed or piece.value)
        elif piece.kind == "same":
            same_as_phone = True
        elif piece.kind in found:
            # a second phone, e-mail or WeChat ID has no field of its own: the notes keep it, and the reply says so
            reading.notes.append(piece.typed or piece.value)
        else:
            found[piece.kind] = piece.value
    if same_as_phone:
        if "phone" in found and "wechat" not in found:
            found["wechat"] = national_digits(found["phone"])
        else:
            reading.doubts.append(next(piece.typed for piece in pieces if piece.kind == "same"))
    reading.name_only = spaced and len(pieces) == 1 and looks_like_several(found["name"])
    return reading


def looks_like_several(name: str) -> bool:
    """'Wang Wei Acme' or '刘洋 阿里巴巴': more than a name usually has; 'Wang Wei' is just a name."""
    words = name.split()
    wide = any(unicodedata.east_asian_width(char) in "WF" for char in name)
    return len(words) > 2 or (len(words) > 1 and wide)
