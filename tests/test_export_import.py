"""Exporting a book and importing it back gives the same customers: a rep's /export (CSV and XLSX) sent to the
bot by a rep of another team, previewed and confirmed, makes customers whose fields are those of the
originals — names, phones, companies, e-mail, WeChat, tiers, sources, tags, birthdays (solar, lunar and
without a year), regions, urgency, time zones and notes, in Chinese too. A manager's team export (with its
owner column) imports the same way."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from storage.models import Customer, Role
from tests.builders import customer
from tests.harness import Harness, with_button
from tests.test_export import documents

FIELDS = ("name", "phone", "company", "email", "wechat", "tier", "source", "tags", "birthday", "lunar_birthday",
          "kind", "region", "urgency", "tz", "notes")


async def book(harness: Harness, team_id: int) -> list[dict[str, object]]:
    async with harness.sessions() as session:
        rows = (await session.exec(select(Customer).where(col(Customer.team_id) == team_id)
                                   .order_by(col(Customer.name)))).all()
    return [{field: getattr(row, field) for field in FIELDS} for row in rows]


async def seeded(harness: Harness):
    mona = await harness.member(Role.MANAGER, name="Mona")
    rita = await harness.member(name="Rita")
    ray = await harness.member(name="Ray")
    await customer(harness, rita, "王伟", phone="+8613800138000", company="阿里巴巴", tier="vip",
                   tags=["大客户", "wholesale"], email="wang@example.com", wechat="wangwei88", kind="business",
                   region="浙江杭州", source="referral", urgency="high", birthday=date(1990, 5, 17),
                   tz="Asia/Shanghai", notes="喜欢绿茶, 周末不接电话\n第二行")
    await customer(harness, rita, "Lee Ann", lunar_birthday="0004-04-23", tier="quality", source="event")
    await customer(harness, rita, "Mo Year", phone="+8613700137000", birthday=date(4, 3, 15),
                   notes="=1+1 looks like a formula")
    await customer(harness, ray, "Zhao Min", phone="+8613900139000", company="Acme, Inc.", tags=["vip"])
    return mona, rita


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_reps_export_imports_back_to_the_same_customers(harness: Harness, kind: str) -> None:
    _, rita = await seeded(harness)
    team = (await harness.user_row(rita)).team_id
    exported = documents(await harness.send(rita, "/export"))[kind]
    olga = await harness.member(name="Olga", team_id=await harness.team())
    other = (await harness.user_row(olga)).team_id
    preview = await harness.chat.document(olga, exported.file_name, exported.content)
    assert with_button(preview, "Confirm").button("Confirm").text == "✅ Confirm (3)"
    await harness.press(olga, with_button(preview, "Confirm"), "Confirm")
    originals = [row for row in await book(harness, team) if row["name"] != "Zhao Min"]  # Ray's: not Rita's
    assert await book(harness, other) == originals


async def test_a_managers_team_export_imports_back_with_every_customer(harness: Harness) -> None:
    mona, _ = await seeded(harness)
    team = (await harness.user_row(mona)).team_id
    exported = documents(await harness.send(mona, "/export"))["csv"]
    olga = await harness.member(Role.MANAGER, name="Olga", team_id=await harness.team())
    other = (await harness.user_row(olga)).team_id
    preview = await harness.chat.document(olga, exported.file_name, exported.content)
    assert with_button(preview, "Confirm").button("Confirm").text == "✅ Confirm (4)"
    await harness.press(olga, with_button(preview, "Confirm"), "Confirm")
    assert await book(harness, other) == await book(harness, team)
