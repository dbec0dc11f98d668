"""A customer file's columns and rows as customers: headers mapped to fields, each row checked by the rules
`/add` and the card's Edit use (names and their limits, phones to E.164, e-mails, tags, birthdays).

Headers are matched in English or Chinese, case, spaces, `_` and `-` ignored; the plain field names
(`name`, `phone`, `lunar_birthday`, …) always work, so a file exported by the bot imports back to the
same customers. A phone that appears twice in the file counts once: the first row keeps it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.rules.add_fields import checked
from bot.rules.birthdays import NO_YEAR, parse_birthday
from bot.rules.formula_guard import unguarded
from bot.rules.import_file import Table
from bot.rules.oneliners import EMAIL, MAX_NOTE, blank, email_typed
from bot.rules.phones import normalise_phone
from bot.rules.refusal import Key, Refusal
from bot.rules.tags import parse_tags
from bot.rules.zones import find_zone

# field → the headers that name it, besides the field's own name
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "名称", "客户", "客户名", "客户名称", "客户姓名", "联系人", "fullname", "fn",
             "customer", "contact"),
    "phone": ("电话", "手机", "手机号", "手机号码", "电话号码", "联系电话", "联系方式", "mobile", "tel", "telephone",
              "cell", "phonenumber", "mobilephone", "cellphone", "contactnumber"),
    "company": ("公司", "公司名称", "单位", "企业", "organization", "organisation", "org"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "mail", "emailaddress"),
    "wechat": ("微信", "微信号", "weixin", "wx", "wechatid"),
    "tier": ("等级", "客户等级", "级别"),
    "source": ("来源", "渠道", "来源渠道", "客户来源"),
    "tags": ("tag", "标签"),
    "birthday": ("生日", "出生日期", "birthdate", "dateofbirth", "bday"),
    "lunar_birthday": ("农历生日", "阴历生日", "lunar"),
    "notes": ("note", "备注", "说明", "remarks", "comment", "comments"),
    "kind": ("类型", "客户类型", "type"),
    "region": ("地区", "区域", "城市", "省份", "city", "area"),
    "urgency": ("紧急程度", "紧急度", "优先级", "priority"),
    "tz": ("时区", "timezone"),
}
FIELDS = list(HEADERS)
LIMITS = {"region": 100, "notes": MAX_NOTE}
# a choice field's values, read through aliases the caller gives (codes and names in each language)
CHOICE_FIELDS = ("tier", "source", "kind", "urgency")
HEADER_SEARCH = 5


def squeeze(header: str) -> str:
    """'E-mail ' → 'email', '手机 号码' → '手机号码': what a header is matched by."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", header)).casefold()


ALIASES = {squeeze(alias): name for name, aliases in HEADERS.items() for alias in (name, *aliases)}


@dataclass
class Columns:
    by_index: dict[int, str]  # column index → field
    unknown: list[str]  # headers ignored, as written


def map_headers(headers: list[str]) -> Columns:
    """Which column holds which field; a file without a name column is refused. A field named twice: the
    first column holds it, the others are ignored like unknown ones."""
    columns = Columns({}, [])
    for index, header in enumerate(headers):
        name = ALIASES.get(squeeze(header))
        if name is None or name in columns.by_index.values():
            if header.strip():
                columns.unknown.append(header.strip())
            continue
        columns.by_index[index] = name
    if "name" not in columns.by_index.values():
        raise Refusal("im.no_name_column")
    return columns


def find_header(table: Table) -> tuple[Table, Columns]:
    """The table from its header row on, and its columns: the first row naming a name column, among the first
    HEADER_SEARCH rows — a sheet often has a title ('客户名单 2026') above its headers."""
    for skipped in range(min(HEADER_SEARCH, len(table.rows) + 1)):
        headers = table.headers if skipped == 0 else table.rows[skipped - 1][1]
        try:
            columns = map_headers(headers)
        except Refusal:
            continue
        return (table if skipped == 0 else Table(headers, table.rows[skipped:])), columns
    return table, map_headers(table.headers)  # raises: no name column


@dataclass
class Reading:
    """A file read as customers: rows to add (row number, columns), rows refused with the reason, and rows whose
    phone an earlier row of the file has."""

    rows: int = 0
    valid: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    invalid: list[tuple[int, Refusal]] = field(default_factory=list)
    repeated: list[int] = field(default_factory=list)


def read_customers(table: Table, columns: Columns, *, region: str, today: date,
                   choices: dict[str, dict[str, str]]) -> Reading:
    """Every row checked; `choices`: per choice field, each way to write a value (lower case) → its code."""
    reading = Reading()
    phones: set[str] = set()
    for number, values in table.rows:
        typed = {name: values[index].strip() for index, name in columns.by_index.items()
                 if index < len(values) and not blank(values[index])}
        if not typed:
            continue
        reading.rows += 1
        try:
            customer = read_customer(typed, region=region, today=today, choices=choices)
        except Refusal as refused:
            reading.invalid.append((number, refused))
            continue
        phone = customer.get("phone")
        if isinstance(phone, str):
            if phone in phones:
                reading.repeated.append(number)
                continue
            phones.add(phone)
        reading.valid.append((number, customer))
    return reading


def read_customer(typed: dict[str, str], *, region: str, today: date,
                  choices: dict[str, dict[str, str]]) -> dict[str, object]:
    """One row's columns as stored; raises the Refusal `/add` or Edit would for the same value."""
    typed = {name: unguarded(value) for name, value in typed.items()}
    if "name" not in typed:
        raise Refusal("im.no_name")
    customer: dict[str, object] = {"name": checked("name", typed["name"])}
    for name, value in typed.items():
        if name in ("company", "wechat"):
            customer[name] = checked(name, value)
        elif name == "phone":
            customer["phone"] = normalise_phone(value, region)
        elif name == "email":
            email = email_typed(checked("email", value))
            if not EMAIL.fullmatch(email):
                raise Refusal("im.bad_email", email=value[:60])
            customer["email"] = email
        elif name in LIMITS:
            if len(value) > LIMITS[name]:
                raise Refusal("im.too_long", field=Key(f"im.field_{name}"), limit=LIMITS[name])
            customer[name] = value
        elif name in CHOICE_FIELDS:
            code = choices[name].get(" ".join(value.split()).lower())
            if code is None:
                raise Refusal("im.bad_choice", field=Key(f"im.field_{name}"), value=value[:40])
            customer[name] = code
        elif name == "tags":
            customer["tags"] = parse_tags(value)
        elif name in ("birthday", "lunar_birthday"):
            customer.update(_birthday(value, lunar=name == "lunar_birthday", today=today))
        elif name == "tz":
            zone = find_zone(value)
            if zone is None:
                raise Refusal("im.bad_zone", value=value[:40])
            customer["tz"] = zone
    return customer


NO_YEAR_PREFIX = f"{NO_YEAR:04d}-"


def _birthday(text: str, *, lunar: bool, today: date) -> dict[str, object]:
    """As the card's Edit reads it; a day stored without its year ('0004-05-17') is read as '05-17'."""
    text = text.removeprefix(NO_YEAR_PREFIX)
    birthday = parse_birthday(f"lunar {text}" if lunar else text, today)
    return {"birthday": birthday.solar, "lunar_birthday": birthday.lunar}
