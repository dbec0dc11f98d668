"""Who sees and changes which customer, with two teams, guessed #ids and forged buttons."""

from __future__ import annotations

import re

from sqlmodel import func, select

from storage.models import AuditEvent, Customer, Interaction, Purchase, Role
from tests import builders
from tests.harness import Harness, texts


class World:
    """Two teams: rep A and rep B and a manager in the default team, a rep in another team."""

    async def build(self, harness: Harness) -> World:
        self.rep_a = await harness.member(Role.REP, name="Anna")
        self.rep_b = await harness.member(Role.REP, name="Bert")
        self.manager = await harness.member(Role.MANAGER, name="Mona")
        self.other_team = await harness.team()
        self.outsider = await harness.member(Role.REP, name="Olga", team_id=self.other_team)
        self.own = await builders.customer(harness, self.rep_a, "Anna Client", phone="+8613800138001")
        self.colleagues = await builders.customer(harness, self.rep_b, "Bert Client", phone="+8613800138002",
                                                  company="Bertco", tier="vip")
        self.foreign = await builders.customer(harness, self.outsider, "Olga Client", phone="+8613800138003",
                                               company="Olgaco", tier="vip")
        await builders.interaction(harness, self.colleagues, self.rep_b, note="secret terms")
        return self


async def snapshot(harness: Harness) -> tuple:
    """Everything a forged request could change."""
    async with harness.sessions() as session:
        customers = [c.model_dump() for c in await session.exec(select(Customer).order_by(Customer.id))]
        counts = [(await session.exec(select(func.count()).select_from(table))).one()
                  for table in (Interaction, Purchase)]
        audit = [(a.action, a.customer_id) for a in await session.exec(select(AuditEvent))
                 if a.action != "view"]
    return customers, counts, audit


def seen(messages) -> str:
    """Texts and button labels: all a user can read."""
    return texts(messages) + "\n" + "\n".join(b.text for m in messages for b in m.flat_buttons)


def without_ids(text: str) -> str:
    return re.sub(r"#\d+", "#N", text)


async def test_other_ids_look_exactly_like_missing_ones(harness: Harness) -> None:
    world = await World().build(harness)
    missing = without_ids(texts(await harness.send(world.rep_a, "/show #999999")))
    assert "No customer matches" in missing
    for cid in (world.colleagues, world.foreign):
        reply = texts(await harness.send(world.rep_a, f"/show #{cid}"))
        assert without_ids(reply) == missing
        assert "Client" not in reply and "138" not in reply
    assert without_ids(texts(await harness.send(world.manager, f"/show #{world.foreign}"))) == missing


async def test_rep_finds_and_lists_only_own_customers(harness: Harness) -> None:
    world = await World().build(harness)
    for query in ("/find client", "/find Bertco", "/find 8002", "/find Olga", "client", "/list", "/list vip"):
        reply = seen(await harness.send(world.rep_a, query))
        assert "Bert Client" not in reply and "Olga Client" not in reply, (query, reply)
        assert f"#{world.colleagues}" not in reply and f"#{world.foreign}" not in reply
    assert f"#{world.own} Anna Client" in seen(await harness.send(world.rep_a, "/find client"))


async def test_manager_sees_and_changes_team_but_not_other_team(harness: Harness) -> None:
    world = await World().build(harness)
    card = (await harness.send(world.manager, f"/show #{world.colleagues}"))[0]
    assert "Bert Client" in card.text and "secret terms" in card.text
    tiers = (await harness.press(world.manager, card, "Tier"))[0]
    await harness.press(world.manager, tiers, "Regular")
    assert (await builders.customer_row(harness, world.colleagues)).tier == "regular"
    reply = seen(await harness.send(world.manager, "/find client"))
    assert "Anna Client" in reply and "Bert Client" in reply and "Olga" not in reply
    assert "Olga" not in seen(await harness.send(world.manager, "/list vip"))
    before = await snapshot(harness)
    await harness.press(world.manager, card, data=f"tv:{world.foreign}:prospect")
    assert harness.fake.callback_answers[-1]["text"] == "Customer not found."
    assert await snapshot(harness) == before


