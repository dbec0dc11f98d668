"""An import's preview waits in the database, not in one process: it survives a restart (another instance on the
same database finds it the same way), Confirm imports it once, an older preview's button or a forged token
reaches nothing, an expired one is refused and removed, and stale previews are swept when the next file comes in
and by the nightly job. A file of 20,000 rows is kept and confirmed whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, func, select

from bot.rules.import_rows import Reading
from bot.rules.phones import BadPhone
from bot.rules.refusal import Key, Refusal
from bot.views.imports import Preview, body, restored
from storage import import_previews
from storage.models import ImportPreview, NightlyRun, Role
from tests.builders import customers
from tests.harness import Harness, last_answer, texts, with_button
from tests.test_import import ENGLISH, audit, send_file

# rows 2–4 new, row 5 refused (a tier the bot does not know: a reason holding a catalog key), row 6 repeats row 2
MIXED = ENGLISH + "Bad Tier,,,,,gold,,,,,\nWang Again,13800138000,,,,,,,,,\n"


async def previews(harness: Harness) -> list[ImportPreview]:
    async with harness.sessions() as session:
        return list((await session.exec(select(ImportPreview).order_by(col(ImportPreview.user_id)))).all())


async def test_a_preview_survives_a_restart_and_confirm_imports_it_once(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    preview = with_button(await send_file(harness, rita, "book.csv", ENGLISH.encode()), "Confirm")
    confirm_data = preview.button("Confirm").callback_data
    [kept] = await previews(harness)
    assert kept.user_id == (await harness.user_row(rita)).id and confirm_data.endswith(kept.token)

    await harness.restart_bot()  # a new Application, nothing in memory: as another instance would be
    assert "Customers imported: 3." in texts(await harness.press(rita, preview, "Confirm"))
    assert sorted(row.name for row in await customers(harness)) == ["Li Na", "Wang Wei", "Zhou Xin"]
    assert await previews(harness) == []

    # the same Confirm again (a double tap, or the old message's button): nothing, and the toast says so
    assert await harness.press(rita, preview, data=confirm_data) == []
    assert "already" in last_answer(harness) and "changed nothing" in last_answer(harness)
    assert harness.fake.callback_answers[-1].get("show_alert") is True
    assert len(await customers(harness)) == 3 and len(await audit(harness, "import")) == 1


async def test_a_managers_pick_and_the_refusals_read_the_same_after_a_restart(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    preview = with_button(await send_file(harness, mona, "book.csv", MIXED.encode()), "Confirm")
    before = preview.text
    assert "row 5: “gold” is not a tier I know." in before and "Same phone as an earlier row" in before

    await harness.restart_bot()
    chosen = with_button(await harness.press(mona, preview, "Rita"), "Confirm")
    # drawn again from what the database kept: the same preview, but for whom
    assert chosen.text == before.replace("your customers", "Rita's customers")
    assert "They will be Rita's customers." in chosen.text
    await harness.restart_bot()
    done = texts(await harness.press(mona, chosen, "Confirm"))
    assert "Customers imported: 3." in done and "They are Rita's now." in done
    rita_id = (await harness.user_row(rita)).id
    assert {row.owner_id for row in await customers(harness)} == {rita_id}
    assert (await customers(harness))[0].birthday == date(1990, 5, 17)  # a date kept in JSON comes back a date


async def test_an_older_previews_buttons_and_forged_tokens_reach_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    first = with_button(await send_file(harness, rita, "first.csv", ENGLISH.encode()), "Confirm")
    second = with_button(await send_file(harness, rita, "second.csv", b"name\nOnly One\n"), "Confirm")
    assert len(await previews(harness)) == 1  # the newer file replaced the first preview
    for label in ("Confirm", "Cancel"):
        assert await harness.press(rita, first, label) == []
        assert "A newer file replaced this preview" in last_answer(harness)
    for data in ("im:ok:" + "0" * 10, "im:no:" + "a" * 10):
        assert await harness.press(rita, second, data=data) == []
        assert "changed nothing" in last_answer(harness)
    assert await customers(harness) == []
    assert "Customers imported: 1." in texts(await harness.press(rita, second, "Confirm"))
    assert [row.name for row in await customers(harness)] == ["Only One"]


async def test_cancel_removes_the_preview_and_a_later_confirm_changes_nothing(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    preview = with_button(await send_file(harness, rita, "book.csv", ENGLISH.encode()), "Confirm")
    confirm_data = preview.button("Confirm").callback_data
    await harness.restart_bot()
    assert "Import cancelled" in texts(await harness.press(rita, preview, "Cancel"))
    assert await previews(harness) == []
    assert await harness.press(rita, preview, data=confirm_data) == []
    assert "changed nothing" in last_answer(harness)
    assert await customers(harness) == []


async def test_an_expired_preview_is_refused_and_its_row_removed(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    on_time = with_button(await send_file(harness, ray, "ray.csv", b"name\nRay's One\n"), "Confirm")
    late = with_button(await send_file(harness, rita, "book.csv", ENGLISH.encode()), "Confirm")
    harness.advance(minutes=15)  # still open at exactly 15 minutes
    assert "Customers imported: 1." in texts(await harness.press(ray, on_time, "Confirm"))
    harness.advance(seconds=1)
    await harness.restart_bot()
    assert await harness.press(rita, late, "Confirm") == []
    assert "This preview has expired. Send the file again." in last_answer(harness)
    assert await previews(harness) == []
    assert [row.name for row in await customers(harness)] == ["Ray's One"]


async def test_a_new_file_sweeps_everyones_stale_previews(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    await send_file(harness, rita, "book.csv", ENGLISH.encode())
    harness.advance(minutes=16)
    await send_file(harness, ray, "ray.csv", b"name\nRay's One\n")
    assert [row.user_id for row in await previews(harness)] == [(await harness.user_row(ray)).id]
    # a file with nothing new replaces the sender's preview too
    await send_file(harness, ray, "invalid.csv", b"name,phone\nNo Good,123\n")
    assert await previews(harness) == []


async def test_the_nightly_job_sweeps_stale_previews(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    await send_file(harness, rita, "book.csv", ENGLISH.encode())
    harness.clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 03:00 the next morning in Shanghai
    await harness.deliver()
    assert await previews(harness) == []
    async with harness.sessions() as session:
        steps = (await session.exec(select(func.count()).select_from(NightlyRun)
                                    .where(col(NightlyRun.step) == "import_previews"))).one()
    assert steps >= 1


async def test_a_preview_of_20000_rows_is_kept_and_confirmed_whole(harness: Harness) -> None:
    rita = await harness.member(name="Rita")
    content = "name,phone,birthday,tags\n" + "".join(
        f"Client {n},138{n:08d},1990-05-17,fair\n" for n in range(20_000))
    preview = with_button(await send_file(harness, rita, "big.csv", content.encode()), "Confirm")
    assert "Rows read: 20000" in preview.text and "New: 20000" in preview.text
    await harness.restart_bot()
    assert "Customers imported: 20000." in texts(await harness.press(rita, preview, "Confirm"))
    assert len(await customers(harness)) == 20_000


def test_the_stored_form_reads_back_to_the_same_preview() -> None:
    reading = Reading(rows=4, valid=[(2, {"name": "Wang", "phone": "+8613800138000", "birthday": date(4, 3, 15)}),
                                     (3, {"name": "李娜", "tags": ",展会,"})],
                      invalid=[(4, Refusal("im.too_long", field=Key("im.field_notes"), limit=2000)),
                               (5, BadPhone("123", "too_short"))],
                      repeated=[6])
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    preview = Preview.of(reading, taken={"+8613800138000"}, token="ab" * 5, team_id=1, owner_id=7,
                         file_name="客户.csv", kind="csv", at=at, unknown=["fax"])
    back = restored(body(preview), token=preview.token, team_id=1, owner_id=7, owner_name="", at=at)
    assert (back.read, back.in_team, back.repeated, back.unknown, back.file_name) == (4, [2], [6], ["fax"], "客户.csv")
    assert back.rows == [(3, {"name": "李娜", "tags": ",展会,"})]
    [(number, too_long), (_, bad_phone)] = back.invalid
    assert (number, too_long.key, too_long.values) == (4, "im.too_long", {"field": "im.field_notes", "limit": 2000})
    assert (bad_phone.key, bad_phone.values) == (
        "add.bad_phone", {"phone": "123", "reason": "add.phone_reason.too_short"})
    # values that are catalog keys stay keys, so they are translated when the preview is drawn again
    assert isinstance(too_long.values["field"], Key) and isinstance(bad_phone.values["reason"], Key)
    assert not isinstance(bad_phone.values["phone"], Key)
    dated = Preview.of(reading, taken=set(), token="ab" * 5, team_id=1, owner_id=7, file_name="", kind="csv",
                       at=at, unknown=[])
    assert restored(body(dated), token="ab" * 5, team_id=1, owner_id=7, owner_name="", at=at).rows[0][1][
        "birthday"] == date(4, 3, 15)


async def test_of_two_presses_that_found_the_preview_open_only_one_takes_it(harness: Harness) -> None:
    """Two instances handling Confirm at once both find the preview; the conditional DELETE lets one import."""
    rita = await harness.member(name="Rita")
    await send_file(harness, rita, "book.csv", ENGLISH.encode())
    [kept] = await previews(harness)
    for _ in range(2):
        async with harness.sessions() as session, session.begin():
            found, _row = await import_previews.find(session, user_id=kept.user_id, team_id=kept.team_id,
                                                     token=kept.token, now=harness.clock.now())
            assert found is import_previews.Found.OPEN
    took = []
    for _ in range(2):
        async with harness.sessions() as session, session.begin():
            took.append(await import_previews.take(session, user_id=kept.user_id, token=kept.token))
    assert took == [True, False]
    assert await previews(harness) == []
