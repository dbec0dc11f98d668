"""A rep's day, end to end, through the buttons as a phone user would tap them."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Interaction, Purchase, Role
from tests.harness import Harness, customer_id_in, texts


async def test_add_log_sell_and_read_history_by_buttons(harness: Harness) -> None:
    rep = await harness.member(Role.REP, name="Rita")
    added = await harness.send(rep, "/add Wang Wei, 138 0013 8000, Acme Trading")
    card = added[-1]
    cid = customer_id_in(card.text)
    assert "+8613800138000" in card.text and "Acme Trading" in card.text

    channels = await harness.press(rep, card, "Log")
    asked = await harness.press(rep, channels[-1], "visit")
    assert f"#{cid}" in texts(asked)
    logged = texts(await harness.send(rep, "showed the new catalogue, wants a quote"))
    assert f"#{cid}" in logged and "visit" in logged

    shown = (await harness.send(rep, f"/show #{cid}"))[-1]
    assert "showed the new catalogue" in shown.text
    assert "lead" in shown.text
    harness.advance(hours=2)
    await harness.press(rep, shown, "Sale")
    sold = texts(await harness.send(rep, "5000 first order"))
    assert f"#{cid}" in sold and "5,000.00" in sold

    shown = (await harness.send(rep, f"/show #{cid}"))[-1]
    assert "Stage: new" in shown.text
    history = texts(await harness.press(rep, shown, "History"))
    assert "first order" in history and "showed the new catalogue" in history
    assert history.index("first order") < history.index("showed the new catalogue")

    async with harness.sessions() as session:
        assert len(list(await session.exec(select(Interaction)))) == 1
        assert [p.amount_minor for p in await session.exec(select(Purchase))] == [500000]


async def test_manager_sees_the_reps_customer_and_the_other_team_does_not(harness: Harness) -> None:
    rep = await harness.member(Role.REP, name="Rita")
    manager = await harness.member(Role.MANAGER, name="Mona")
    outsider = await harness.member(Role.MANAGER, name="Olga", team_id=await harness.team())
    cid = customer_id_in((await harness.send(rep, "/add Zhao Lei, 139 0013 9000"))[-1].text)

    assert "Zhao Lei" in texts(await harness.send(manager, f"/show #{cid}"))
    hidden = texts(await harness.send(outsider, f"/show #{cid}"))
    missing = texts(await harness.send(outsider, "/show #999999"))
    assert "Zhao Lei" not in hidden
    assert hidden.replace(f"#{cid}", "#X") == missing.replace("#999999", "#X")