async def test_admin_sees_every_team(harness: Harness) -> None:
    world = await World().build(harness)
    assert "Olga Client" in texts(await harness.send(harness.admin, f"/show #{world.foreign}"))
    reply = seen(await harness.send(harness.admin, "/find client"))
    assert all(name in reply for name in ("Anna Client", "Bert Client", "Olga Client"))
    page = (await harness.send(harness.admin, "/list vip"))[0]
    assert {b.callback_data for b in page.flat_buttons} == {f"card:{world.colleagues}", f"card:{world.foreign}"}


async def test_forged_buttons_get_a_toast_and_change_nothing(harness: Harness) -> None:
    world = await World().build(harness)
    card = (await harness.send(world.rep_a, f"/show #{world.own}"))[0]
    before = await snapshot(harness)
    not_found = []
    for cid in (world.colleagues, world.foreign, 999999):
        not_found += [f"card:{cid}", f"back:{cid}", f"edit:{cid}", f"ef:{cid}:name", f"ev:{cid}:source:ads",
                      f"ec:{cid}:notes", f"tier:{cid}", f"tv:{cid}:vip", f"arch:{cid}", f"unarch:{cid}",
                      f"del:{cid}", f"delok:{cid}"]
    invalid = ["list:bogus:-1", "list:bogus:0", "list:vip:x", "list:a b:0", "garbage", "", "card:",
               "edit:abc", f"tv:{world.own}:gold", f"ef:{world.own}:owner_id", f"ev:{world.own}:tier:vip",
               f"ev:{world.own}:source:moon", f"ec:{world.own}:name", f"delok:{world.own}:x",
               f"card:{world.own}0000000000"]
    for data, expected in [(d, "Customer not found.") for d in not_found] + \
                          [(d, "This button is no longer valid.") for d in invalid]:
        sent = await harness.press(world.rep_a, card, data=data)
        assert sent == [], (data, texts(sent))
        answer = harness.fake.callback_answers[-1]
        assert (answer.get("text"), answer.get("show_alert")) == (expected, True), data
    assert await snapshot(harness) == before
    assert f"#{world.own} Anna Client" in card.text


async def test_edit_dialogue_rechecks_access_when_the_value_arrives(harness: Harness) -> None:
    world = await World().build(harness)
    card = (await harness.send(world.rep_a, f"/show #{world.own}"))[0]
    menu = (await harness.press(world.rep_a, card, "Edit"))[0]
    await harness.press(world.rep_a, menu, "Name")
    bert = await harness.user_row(world.rep_b)
    async with harness.sessions() as session, session.begin():
        row = await session.get(Customer, world.own)
        row.owner_id = bert.id  # reassigned while Anna was typing
    before = await snapshot(harness)
    assert "Customer not found" in texts(await harness.send(world.rep_a, "Stolen Name"))
    assert await snapshot(harness) == before


async def test_strangers_see_nothing(harness: Harness) -> None:
    world = await World().build(harness)
    stranger = harness.stranger()
    before = await snapshot(harness)
    for text in (f"/show #{world.own}", "/find client", "/find 8001", "/list", "/list vip", "client", "/find"):
        reply = seen(await harness.send(stranger, text))
        assert "invite link" in reply and "Client" not in reply, text
    fake_message = (await harness.send(world.rep_a, f"/show #{world.own}"))[0]
    for data in (f"card:{world.own}", f"delok:{world.own}", f"tv:{world.own}:vip", "list::0", "garbage"):
        sent = await harness.press(stranger, fake_message, data=data)
        assert sent == [] and "invite link" in harness.fake.callback_answers[-1]["text"]
    assert await snapshot(harness) == before


async def test_a_button_with_empty_data_goes_to_no_feature(harness: Harness) -> None:
    world = await World().build(harness)
    card = (await harness.send(world.rep_a, f"/show #{world.own}"))[0]
    before = await snapshot(harness)
    assert await harness.press(world.rep_a, card, data="") == []
    assert harness.fake.callback_answers[-1]["text"] == "This button is no longer valid."
    assert await snapshot(harness) == before
