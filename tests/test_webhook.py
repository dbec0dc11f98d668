"""The webhook as Telegram meets it: the secret header, the body's size and shape, repeated deliveries, a 200
that never waits for the handler, updates a dead instance left in the inbox, and one log line per update."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, func, select

from bot.cli import JsonLines
from bot.serving.webhook import MAX_BODY, STALE_AFTER
from storage import inbox
from storage.models import Interaction, Purchase, UpdateInbox
from tests import builders
from tests.harness import Harness, texts
from tests.instances import Instance, WebhookChat
from tests.waiting import eventually, within


@pytest.fixture
async def instance(harness: Harness) -> AsyncIterator[Instance]:
    await harness.stop_bot()  # no poller: this bot takes its updates from the webhook
    one = await Instance(harness).start()
    try:
        yield one
    finally:
        await one.stop()


def start_update(harness: Harness, instance: Instance) -> dict:
    return WebhookChat(harness, [instance]).update(harness.admin, "/start")


async def inbox_rows(harness: Harness) -> list[UpdateInbox]:
    async with harness.sessions() as session:
        return list(await session.exec(select(UpdateInbox).order_by(col(UpdateInbox.update_id))))


async def test_a_post_without_the_secret_or_with_a_wrong_one_is_refused_and_nothing_is_handled(
        harness: Harness, instance: Instance) -> None:
    update = start_update(harness, instance)
    assert await instance.post(update, secret=None) == 403
    assert await instance.post(update, secret="guess") == 403
    assert await instance.post(update, secret="") == 403
    await instance.idle()
    assert harness.fake.chat(harness.admin.id) == []
    assert await inbox_rows(harness) == []
    assert harness.fake.webhook is not None and harness.fake.webhook["secret_token"] == "test-secret"


async def test_an_oversize_or_malformed_body_is_refused_and_nothing_is_stored(harness: Harness,
                                                                                instance: Instance) -> None:
    update = start_update(harness, instance)
    update["message"]["text"] = "/start " + "x" * MAX_BODY
    assert await instance.post(update) == 413
    assert await instance.post(b"{not json") == 400
    assert await instance.post(b'["a list"]') == 400
    assert await instance.post(b'{"update_id": "7"}') == 400
    assert await instance.post(b"\xff\xfe") == 400
    await instance.idle()
    assert await inbox_rows(harness) == []
    assert harness.fake.chat(harness.admin.id) == []


async def test_a_delivery_telegram_repeats_is_handled_once(harness: Harness, instance: Instance) -> None:
    rep = await harness.member()
    customer_id = await builders.customer(harness, rep)
    chat = WebhookChat(harness, [instance])
    update = chat.update(rep, f"/log #{customer_id} call: asked for the price list")
    for _ in range(3):
        assert await instance.post(update) == 200
        await instance.idle()
    replies = harness.fake.chat(rep.id)
    assert len(replies) == 1 and "Logged call" in replies[0].text
    async with harness.sessions() as session:
        logged = (await session.exec(select(func.count()).select_from(Interaction))).one()
    assert logged == 1
    [row] = await inbox_rows(harness)
    assert row.update_id == update["update_id"] and row.handled_at is not None


async def test_the_webhook_answers_before_a_slow_handler_is_done(harness: Harness, instance: Instance) -> None:
    release = harness.fake.hold_sends()  # the reply cannot leave: the handler is still at work
    assert await instance.post(start_update(harness, instance)) == 200
    assert harness.fake.chat(harness.admin.id) == []
    assert instance.application.update_queue._unfinished_tasks == 1  # taken, not yet handled
    release.set()
    await instance.idle()
    assert len(harness.fake.chat(harness.admin.id)) == 1


async def test_an_update_a_dead_instance_stored_is_handled_by_the_sweep_once(harness: Harness,
                                                                             instance: Instance) -> None:
    update = start_update(harness, instance)
    async with harness.engine.begin() as connection:
        # stored and answered 200 by an instance that died before handling it
        await inbox.accept(connection, update_id=update["update_id"], chat_key=harness.admin.id,
                           payload=json.dumps(update), now=harness.clock.now())
    assert await instance.server.sweep() == 0  # it may still be on its way through a living instance
    harness.clock.advance(STALE_AFTER + STALE_AFTER / 2)
    assert await instance.server.sweep() == 1
    await instance.idle()
    assert len(harness.fake.chat(harness.admin.id)) == 1
    assert await instance.server.sweep() == 0
    [row] = await inbox_rows(harness)
    assert row.handled_at is not None


async def test_a_chats_earlier_pending_update_is_handled_before_its_next_one(harness: Harness,
                                                                            instance: Instance) -> None:
    rep = await harness.member()
    customer_id = await builders.customer(harness, rep)
    chat = WebhookChat(harness, [instance])

    first, second = chat.update(rep, f"/sale #{customer_id} 101"), chat.update(rep, f"/sale #{customer_id} 102")
    async with harness.engine.begin() as connection:
        # the first reached the other instance, which has not handled it yet
        await inbox.accept(connection, update_id=first["update_id"], chat_key=rep.id, payload=json.dumps(first),
                           now=harness.clock.now())
    assert await instance.post(second) == 200
    await instance.idle()
    replies = texts(harness.fake.chat(rep.id))
    assert replies.index("101.00") < replies.index("102.00")
    async with harness.sessions() as session:
        amounts = list(await session.exec(select(Purchase.amount_minor).order_by(col(Purchase.id))))
    assert amounts == [101_00, 102_00]
    assert all(row.handled_at is not None for row in await inbox_rows(harness))


async def test_each_update_is_one_log_line_without_what_was_typed(harness: Harness, instance: Instance,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    rep = await harness.member()
    chat = WebhookChat(harness, [instance])
    with caplog.at_level(logging.INFO, logger="salesbot.updates"):
        card = await chat.send(rep, "/add Wang Wei, 13800138000, Acme Trading, wang@example.com")
        await chat.press(rep, card[-1], "History")
        await chat.send(rep, "just some words about Wang")
    lines = [record for record in caplog.records if record.name == "salesbot.updates"]
    assert [record.fields["kind"] for record in lines] == ["/add", "button:hist", "text"]
    for record in lines:
        assert record.fields["user_id"] == rep.id and record.fields["outcome"] == "ok"
        assert record.fields["latency_ms"] >= 0 and isinstance(record.fields["update_id"], int)
        shown = record.getMessage() + JsonLines().format(record)
        for private in ("Wang", "13800138000", "8613800138000", "Acme", "wang@example.com", "words"):
            assert private not in shown
        assert json.loads(JsonLines().format(record))["kind"] == record.fields["kind"]


async def test_a_failing_update_is_handled_once_logged_and_counted_as_an_error(
        harness: Harness, instance: Instance, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import customers

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    rep = await harness.member()
    chat = WebhookChat(harness, [instance])
    monkeypatch.setattr(customers, "resolve", broken)
    with caplog.at_level(logging.INFO, logger="salesbot.updates"):
        replies = await chat.send(rep, "/find Wang")
    assert "something went wrong" in texts(replies)
    [line] = [record for record in caplog.records if record.name == "salesbot.updates"]
    assert line.fields["kind"] == "/find" and line.fields["outcome"] == "error"
    metrics = instance.application.bot_data.metrics.render().decode()
    assert 'salesbot_updates_total{kind="/find",outcome="error"} 1.0' in metrics
    # done with, though nothing was saved: no other instance takes it up again
    assert all(row.handled_at is not None for row in await inbox_rows(harness))


async def test_the_webhook_port_serves_health_and_metrics(harness: Harness, instance: Instance) -> None:
    rep = await harness.member()
    await WebhookChat(harness, [instance]).send(rep, "/today")
    assert instance.http is not None
    async with instance.http.get(f"http://127.0.0.1:{instance.port}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["database"] == "ok"
    async with instance.http.get(f"http://127.0.0.1:{instance.port}/metrics") as response:
        assert response.status == 200
        assert 'salesbot_updates_total{kind="/today",outcome="ok"} 1.0' in await response.text()
    # the webhook's path takes only Telegram's POST
    async with instance.http.get(instance.url) as response:
        assert response.status == 405


async def test_polling_handles_a_chats_burst_in_order_while_other_chats_go_past_a_busy_one(harness: Harness) -> None:
    """Long polling too: one chat's updates one after another in their order, other chats' not behind them."""
    busy, other = await harness.member(name="Rita"), await harness.member(name="Ray")
    customer_id = await builders.customer(harness, busy)
    chat = harness.chat
    release = harness.fake.hold_sends(chat_id=busy.id)  # the busy chat's first reply hangs at Telegram
    burst = [await harness.fake.push({"message": chat.text_message(busy, f"/sale #{customer_id} {amount}")})
             for amount in (101, 102, 103)]
    await harness.fake.wait_fetched(burst[-1])
    # another chat is answered while the busy one waits
    await harness.fake.push({"message": chat.text_message(other, "/today")})
    answer = await eventually(lambda: harness.fake.chat(other.id), what="the other chat answered")
    assert "Nothing due today" in texts(answer)
    async with harness.sessions() as session:
        amounts = list(await session.exec(select(Purchase.amount_minor)))
    assert amounts == [101_00]  # the second waits for the first's reply to leave
    release.set()
    await within(harness.application.update_queue.join(), what="the burst handled")
    replies = texts(harness.fake.chat(busy.id))
    assert replies.index("101.00") < replies.index("102.00") < replies.index("103.00")
    async with harness.sessions() as session:
        amounts = list(await session.exec(select(Purchase.amount_minor).order_by(col(Purchase.id))))
    assert amounts == [101_00, 102_00, 103_00]
