"""Callback data: every kind of button the bot can show is a declared spec that builds, parses and routes its data.

Each spec is built with its largest values and must fit Telegram's 64 bytes and parse back to them;
no spec reads another's data; each button reaches exactly one handler; forged data parses to
nothing, and pressed in the running bot changes nothing.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select
from telegram.ext import CallbackQueryHandler

from bot.app import FEATURES
from bot.runtime.callbacks import MAX_BYTES, SPECS, Callback, Choice, Field, Hex, Int, Optional, Text, family
from bot.sandbox.fake_telegram import FakeUser, Sent
from bot.views.buttons import CARD, DONE, OVERDUE, OVERDUE_LIST
from handlers.customers.card_fields import MAX_TAG
from handlers.customers.lists import LIST_PAGE, read_filter
from handlers.settings.preferences import ZONE
from storage.models import (
    AuditEvent,
    Customer,
    Dialogue,
    Draft,
    FollowUp,
    Interaction,
    Invite,
    Purchase,
    Role,
    Team,
    User,
)
from tests import builders
from tests.harness import Harness, texts, with_button


def samples(field: Field) -> list[Any]:
    """A field's boundary values: the smallest and largest, every choice, the longest text in bytes."""
    if isinstance(field, Optional):
        return [None, *samples(field.field)]
    if isinstance(field, Int):
        return [0, 7, 10 ** field.digits - 1]
    if isinstance(field, Choice):
        return list(field.values)
    if isinstance(field, Hex):
        return ["0" * field.max_bytes, "f" * field.max_bytes]
    assert isinstance(field, Text)
    room = field.max_bytes
    candidates = ["", "x" * room, "界" * (room // 3) + "x" * (room % 3), "🐟" * (room // 4) + "x" * (room % 4),
                  "Z" * room]
    accepted = [text for text in candidates if _encodes(field, text)]
    assert max(len(text.encode()) for text in accepted) == room, "no sample reaches the field's limit"
    return accepted


def _encodes(field: Field, value: Any) -> bool:
    try:
        field.encode(value)
    except ValueError:
        return False
    return True


def built(spec: Callback) -> list[dict[str, Any]]:
    """Every combination of the spec's boundary values, each field named (an absent optional one is None)."""
    names = list(spec.fields)
    combinations = itertools.product(*(samples(field) for field in spec.fields.values()))
    return [dict(zip(names, values, strict=True)) for values in combinations]


ALL = sorted(SPECS.values(), key=lambda spec: spec.prefix)
EVERY_DATA = [(spec, spec.data(**values)) for spec in ALL for values in built(spec)]


def test_the_registry_holds_every_feature_s_buttons() -> None:
    # importing bot.app imported every handler module: without that the tests below would check nothing
    assert {"fu:d", "card", "list", "set:tz", "pick", "hx", "agenda:overdue", "add", "inv"} <= SPECS.keys()


@pytest.mark.parametrize("spec", ALL, ids=lambda spec: spec.prefix)
def test_every_button_fits_telegram_and_parses_back(spec: Callback) -> None:
    assert spec.max_bytes <= MAX_BYTES
    for values in built(spec):
        data = spec.data(**values)
        assert len(data.encode()) <= MAX_BYTES, data
        parsed = spec.parse(data)
        assert parsed is not None and vars(parsed) == values, data
        assert spec.data(**vars(parsed)) == data


def test_longest_real_values_fit() -> None:
    chinese_tag = "展会客户" * (MAX_TAG // 4)  # a tag as long as the edit allows
    assert len(chinese_tag) == MAX_TAG and read_filter(chinese_tag) == {"tag": chinese_tag}
    data = LIST_PAGE.data(filter=chinese_tag, page=9999)
    assert len(data.encode()) <= MAX_BYTES and LIST_PAGE.parse(data).filter == chinese_tag
    # a tag of emoji may not fit: its list then has no page buttons rather than a broken one
    assert not LIST_PAGE.accepts(filter="🐟" * MAX_TAG, page=0)
    assert LIST_PAGE.parse(f"list:{'🐟' * MAX_TAG}:0") is None
    longest_zone = max(available_timezones(), key=len)
    data = ZONE.data(name=longest_zone)
    assert len(data.encode()) <= MAX_BYTES and ZONE.parse(data).name == longest_zone
    assert DONE.data(follow_up=999_999_999, version=999_999_999, origin=OVERDUE) == "fu:d:999999999:999999999:o"


def test_data_is_built_in_the_existing_wire_format() -> None:
    assert DONE.data(follow_up=3, version=2) == "fu:d:3:2"
    assert vars(DONE.parse("fu:d:3:2")) == {"follow_up": 3, "version": 2, "origin": None}
    # buttons drawn before the codec, already in users' chats, are each read by exactly one spec
    drawn_before = {
        "fu:d:12:3:o": "fu:d", "fu:t:12:3": "fu:t", "fu:v:12": "fu:v", "fu:q:12:3:eve": "fu:q", "fu:cc:12:3": "fu:cc",
        "fup:12": "fup", "fup:12:34": "fup", "fupq:12:wk": "fupq", "fupq:12:34:h1": "fupq", "fuundo:5": "fuundo",
        "card:12": "card", "hist:12:0": "hist", "hp:12:3": "hp", "hs:5": "hs", "hx:s:amount:5": "hx",
        "ev:12:source:ads": "ev", "tv:12:vip": "tv", "logch:12:visit": "logch", "logskip:0123456789": "logskip",
        "list::0": "list", "list:vip:2": "list", "list:展会:1": "list", "ag:u:1": "ag",
        "agenda:overdue": "agenda:overdue", "add:cancel": "add", "add:tier:skip": "add", "add:source:ads": "add",
        "inv:rep": "inv", "set:tz:other": "set:tz", "set:tz:Asia/Shanghai": "set:tz", "set:cad:list": "set:cad:list",
        "set:cad:vip:14": "set:cad", "set:back:main": "set:back:main", "set:quiet:21-08": "set:quiet",
        "pick:0123456789:12": "pick", "att:abcdef0123:12": "att", "attsearch:abcdef0123": "attsearch",
    }
    for data, prefix in drawn_before.items():
        assert [spec.prefix for spec in ALL if spec.parse(data) is not None] == [prefix], data


def test_building_refuses_what_it_could_not_read_back() -> None:
    for values in ({"follow_up": -1, "version": 1}, {"follow_up": 10 ** 9, "version": 1},
                   {"follow_up": "3", "version": 1}, {"follow_up": True, "version": 1}, {"follow_up": 3},
                   {"follow_up": 3, "version": 1, "origin": "x"}, {"follow_up": 3, "version": 1, "extra": 1}):
        with pytest.raises(ValueError):
            DONE.data(**values)
    with pytest.raises(ValueError):
        ZONE.data(name="Mars:Olympus")
    with pytest.raises(ValueError):
        LIST_PAGE.data(filter="a:b", page=0)


def test_a_spec_is_declared_once_and_must_fit() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Callback(CARD.prefix, customer=Int(digits=9))
    with pytest.raises(ValueError, match="64"):
        Callback("toolong", note=Text(max_bytes=60))
    with pytest.raises(ValueError):
        Callback("Fu:D")
    assert "toolong" not in SPECS and SPECS[CARD.prefix] is CARD


def test_prefixes_are_unique_and_no_spec_reads_another_specs_data() -> None:
    assert len({spec.prefix for spec in ALL}) == len(ALL)
    for spec, data in EVERY_DATA:
        readers = [other.prefix for other in ALL if other.parse(data) is not None]
        assert readers == [spec.prefix], data


def test_a_pattern_takes_only_its_own_kind() -> None:
    assert DONE.pattern.match("fu:d:1:1") and DONE.pattern.match("fu:d")
    assert not DONE.pattern.match("fu:dx:1:1") and not DONE.pattern.match("fu:") and not DONE.pattern.match("xfu:d")
    for spec, data in EVERY_DATA:
        for other in ALL:
            if other is not spec and other.pattern.match(data):
                # only a family nested under another prefix (set:cad:list under set:cad); routing is checked below
                assert spec.prefix.startswith(other.prefix + ":"), (other.prefix, data)


def registered_callback_handlers() -> list[CallbackQueryHandler]:
    """The button handlers of every feature, in order, without the catch-all that answers unknown data."""
    return [handler for feature in FEATURES for handler in feature.handlers()
            if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None]


def test_every_handler_routes_by_a_declared_prefix() -> None:
    # a spec's own pattern, or a family's (settings takes every set:… button)
    declared = {family(prefix).pattern for spec in ALL for prefix in (spec.prefix, spec.prefix.split(":")[0])}
    for handler in registered_callback_handlers():
        assert handler.pattern.pattern in declared, f"{handler.callback.__name__} has its own pattern"


def test_each_button_reaches_exactly_one_handler() -> None:
    handlers = registered_callback_handlers()
    for _, data in EVERY_DATA:
        takers = [handler.callback.__name__ for handler in handlers if handler.pattern.match(data)]
        assert len(takers) == 1, (data, takers)


def forged_from(spec: Callback, values: dict[str, Any], per_field: int | None = None) -> list[str]:
    """Data a spec must refuse, made from valid values: a field's text swapped for one it never writes
    (the first `per_field` swaps, the sharpest, or all), a field too many, a stray character."""
    present = [field.field if isinstance(field, Optional) else field
               for name, field in spec.fields.items() if values[name] is not None]
    parts = [spec.prefix] + [field.encode(values[name]) for name, field in spec.fields.items()
                             if values[name] is not None]
    forged = [":".join(parts) + ":", ":".join(parts) + "\n", " " + ":".join(parts), ":".join(parts).upper(),
              spec.prefix + "x:" + ":".join(parts[1:])]
    if len(present) == len(spec.fields):  # one field more (with an optional one left out, it could be that one)
        forged.append(":".join(parts) + ":1")
    for index, field in enumerate(present, start=1):
        if isinstance(field, Int):
            swaps = ["１２", "01", "9" * (field.digits + 1), "-1", "", "٣", "²", "+1", " 1", "1 ", "1_0", "0x1f"]
        elif isinstance(field, Choice):
            swaps = ["", parts[index].upper(), parts[index] + "x", "x" + parts[index]]
        elif isinstance(field, Hex):
            swaps = ["", "F" * field.max_bytes, "0" * (field.max_bytes - 1), "0" * (field.max_bytes + 1),
                     "g" * field.max_bytes]
        else:
            swaps = ["x" * (field.max_bytes + 1), "界" * (field.max_bytes // 3 + 1)]
        forged += [":".join(parts[:index] + [swap] + parts[index + 1:]) for swap in swaps[:per_field]]
    return [data for data in forged if data != ":".join(parts)]  # an uppercased "7" is still 7


@pytest.mark.parametrize("spec", ALL, ids=lambda spec: spec.prefix)
def test_forged_data_parses_to_nothing(spec: Callback) -> None:
    for values in built(spec):
        for data in forged_from(spec, values):
            assert spec.parse(data) is None, data
    for data in ("", spec.prefix + "\x00", None, b"card:1", 12, spec.prefix * 20):
        assert spec.parse(data) is None, data


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ALL), st.text(max_size=70))
def test_any_text_parses_without_error_and_only_to_what_builds_it(spec: Callback, tail: str) -> None:
    for data in (tail, f"{spec.prefix}:{tail}"):
        parsed = spec.parse(data)
        if parsed is not None:
            assert spec.data(**vars(parsed)) == data


# --- the running bot ------------------------------------------------------------------


class Shown:
    """Every button the bot showed in a tour, one example per spec that reads it."""

    def __init__(self) -> None:
        self.examples: dict[str, tuple[FakeUser, Sent, str]] = {}
        self.unread: list[str] = []

    def add(self, person: FakeUser, messages: list[Sent]) -> list[Sent]:
        for message in messages:
            for button in message.flat_buttons:
                if button.callback_data is None:
                    continue  # a link
                readers = [spec.prefix for spec in ALL if spec.parse(button.callback_data) is not None]
                if len(readers) != 1 or len(button.callback_data.encode()) > MAX_BYTES:
                    self.unread.append(button.callback_data)
                else:
                    self.examples.setdefault(readers[0], (person, message, button.callback_data))
        return messages


def button(messages: list[Sent], label: str) -> tuple[Sent, str]:
    for message in messages:
        for candidate in message.flat_buttons:
            if label in candidate.text:
                return message, candidate.text
    raise LookupError(f"no {label!r} button in {[b.text for m in messages for b in m.flat_buttons]}")


async def tour(harness: Harness) -> Shown:
    """A manager goes through every screen that has buttons."""
    mona = await harness.member(Role.MANAGER, name="Mona")
    shown = Shown()

    async def send(text: str) -> list[Sent]:
        return shown.add(mona, await harness.send(mona, text))

    async def press(messages: list[Sent], label: str) -> list[Sent]:
        message, text = button(messages, label)
        return shown.add(mona, await harness.press(mona, message, text))

    now = harness.clock.now()
    added = await send("/add Wang Wei, 13800138000, Acme")
    cid = int(re.search(r"#(\d+)", texts(added)).group(1))

    async def card() -> list[Sent]:
        """A fresh card: a sub-menu replaces the card it was opened from."""
        return await send(f"/show #{cid}")

    await press(await press(await card(), "Edit"), "Source")
    await press(await card(), "Tier")
    await press(await card(), "Delete")
    await press(await press(await card(), "Archive"), "Unarchive")
    await press(await press(await card(), "Log"), "visit")
    await send(f"/log #{cid}: called about the price")
    await press(await send(f"/log #{cid} party: cake"), "visit")
    await send(f"/sale #{cid} 5000")
    for day in range(9):
        await builders.interaction(harness, cid, mona, note=f"call {day}", at=now - timedelta(days=day + 1))
    history = await press(await card(), "History")
    await press(history, "▶")
    await press(await press(history, "1"), "Delete")
    # History, newest first: the two /log lines of this minute, then the sale
    refund = await press(await press(await press(await card(), "History"), "3"), "Refund")
    await press(refund, "All of it")
    # a voice note logged to the customer: its entry, the newest, offers to play it
    await press(shown.add(mona, await harness.chat.voice(mona)), f"#{cid}")
    await press(await press(await press(await card(), "History"), "1"), "Play voice note")
    echo = await send(f"/followup #{cid} tomorrow 10:00")
    await press(echo, "Change")
    await send(f"/followup #{cid} tomorrow 10:00: samples")  # the same time, another note: merge or keep both
    await send(f"/followup #{cid} tomorrow 4 call")  # is 4 the hour?
    await send(f"/followup #{cid}")
    asked = await press(await card(), "Archive")  # the follow-up makes it ask first
    await press(await press(await press(asked, "Archive anyway"), "Unarchive"), "Restore")
    for n in range(11):
        other = await builders.customer(harness, mona, f"Client {n}", tags=["展会客户"], tier="vip",
                                        birthday=date(1990, 3, 2) if n == 0 else None)
        await builders.follow_up(harness, other, mona, now + timedelta(hours=2, minutes=n))
    today = await send("/today")
    await press(await press(today, "1 Client 0"), "Cancel follow-up")
    await press(await press(today, "2 Client 1"), "Done")
    await press(today, "▶")
    late = await builders.customer(harness, mona, "Late Li")
    await builders.follow_up(harness, late, mona, now - timedelta(days=2))
    harness.advance(hours=3)
    shown.add(mona, await harness.deliver())
    await send("/list")
    await press(await send("/list 展会客户"), "▶")
    panel = await send("/settings")
    await press(await press(panel, "cadence"), "Back")
    stages = await press(panel, "Lifecycle")
    await press(stages, "270 d")
    await press(stages, "Other numbers")
    await send("/cancel")
    greetings = await press(await press(await send("/greetings"), "Christmas"), "Other holidays")
    greetings = await press(await press(greetings, "Labor Day"), "Back")
    await press(await press(greetings, "Country"), "Another country")
    await send("JP")
    await press(await press(await send("/greetings"), "Country"), "CN")
    await press(await send("/greetings"), "Add occasion")
    await send("Founding Day")
    greetings = await press(await send("lunar 08-15"), "Save")
    greetings = await press(await press(greetings, "🗑"), "Remove")
    await press(await press(await press(greetings, "Greeting texts"), "Christmas"), "Write a new text")
    await press(await press(await send("Merry Christmas, {name}!"), "Save"), "Reset to default")
    await send("/tz Beijing")
    question = await send("/add")
    for answer in ("Zhou Xin", "13700137000", "Zhouco"):
        question = shown.add(mona, await harness.send(mona, answer))
    await press(question, "Skip")
    await press(await send("/add Zhao Lei, 13900139000, 8001"), "Note")
    await send("/help")  # sets the half-finished add aside
    await send("Zhouco Ltd")  # plain text soon after: does it answer the draft, or is it a search?
    await send("/add")  # continue the draft, or start new
    await send("/show Client")
    shown.add(mona, await harness.chat.forward(mona, "Please send the price list", "Wang Wei"))
    link = await press(await card(), "Opt-in link")
    wang = harness.stranger("Wang")  # the customer opens it: Agree / No thanks
    asked = shown.add(wang, await harness.send(wang, "/start " + re.search(r"start=(c_\S+)", texts(link)).group(1)))
    agreed = shown.add(wang, await harness.press(wang, with_button(asked, "Agree"), "Agree"))  # thanks, with Stop
    contact = with_button(agreed, "Contact my rep")
    shown.add(wang, await harness.press(wang, contact, "Contact my rep"))  # what to tell Mona, with Cancel
    shown.add(wang, await harness.send(wang, "Is the price list ready?"))
    await press(shown.add(mona, await harness.deliver()), "Reply")  # the relayed message; the answer's Cancel
    what = shown.add(wang, await harness.press(wang, with_button(agreed, "Complaint"), "Complaint"))  # and Cancel
    await harness.press(wang, with_button(what, "Cancel"), "Cancel")
    await harness.press(wang, with_button(agreed, "Complaint"), "Complaint")
    shown.add(wang, await harness.send(wang, "The parcel came late"))
    notice = with_button(shown.add(mona, await harness.deliver()), "Acknowledge")  # Acknowledge, Resolve, card
    for _ in range(5):
        await builders.complaint(harness, cid)
    await press(await press(await send("/complaints"), "▶"), "Wang")  # a page, an item opened
    await press([notice], "Resolve")
    shown.add(wang, await harness.deliver())  # are you satisfied? Yes / No
    await press(await press(await card(), "Survey"), "Send survey")  # asks first, then sends
    question = shown.add(wang, [m for m in await harness.deliver() if m.chat_id == wang.id])
    shown.add(wang, await harness.press(wang, with_button(question, "2⭐"), "2⭐"))  # thanks: comment or not
    await send("/survey")  # a manager: automatic surveys after a sale, as buttons
    await press(await send("/summary"), "Month")  # the team's summary: Today / Week / Month
    await press(await card(), "History")  # the answer is History's newest entry
    await send(f"/birthday #{cid} 03-03")
    harness.advance(hours=5)  # 17:00: the list of tomorrow's greetings, with Skip; Skip offers Undo
    listed = shown.add(mona, [message for message in await harness.deliver() if message.chat_id == mona.id])
    await press(await press(listed, "⏭"), "Undo")
    quiet = [await builders.buyer(harness, mona, f"Quiet {k}", [(800, 600_000)] + [(300 + 10 * k, 100_000)] * 5)
             for k in range(7)]  # frequent buyers gone quiet, among recent ones: two pages of /risk
    for n in range(1, 14):
        await builders.buyer(harness, mona, f"Fresh {n}", [(n, 10_000)])
    await builders.rfm_snapshot(harness, mona)
    await press(await send("/risk"), "▶")
    await send(f"/show #{quiet[0]}")  # the card offers the tier its segment suggests
    # the team: more than a page of members, a member's details, offboarding one, reassigning the customer
    await harness.member(name="Rita")
    for n in range(10):
        await harness.member(name=f"Rep {n}")
    await press(await send("/team"), "▶")
    details = await press(await send("/team"), "Rep 0")
    confirm = await press(await press(details, "Offboard"), "Rita")
    await press(confirm, "Yes")
    await press(await press(await card(), "Reassign"), "Rita")
    await send(f"/erase #{cid}")  # its question's Erase and Cancel (pressing them: tests/test_erase.py)
    # a file of customers: the preview with who gets them, Confirm / Cancel, then Undo of the import
    preview = shown.add(mona, await harness.chat.document(mona, "customers.csv", b"name,phone\nIvy,13600136000\n"))
    await press(await press(await press(preview, "Rep 1"), "Confirm"), "Undo")
    return shown


async def test_every_declared_button_is_shown_somewhere_and_reads_back(harness: Harness) -> None:
    shown = await tour(harness)
    assert shown.unread == []
    assert sorted(SPECS.keys() - shown.examples.keys()) == []


async def snapshot(harness: Harness) -> list:
    """Everything a pressed button could change."""
    async with harness.sessions() as session:
        rows = [row.model_dump() for table in (Team, Invite, Customer, Interaction, Purchase, FollowUp, Dialogue, Draft)
                for row in await session.exec(select(table))]
        people = [(u.role, u.team_id, u.language, u.tz, u.quiet_start, u.quiet_end, u.digest_on)
                  for u in await session.exec(select(User))]
        audit = [(a.action, a.customer_id) for a in await session.exec(select(AuditEvent)) if a.action != "view"]
    return [rows, people, audit]


async def test_forged_presses_change_nothing(harness: Harness) -> None:
    shown = await tour(harness)
    before = await snapshot(harness)
    for prefix, (person, message, data) in sorted(shown.examples.items()):
        spec = SPECS[prefix]
        values = vars(spec.parse(data))
        for forged in forged_from(spec, values, per_field=4):
            assert await harness.press(person, message, data=forged) == [], forged
            assert harness.fake.callback_answers[-1].get("show_alert") is True, forged
    assert await snapshot(harness) == before
    # the real buttons still work: the refusals were the forgeries'
    person, message, data = shown.examples[CARD.prefix]
    assert f"#{CARD.parse(data).customer} " in texts(await harness.press(person, message, data=data))
    person, message, data = shown.examples[OVERDUE_LIST.prefix]
    assert "What's late" in texts(await harness.press(person, message, data=data))
