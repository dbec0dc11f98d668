"""How an import's preview reads: the counts, the rows refused and why, the rows already in the team (by row
number only: a colleague's customer is not named), the first rows as they will be saved, who gets them, and
the buttons — owner choices for a manager, then Confirm / Cancel. Storage-free: handed the preview and the
members a manager may choose from. A preview waits in the database as JSON text (`body` and `restored`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from bot.rules.import_file import VCF
from bot.rules.import_rows import Reading
from bot.rules.refusal import Key, Refusal
from bot.runtime.callbacks import ID, Callback, Hex
from bot.runtime.i18n import t
from bot.runtime.keyboards import Rows

TOKEN = Hex(10)
CONFIRM = Callback("im:ok", token=TOKEN)
CANCEL = Callback("im:no", token=TOKEN)
OWNER = Callback("im:to", token=TOKEN, owner=ID)
LISTED = 5  # invalid rows, duplicates and ignored columns named before "+N more"
SAMPLE = 3  # rows shown as they will be saved
OWNERS_PER_ROW = 3


@dataclass
class Preview:
    """A file read and checked, waiting for Confirm."""

    token: str
    team_id: int
    owner_id: int
    owner_name: str
    file_name: str
    kind: str
    at: datetime
    read: int  # rows with anything in them
    invalid: list[tuple[int, Refusal]]  # row number, why
    repeated: list[int]  # row numbers whose phone an earlier row has
    in_team: list[int]  # row numbers whose phone the team has
    rows: list[tuple[int, dict[str, object]]]  # the new ones: row number, columns
    unknown: list[str]

    @classmethod
    def of(cls, reading: Reading, *, taken: set[str], token: str, team_id: int, owner_id: int, file_name: str,
           kind: str, at: datetime, unknown: list[str]) -> Preview:
        """The file's reading split by whether the team has each row's phone (`taken`)."""
        return cls(token=token, team_id=team_id, owner_id=owner_id, owner_name="", file_name=file_name, kind=kind,
                   at=at, read=reading.rows, invalid=reading.invalid, repeated=reading.repeated,
                   in_team=[number for number, row in reading.valid if row.get("phone") in taken],
                   rows=[(number, row) for number, row in reading.valid if row.get("phone") not in taken],
                   unknown=unknown)


DATE = "$date"  # a birthday in a row, as {"$date": "1990-05-17"}; JSON has no dates


def _encoded(value: object) -> object:
    if isinstance(value, date):
        return {DATE: value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept in a preview")


def _decoded(obj: dict[str, object]) -> object:
    return date.fromisoformat(str(obj[DATE])) if len(obj) == 1 and DATE in obj else obj


def body(preview: Preview) -> str:
    """The preview as stored, but for what storage keeps in columns of its own (token, team, owner, time)."""
    return json.dumps({
        "file_name": preview.file_name, "kind": preview.kind, "read": preview.read,
        # a refusal's values that are catalog keys are named, so they are translated when shown
        "invalid": [[number, refused.key, refused.values, [name for name, value in refused.values.items()
                                                           if isinstance(value, Key)]]
                    for number, refused in preview.invalid],
        "repeated": preview.repeated, "in_team": preview.in_team, "rows": preview.rows, "unknown": preview.unknown,
    }, ensure_ascii=False, separators=(",", ":"), default=_encoded)


def restored(text: str, *, token: str, team_id: int, owner_id: int, owner_name: str, at: datetime) -> Preview:
    stored = json.loads(text, object_hook=_decoded)
    invalid = [(number, Refusal(key, **{name: Key(value) if name in keys else value
                                        for name, value in values.items()}))
               for number, key, values, keys in stored["invalid"]]
    return Preview(token=token, team_id=team_id, owner_id=owner_id, owner_name=owner_name,
                   file_name=stored["file_name"], kind=stored["kind"], at=at, read=stored["read"], invalid=invalid,
                   repeated=stored["repeated"], in_team=stored["in_team"],
                   rows=[(number, row) for number, row in stored["rows"]], unknown=stored["unknown"])


def said(lang: str, refusal: Refusal) -> str:
    return t(lang, refusal.key, **{name: t(lang, value) if isinstance(value, Key) else value
                                   for name, value in refusal.values.items()})


def _row(lang: str, preview: Preview, number: int) -> str:
    return t(lang, "im.contact_label" if preview.kind == VCF else "im.row_label", row=number)


def _listed(lang: str, lines: list[str]) -> list[str]:
    more = len(lines) - LISTED
    return lines[:LISTED] + ([t(lang, "im.more", count=more)] if more > 0 else [])


def sample(lang: str, row: dict[str, object]) -> str:
    """'• Wang Wei · +86… · Acme · VIP · #fair': a row as it will be saved."""
    parts = [str(row[name]) for name in ("name", "phone", "email", "wechat", "company") if row.get(name)]
    if row.get("tier"):
        parts.append(t(lang, f"tier.{row['tier']}"))
    if row.get("tags"):
        parts.append(" ".join(f"#{tag}" for tag in str(row["tags"]).split(",") if tag))
    return "• " + " · ".join(parts)


def preview_text(lang: str, preview: Preview, *, me: int, owners: list[tuple[int, str]] | None,
                 ttl_minutes: int) -> tuple[str, Rows]:
    """The preview and its buttons; `owners`: (user id, name) a manager may pick, themselves first; None for a
    rep, who imports for themselves."""
    lines = [t(lang, "im.preview", file=preview.file_name or "?", rows=preview.read, new=len(preview.rows),
               in_team=len(preview.in_team), repeated=len(preview.repeated), invalid=len(preview.invalid))]
    if preview.invalid:
        lines.append(t(lang, "im.invalid_title"))
        lines += _listed(lang, [t(lang, "im.invalid_row", row=_row(lang, preview, number), reason=said(lang, refused))
                                for number, refused in preview.invalid])
    if preview.in_team:
        lines.append(t(lang, "im.in_team_rows", rows=", ".join(
            _listed(lang, [_row(lang, preview, number) for number in preview.in_team]))))
    if preview.repeated:
        lines.append(t(lang, "im.repeated_rows", rows=", ".join(
            _listed(lang, [_row(lang, preview, number) for number in preview.repeated]))))
    if preview.unknown:
        columns = _listed(lang, [name[:40] for name in preview.unknown])
        lines.append(t(lang, "im.unknown_columns", columns=", ".join(columns)))
    if not preview.rows:
        lines.append(t(lang, "im.nothing_new"))
        return "\n".join(lines), []
    lines.append(t(lang, "im.sample_title"))
    lines += [sample(lang, row) for _, row in preview.rows[:SAMPLE]]
    lines.append(t(lang, "im.owner_self") if preview.owner_id == me
                 else t(lang, "im.owner_other", name=preview.owner_name))
    lines.append(t(lang, "im.confirm_hint", minutes=ttl_minutes))
    buttons = [(("✓ " if user_id == preview.owner_id else "") + (t(lang, "im.owner_me") if user_id == me else name),
                OWNER.data(token=preview.token, owner=user_id)) for user_id, name in owners or []]
    return "\n".join(lines), [
        *(buttons[start:start + OWNERS_PER_ROW] for start in range(0, len(buttons), OWNERS_PER_ROW)),
        [(t(lang, "im.confirm", count=len(preview.rows)), CONFIRM.data(token=preview.token)),
         (t(lang, "im.cancel"), CANCEL.data(token=preview.token))],
    ]
