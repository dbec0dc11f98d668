"""Finding customers by what a rep types: part of a name or company, phone digits, an e-mail, a WeChat ID,
a `#id` or a bare number, and, when nothing matches as typed, a name with a typo or two.

The typo pass stays bounded on a big team: SQL keeps only customers whose name or company could be a typo
or two away (for one typo: holds the text with one letter changed, added, dropped or two swapped; for more:
holds most of the letters typed), the likeliest first, at most FUZZY_POOL of those are scored here, and the
same SQL runs on SQLite and PostgreSQL. `python bench/search.py` times it on 20,000 customers.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import Actor, visible_customers
from storage.models import Customer

FUZZY_POOL = 300
SHORT_WORD = 2  # a word this short matches only the start of a word, never any name that contains the letter
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_ID_DIGITS = 9


def _folds_like_ascii(text: str) -> bool:
    """No letter here has a case outside ASCII (English, pinyin, Chinese, digits)."""
    return all(char.isascii() or char.lower() == char.upper() for char in text)


def _caseless(text: str) -> bool:
    """No letter here has a case at all (Chinese, digits)."""
    return all(char.lower() == char.upper() for char in text)


class _Fields:
    """The searched columns, lower-cased to compare with what was typed (which is lower-cased).

    On SQLite lower() is a Python function (SQLite's own knows only ASCII) called per row, most of a search's
    time on a big team. SQLite's LIKE ignores ASCII case by itself, so when the text typed has no letter with
    a case beyond ASCII, LIKE against the raw columns matches exactly the same customers; so does text with
    no cased letter at all (Chinese, digits) on either database.
    """

    def __init__(self, *, raw: bool) -> None:
        self.raw = raw

        def fold(column: object) -> ColumnElement[str]:
            value = func.coalesce(column, "")
            return value if raw else func.lower(value)

        self.name, self.company = fold(col(Customer.name)), fold(col(Customer.company))
        self.email, self.wechat = fold(col(Customer.email)), fold(col(Customer.wechat))

    @classmethod
    def for_text(cls, session: AsyncSession, text: str) -> _Fields:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        return cls(raw=_caseless(text) or (dialect == "sqlite" and _folds_like_ascii(text)))

    def name_is(self, text: str) -> ColumnElement[bool]:
        """The whole name is `text` (LIKE, not =, so that SQLite ignores case)."""
        return and_(func.length(self.name) == len(text), self.name.startswith(text, autoescape=True))

    def word_matches(self, word: str) -> ColumnElement[bool]:
        """One typed word against a customer's name, company, e-mail and WeChat ID."""
        name, company = self.name, self.company
        if CJK.search(word):
            # a Chinese character is a word of its own: 伟 finds 王伟
            return or_(name.contains(word, autoescape=True), company.contains(word, autoescape=True))
        if len(word) <= SHORT_WORD:
            return or_(*[condition for field in (name, company) for condition in (
                field.startswith(word, autoescape=True), field.contains(" " + word, autoescape=True))])
        matches = [name.contains(word, autoescape=True), company.contains(word, autoescape=True),
                   self.email.startswith(word, autoescape=True), self.wechat.startswith(word, autoescape=True)]
        if "@" in word or "." in word:
            matches.append(self.email.contains(word, autoescape=True))
        return or_(*matches)

    def folded(self, scope: list) -> _Folded:
        """The customers in scope with name and company lower-cased once each (OFFSET 0 keeps the database from
        folding this into the outer query and lower-casing again for every letter compared)."""
        folded = select(col(Customer.id), col(Customer.name), col(Customer.company),
                        self.name.label("folded_name"), self.company.label("folded_company")).where(*scope)
        return _Folded((folded if self.raw else folded.offset(0)).subquery())


class _Folded:
    """Name and company, lower-cased, for the typo pass's many comparisons."""

    def __init__(self, table: Subquery) -> None:
        self.id, self.name, self.company = table.c.id, table.c.name, table.c.company
        self.fields = (table.c.folded_name, table.c.folded_company)

    def holds(self, pattern: str) -> ColumnElement[bool]:
        """The name or the company holds `pattern` (escaped as by `like_escaped`; `_` is any one letter)."""
        return or_(*[field.like(f"%{pattern}%", escape="\\") for field in self.fields])

    def holds_word(self, pattern: str) -> ColumnElement[bool]:
        """Like `holds`, but as a whole word of the name or company, or all of it."""
        return or_(*[(" " + field + " ").like(f"% {pattern} %", escape="\\") for field in self.fields])


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
    fields = _Fields.for_text(session, lowered)
    conditions = [and_(*[fields.word_matches(word) for word in lowered.split()])]
    if (phone := _phone_matches(text)) is not None:
        conditions.append(phone)
    # the whole name first, then a name that starts so, then a word of it, then the rest
    rank = case((fields.name_is(lowered), 0), (fields.name.startswith(lowered, autoescape=True), 1),
                (fields.name.contains(" " + lowered, autoescape=True), 2), else_=3)
    found = list(await session.exec(
        select(Customer).where(*scope, or_(*conditions))
        .order_by(rank, func.lower(col(Customer.name)), col(Customer.id)).limit(limit)
    ))
    if found:
        return found
    return await _near_misses(session, scope=scope, fields=fields, text=" ".join(lowered.split()), limit=limit)


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


def closeness(text: str, name: str, company: str | None) -> float:
    """1.0 for an exact name or word, less per typo; 0 when further than allowed_typos."""
    limit = allowed_typos(text)
    best = 0.0
    for field in (name, company or ""):
        field = " ".join(field.lower().split())
        for candidate in {field, *field.split()}:
            distance = typo_distance(text, candidate, limit)
            if distance <= limit:
                best = max(best, 1 - distance / max(len(text), len(candidate)))
    return best


def like_escaped(text: str) -> str:
    return "".join("\\" + char if char in "%_\\" else char for char in text)


def one_typo_away(text: str) -> list[str]:
    """LIKE patterns a name one typo from `text` must hold: the text, or it with a letter changed (`_`), added,
    dropped, or two neighbours swapped. A letter changed or added at either end leaves the text with that
    letter dropped (or the whole text) in the name, so those patterns cover it."""
    letters = [like_escaped(char) for char in text]
    inner = range(1, len(letters))
    patterns = {"".join(letters)}
    patterns |= {"".join(letters[:i] + letters[i + 1:]) for i in range(len(letters))}
    patterns |= {"".join(letters[:i] + ["_"] + letters[i:]) for i in inner}
    patterns |= {"".join(letters[:i] + ["_"] + letters[i + 1:]) for i in inner if i < len(letters) - 1}
    patterns |= {"".join(letters[:i - 1] + [letters[i], letters[i - 1]] + letters[i + 1:]) for i in inner}
    return sorted(patterns)


async def _near_misses(session: AsyncSession, *, scope: list, fields: _Fields, text: str,
                       limit: int) -> list[Customer]:
    typos = allowed_typos(text)
    if not typos:
        return []
    near = fields.folded(scope)
    if typos == 1:
        # the names that can be one typo away: on a big team, most names hold 3 of 4 letters typed
        patterns = one_typo_away(text)
        candidates = or_(*[near.holds(pattern) for pattern in patterns])
        # a word one typo away first: `ing` (for `ikng`) is in countless names, the word King in few
        likeliest = case((or_(*[near.holds_word(pattern) for pattern in patterns]), 0), else_=1)
    else:
        # a typo changes at most `typos` of the letters typed, so the others are all in the name or company
        letters = sorted(set(text.replace(" ", "")))[:12]
        present = sum((case((near.holds(like_escaped(letter)), 1), else_=0) for letter in letters), start=0)
        candidates = present >= len(letters) - typos
        # letters side by side as typed (or swapped) first: Zhang before Huang Zhen for `zhagn`
        pairs = {pair for i in range(len(text) - 1) if " " not in (pair := text[i:i + 2])}
        likeliest = -sum((case((or_(*[near.holds(like_escaped(way)) for way in (pair, pair[::-1])]), 1), else_=0)
                          for pair in sorted(pairs)), start=0)
    # only what scoring needs; the few closest are loaded whole afterwards
    pool = await session.exec(
        select(near.id, near.name, near.company).where(candidates).order_by(likeliest, near.id.desc()).limit(FUZZY_POOL)
    )
    scored = [(score, name.lower(), customer_id) for customer_id, name, company in pool
              if (score := closeness(text, name, company)) > 0]
    closest = [customer_id for _, _, customer_id in sorted(scored, key=lambda item: (-item[0], item[1], item[2]))]
    closest = closest[:limit]
    loaded = {customer.id: customer for customer in await session.exec(
        select(Customer).where(col(Customer.id).in_(closest)))}
    return [loaded[customer_id] for customer_id in closest if customer_id in loaded]


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
