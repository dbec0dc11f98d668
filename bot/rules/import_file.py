"""Reading a customer file a rep sends: CSV, XLSX or vCard into a header row and numbered rows of text.

CSV comes in UTF-8 (with or without BOM) or in GBK/GB18030, as Excel in China saves it, separated by
commas, semicolons or tabs (whichever the header row has most of). XLSX is read with openpyxl in read-only
mode, the first sheet. A vCard file (.vcf) becomes a table with the plain field names as headers, one row
per contact. Row numbers are the ones the rep sees: the spreadsheet's (the header is row 1), or the
contact's place in the vCard file. Anything unreadable raises a Refusal saying what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.rules.refusal import Refusal

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CSV, XLSX, VCF = "csv", "xlsx", "vcf"
EXTENSIONS = {".csv": CSV, ".tsv": CSV, ".txt": CSV, ".xlsx": XLSX, ".vcf": VCF, ".vcard": VCF}
MIME_TYPES = {
    "text/csv": CSV, "text/tab-separated-values": CSV, "application/csv": CSV,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
    "text/vcard": VCF, "text/x-vcard": VCF,
}
SEPARATORS = (",", ";", "\t")
BOM = b"\xef\xbb\xbf"


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number as the rep sees it, values)


def kind_of(file_name: str | None, mime_type: str | None) -> str | None:
    """csv, xlsx or vcf by the file's extension (else its MIME type); None for anything else."""
    name = (file_name or "").lower()
    for extension, kind in EXTENSIONS.items():
        if name.endswith(extension):
            return kind
    return MIME_TYPES.get((mime_type or "").lower()) if "." not in name else None


def read_table(kind: str, content: bytes) -> Table:
    """The file's header row and data rows (blank rows left out); raises Refusal."""
    if len(content) > MAX_BYTES:
        raise Refusal("im.too_big", limit=MAX_BYTES // (1024 * 1024))
    if not content.strip():
        raise Refusal("im.empty")
    table = _vcf_table(content) if kind == VCF else _table(_csv_rows(content) if kind == CSV else _xlsx_rows(content))
    if not table.rows:
        raise Refusal("im.empty")
    return table


def _table(rows: Any) -> Table:
    """The first row with anything in it is the header; rows numbered from 1 as a spreadsheet shows them."""
    table: Table | None = None
    for number, values in enumerate(rows, start=1):
        values = [_text(value) for value in values]
        if not any(values):
            continue
        if table is None:
            table = Table(headers=values)
            continue
        if len(table.rows) >= MAX_ROWS:
            raise Refusal("im.too_many_rows", limit=MAX_ROWS)
        table.rows.append((number, values))
    if table is None:
        raise Refusal("im.empty")
    return table


def _text(value: object) -> str:
    """A cell as text: an integral number without '.0' (a phone saved as a number), a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # PostgreSQL refuses NUL in text
    return str(value).replace("\x00", "").strip()


def decode(content: bytes) -> str:
    """UTF-8 (a BOM dropped), else GB18030 (a superset of GBK); bytes neither reads, or binary, are refused."""
    if content.startswith(BOM):
        content = content[len(BOM):]
    if b"\x00" in content:
        raise Refusal("im.undecodable")
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refusal("im.undecodable")


def separator_of(header: str) -> str:
    """The separator the header row uses most; a file of one column has none, and a comma does no harm."""
    counts = {separator: header.count(separator) for separator in SEPARATORS}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _csv_rows(content: bytes) -> Any:
    text = decode(content)
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=separator_of(header))
    except csv.Error:
        raise Refusal("im.broken_csv") from None


def _xlsx_rows(content: bytes) -> Any:
    # imported on the first spreadsheet: most starts of the bot never read one
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (a broken zip, missing parts or bad XML: openpyxl raises many kinds)
        raise Refusal("im.broken_xlsx") from None
    try:
        if not book.worksheets:
            raise Refusal("im.empty")
        yield from book.worksheets[0].iter_rows(values_only=True)
    except Refusal:
        raise
    except Exception:  # noqa: BLE001
        raise Refusal("im.broken_xlsx") from None
    finally:
        book.close()


VCARD_FIELDS = ["name", "phone", "email", "company", "birthday", "notes", "tags"]
VCARD_BIRTHDAY = re.compile(r"(?P<y>\d{4})-?(?P<m>\d{2})-?(?P<d>\d{2})|--(?P<mm>\d{2})-?(?P<dd>\d{2})")


def _vcf_table(content: bytes) -> Table:
    import vobject

    table = Table(headers=list(VCARD_FIELDS))
    try:
        for number, card in enumerate(vobject.readComponents(decode(content)), start=1):
            if len(table.rows) >= MAX_ROWS:
                raise Refusal("im.too_many_rows", limit=MAX_ROWS)
            table.rows.append((number, [_vcard_value(card, name) for name in VCARD_FIELDS]))
    except Refusal:
        raise
    except Exception:  # noqa: BLE001  (vobject's ParseError and the errors of a half-written card)
        raise Refusal("im.broken_vcf") from None
    return table


def _vcard_value(card: Any, name: str) -> str:
    contents = card.contents
    if name == "name":
        if "fn" in contents and contents["fn"][0].value.strip():
            return contents["fn"][0].value.strip()
        if "n" in contents:
            parts = contents["n"][0].value
            return " ".join(filter(None, [parts.prefix, parts.given, parts.additional, parts.family])).strip()
        return ""
    key = {"phone": "tel", "email": "email", "company": "org", "birthday": "bday", "notes": "note",
           "tags": "categories"}[name]
    if key not in contents:
        return ""
    value = contents[key][0].value
    if isinstance(value, list):
        value = ", ".join(str(part) for part in value if part)
    value = str(value).strip()
    if name == "birthday" and (match := VCARD_BIRTHDAY.fullmatch(value)):
        return f"{match['y']}-{match['m']}-{match['d']}" if match["y"] else f"{match['mm']}-{match['dd']}"
    return value
