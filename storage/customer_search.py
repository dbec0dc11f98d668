"""Finding customers by what a rep types: part of a name or company, phone digits, an e-mail, a WeChat ID,
a `#id` or a bare number, and, when nothing matches as typed, a name with a typo or two.

The typo pass stays bounded on a big team: SQL keeps only customers whose name or company holds most of
the letters typed (a typo changes at most a letter or two of them), at most FUZZY_POOL of those are scored
here, and the same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor, visible_customers
from storage.models import Customer

FUZZY_POOL = 300
SHORT_WORD = 2  # a word this short matches only the start of a word, never any name that contains the letter
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_ID_DIGITS = 9


def _lower(column: object) -> ColumnElement[str]:
    return func.lower(func.coalesce(column, ""))


NAME, COMPANY = _lower(col(Customer.name)), _lower(col(Customer.company))
EMAIL, WECHAT = _lower(col(Customer.email)), _lower(col(Customer.wechat))


def _word_matches(word: str) -> ColumnElement[bool]:
    """One typed word against a customer's name, company, e-mail and WeChat ID."""
    if CJK.search(word):
        # a Chinese character is a word of its own: 伟 finds 王伟
        return or_(NAME.contains(word, autoescape=True), COMPANY.contains(word, autoescape=True))
    if len(word) <= SHORT_WORD:
        return or_(*[condition for field in (NAME, COMPANY) for condition in (
            field.startswith(word, autoescape=True), field.contains(" " + word, autoescape=True))])
    matches = [NAME.contains(word, autoescape=True), COMPANY.contains(word, autoescape=True),
               EMAIL.startswith(word, autoescape=True), WECHAT.startswith(word, autoescape=True)]
    if "@" in word or "." in word:
        matches.append(EMAIL.contains(word, autoescape=True))
    return or_(*matches)


def _phone_matches(text: str) -> ColumnElement[bool] | None:
    """Digits typed as dialled: the last 4 match only the end of a number; 5 or more match anywhere."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 4 or len(digits) < len(re.sub(r"[\s\-()+]", "", text)) - 1:
        return None
    if len(digits) == 4:
        return col(Customer.phone_digits).endswith(digits, autoescape=True)
    # without the trunk "0" or the "00" before a country code, as stored in E.164
    national = digits.lstrip("0")
    return col(Customer.phone_digits).contains(national if len(national) >= 7 else digits, autoescape=True)


async def search(
    session: AsyncSession, *, actor: Actor, text: str, limit: int = 10, include_archived: bool = False,
) -> list[Customer]:
    """Every word in the name, company, e-mail or WeChat ID, or phone digits; best matches first.

    Nothing found as typed: names and companies a typo or two away (`wnag` → Wang), closest first.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return []
    scope = [visible_customers(actor)]
    if not include_archived:
        scope.append(col(Customer.archived_at).is_(None))
    lowered = text.lower()
    conditions = [and_(*[_word_matches(word) for word in lowered.split()])]
    if (phone := _phone_matches(text)) is not None:
        conditions.append(phone)
    # the whole name first, then a name that starts so, then a word of it, then the rest
    rank = case((NAME == lowered, 0), (NAME.startswith(lowered, autoescape=True), 1),
                (NAME.contains(" " + lowered, autoescape=True), 2), else_=3)
    found = list(await session.exec(
        select(Customer).where(*scope, or_(*conditions)).order_by(rank, NAME, col(Customer.id)).limit(limit)
    ))
    if found:
        return found
    return await _near_misses(session, scope=scope, text=" ".join(lowered.split()), limit=limit)


def allowed_typos(text: str) -> int:
    """How many letters may be wrong: none in 1–2 letters, one in 3–4 (or a Chinese name of 3), two beyond."""
    length = len(text.replace(" ", ""))
    if CJK.search(text):
        return 1 if length >= 3 else 0
    return 0 if length < 3 else 1 if length <= 4 else 2 if length <= 10 else 3


def typo_distance(a: str, b: str, limit: int) -> int:
    """Edits from a to b, two swapped neighbours counting as one (optimal string alignment); limit + 1 once over."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, previous = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def closeness(text: str, customer: Customer) -> float:
    """1.0 for an exact name or word, less per typo; 0 when further than allowed_typos."""
    limit = allowed_typos(text)
    best = 0.0
    for field in (customer.name, customer.company or ""):
        field = " ".join(field.lower().split())
        for candidate in {field, *field.split()}:
            distance = typo_distance(text, candidate, limit)
            if distance <= limit:
                best = max(best, 1 - distance / max(len(text), len(candidate)))
    return best


async def _near_misses(session: AsyncSession, *, scope: list, text: str, limit: int) -> list[Customer]:
    typos = allowed_typos(text)
    if not typos:
        return []
    letters = sorted(set(text.replace(" ", "")))[:12]
    # raw columns, each case spelled out: lower() is a Python function on SQLite, too slow to call per letter
    haystack = col(Customer.name) + " " + func.coalesce(col(Customer.company), "")
    # a typo changes at most `typos` of the letters typed, so the others are all in the name or company
    hits = [case((or_(*[haystack.contains(variant, autoescape=True) for variant in {letter, letter.upper()}]), 1),
                 else_=0) for letter in letters]
    present = sum(hits[1:], hits[0])
    pool = await session.exec(
        select(Customer).where(*scope, present >= len(letters) - typos)
        .order_by(present.desc(), col(Customer.id).desc()).limit(FUZZY_POOL)
    )
    scored = [(score, customer) for customer in pool if (score := closeness(text, customer)) > 0]
    scored.sort(key=lambda item: (-item[0], item[1].name.lower(), item[1].id))
    return [customer for _, customer in scored[:limit]]


def bare_number(reference: str) -> int | None:
    """`12` typed without the `#`: the customer number it may mean."""
    reference = unicodedata.normalize("NFKC", reference).strip()
    return int(reference) if reference.isdigit() and len(reference) <= MAX_ID_DIGITS else None


async def resolve(session: AsyncSession, *, actor: Actor, reference: str, limit: int = 8) -> list[Customer]:
    """`#12` → that customer (if visible); otherwise search. Empty list: not found.

    A bare number is searched as phone digits when it is long enough; the customer with that number, if
    visible, comes first, so `12` opens #12 when nothing else matches and is offered first when something does.
    """
    reference = unicodedata.normalize("NFKC", reference).strip()
    match = re.fullmatch(r"#(\d{1,9})", reference)
    if match:
        customer = await _visible(session, actor=actor, customer_id=int(match.group(1)))
        return [customer] if customer else []
    number = bare_number(reference)
    if number is None:
        return await search(session, actor=actor, text=reference, limit=limit)
    found = await search(session, actor=actor, text=reference, limit=limit) if len(reference) >= 4 else []
    by_number = await _visible(session, actor=actor, customer_id=number)
    if by_number is None:
        return found
    return [by_number, *[customer for customer in found if customer.id != number]][:limit]


async def _visible(session: AsyncSession, *, actor: Actor, customer_id: int) -> Customer | None:
    result = await session.exec(select(Customer).where(col(Customer.id) == customer_id, visible_customers(actor)))
    return result.first()
