"""Customer search on a big team, timed the way /find calls it.

A team of 20,000 customers (mixed English, pinyin and Chinese names, companies, phones, some e-mails and
WeChat IDs; seeded, so every run holds the same book) is added through storage.customers.add. Then a
manager, who sees the whole team, searches as reps type: an exact name, a name's first letters, the last 4
digits of a phone, an English typo (`wnag`), a Chinese name with a wrong character, one or two letters, and
a name nobody has. Each goes through storage.customer_search.resolve, the call /find makes, in a session of
its own as a turn opens one. Printed, per database and kind: p50/p99 and their ratio to an indexed lookup
by id measured in the same run; for a name and the typos, how often a customer of the name meant came back
(many customers share a name); peak RSS.

Goal: p99 under 0.3 s for every kind (what a rep on a phone accepts as "at once"), and a name and the typos
bringing back the name meant at least 90% of the time. A missed goal is printed at the end and the exit
status is 1.

    python bench/search.py                          # SQLite, and PostgreSQL if DATABASE_URL points there
    python bench/search.py --customers 5000 --rounds 2 --only sqlite   # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench.databases import on_each_database
from storage import customer_search, customers
from storage.access import Actor
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Role, Team, User

GOAL_P99 = 0.3  # seconds, every kind
GOAL_FOUND = 0.9  # share of name and typo searches that bring back a customer of the name meant
RESULTS = 11  # what /find asks for: 10 shown, one more to know there are more
BATCH = 500

ENGLISH_FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
                 "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
                 "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra",
                 "Steven", "Ashley", "Paul", "Emily", "Andrew", "Donna", "Kevin", "Michelle", "Brian", "Amanda",
                 "Peter", "Olivia", "Lucas", "Sophie", "Hans", "Marie", "Pierre", "Anna", "Ivan", "Elena"]
ENGLISH_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
                "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson",
                "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
                "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
                "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Müller", "Schmidt", "Dubois",
                "Rossi", "Ivanov", "Nguyen", "Tanaka", "Kim", "Park", "Singh"]
# surnames as characters and in pinyin, the most common first
SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
            ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
            ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("林", "Lin"),
            ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"),
            ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"),
            ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("袁", "Yuan"), ("潘", "Pan"),
            ("蒋", "Jiang"), ("蔡", "Cai"), ("余", "Yu"), ("杜", "Du"), ("叶", "Ye"), ("程", "Cheng"),
            ("苏", "Su"), ("魏", "Wei"), ("吕", "Lv"), ("丁", "Ding"), ("沈", "Shen"), ("欧阳", "Ouyang")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"),
         ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("娟", "Juan"),
         ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀", "Xiu"), ("霞", "Xia"), ("平", "Ping"), ("刚", "Gang"),
         ("英", "Ying"), ("华", "Hua"), ("玉", "Yu"), ("兰", "Lan"), ("飞", "Fei"), ("鹏", "Peng"), ("辉", "Hui"),
         ("斌", "Bin"), ("宇", "Yu"), ("浩", "Hao"), ("凯", "Kai"), ("晓", "Xiao"), ("建", "Jian"), ("国", "Guo"),
         ("文", "Wen"), ("婷", "Ting"), ("雪", "Xue"), ("琳", "Lin"), ("欣", "Xin"), ("佳", "Jia"), ("思", "Si"),
         ("梦", "Meng"), ("嘉", "Jia"), ("俊", "Jun"), ("海", "Hai"), ("红", "Hong"), ("春", "Chun")]
CITIES = ["深圳", "广州", "上海", "北京", "杭州", "苏州", "东莞", "佛山", "宁波", "成都", "武汉", "厦门"]
CN_WORDS = ["华信", "恒达", "鑫源", "宏图", "金桥", "天成", "博远", "瑞丰", "汇通", "新锐", "盛世", "中科"]
CN_TRADES = ["科技", "贸易", "电子", "物流", "建材", "食品", "服装", "机械", "医疗器械", "家居"]
EN_WORDS = ["Acme", "Blue Ocean", "Golden Gate", "Pacific", "Summit", "Evergreen", "Northstar", "Silverline",
            "Redwood", "Harbor", "Bright Star", "Orient", "Keystone", "Lakeside", "Apex", "Unity"]
EN_TRADES = ["Trading", "Logistics", "Electronics", "Foods", "Textiles", "Imports", "Supplies", "Tech"]
EN_SUFFIX = ["Ltd", "Co", "Inc", "GmbH", "LLC", ""]
MAIL_HOSTS = ["qq.com", "163.com", "gmail.com", "outlook.com", "126.com", "yahoo.com"]
# mistyped characters: sound-alikes never used in the seeded names, so a typo never spells another customer
WRONG_CHARACTERS = "为维卫方纳民经立墙雷君永言洁名朝修夏钢应化非朋会彬雨豪开见果闻亭学新加斯骏"
MISSES = ["Kowalczyk", "Fitzgerald", "qxvz", "Thorvaldsen", "Abernathy", "欧阳修远", "诸葛亮", "Okonkwo",
          "zzyzx", "Przybylski"]


@dataclass
class Seeded:
    name: str
    script: str  # "en", "pinyin" or "zh"
    surname: str = ""
    phone: str | None = None
    id: int = 0


@dataclass
class Kind:
    queries: list[tuple[str, str | None]]  # the text typed and, for names and typos, the name meant
    timings: list[float] = field(default_factory=list)
    found: int = 0
    tried: int = 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def person(rng: random.Random, used_phones: set[str]) -> tuple[Seeded, dict]:
    """One customer as a rep would have typed them in: the Seeded record and customers.add's fields."""
    draw = rng.random()
    if draw < 0.45:
        surname, _ = rng.choice(SURNAMES)
        given = "".join(rng.choice(GIVEN)[0] for _ in range(rng.choice((1, 2, 2))))
        seeded = Seeded(surname + given, "zh", surname)
    elif draw < 0.7:
        _, surname = rng.choice(SURNAMES)
        given = "".join(rng.choice(GIVEN)[1] for _ in range(rng.choice((1, 1, 2)))).capitalize()
        seeded = Seeded(f"{surname} {given}" if rng.random() < 0.8 else f"{given} {surname}", "pinyin", surname)
    else:
        surname = rng.choice(ENGLISH_LAST)
        seeded = Seeded(f"{rng.choice(ENGLISH_FIRST)} {surname}", "en", surname)
    fields: dict = {}
    draw = rng.random()
    if draw < 0.35:
        fields["company"] = f"{rng.choice(CITIES)}{rng.choice(CN_WORDS)}{rng.choice(CN_TRADES)}有限公司"
    elif draw < 0.6:
        fields["company"] = " ".join(filter(None, (rng.choice(EN_WORDS), rng.choice(EN_TRADES),
                                                   rng.choice(EN_SUFFIX))))
    if rng.random() < 0.85:
        while True:
            phone = (f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else
                     f"+1{rng.choice(['415', '212', '646', '310'])}{rng.randrange(2, 10)}{rng.randrange(10**6):06d}")
            if phone not in used_phones:
                break
        used_phones.add(phone)
        fields["phone"] = seeded.phone = phone
    if rng.random() < 0.35:
        local = (seeded.name.lower().replace(" ", ".") if seeded.script != "zh"
                 else f"{rng.randrange(10**5, 10**10)}")
        fields["email"] = f"{local}@{rng.choice(MAIL_HOSTS)}"
    if rng.random() < 0.3:
        fields["wechat"] = f"wxid_{rng.randrange(16**8):08x}"
    return seeded, fields


async def seed(url: str, *, count: int) -> tuple[Actor, list[Seeded]]:
    """A team, a manager and 20 reps; `count` customers spread over the reps, added as /add adds them."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    rng = random.Random(9)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    used_phones: set[str] = set()
    async with sessions() as session, session.begin():
        team = Team(name="Bench", currency="CNY", is_default=True, created_at=now)
        session.add(team)
        await session.flush()
        people = [User(tg_id=60_000_000 + i, team_id=team.id, role=Role.MANAGER if i == 0 else Role.REP,
                       name=f"User {i}", created_at=now) for i in range(21)]
        session.add_all(people)
        await session.flush()
        manager = Actor(user_id=people[0].id, team_id=team.id, role=Role.MANAGER)  # type: ignore[arg-type]
        reps = [Actor(user_id=user.id, team_id=team.id, role=Role.REP) for user in people[1:]]  # type: ignore[arg-type]
    book: list[Seeded] = []
    for start in range(0, count, BATCH):
        async with sessions() as session, session.begin():
            for _ in range(min(BATCH, count - start)):
                seeded, fields = person(rng, used_phones)
                added = await customers.add(session, actor=rng.choice(reps), now=now, name=seeded.name, **fields)
                seeded.id = added.id  # type: ignore[assignment]
                book.append(seeded)
    if engine.dialect.name == "postgresql":
        # fresh statistics, as autovacuum would have them after a bulk load
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    return manager, book


def swap_typo(rng: random.Random, word: str) -> str:
    """Two neighbouring letters swapped, as thumbs do (`wang` → `wnag`)."""
    while True:
        i = rng.randrange(len(word) - 1)
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if typo.lower() != word.lower():
            return typo


def queries(book: list[Seeded], per_kind: int) -> dict[str, Kind]:
    """What reps type, drawn from the seeded book so each kind has something to find (or, for a miss, not)."""
    rng = random.Random(13)
    latin = [c for c in book if c.script != "zh"]
    chinese = [c for c in book if c.script == "zh" and len(c.name) == 3 and len(c.surname) == 1]
    phoned = [c for c in book if c.phone]
    kinds = {
        "exact name": Kind([(c.name, c.name) for c in rng.sample(book, per_kind)]),
        "name prefix": Kind([(c.surname[:rng.choice((3, 4))], None)
                             for c in rng.sample([c for c in latin if len(c.surname) >= 4], per_kind)]),
        "last 4 digits": Kind([(c.phone[-4:], None) for c in rng.sample(phoned, per_kind)]),  # type: ignore[index]
        "typo": Kind([]),
        "Chinese typo": Kind([]),
        "1-2 letters": Kind([(rng.choice((c.surname[:1], c.surname[:2], c.name[:1])).lower(), None)
                             for c in rng.sample(book, per_kind)]),
        "miss": Kind([(MISSES[i % len(MISSES)], None) for i in range(per_kind)]),
    }
    for c in rng.sample([c for c in latin if len(c.surname) >= 4], per_kind):
        # a surname alone (`wnag`) or the whole name with the surname mistyped (`Jonhson Mary`)
        typo = swap_typo(rng, c.surname).lower()
        # meant: the surname alone is found in any customer of that surname
        kinds["typo"].queries.append((typo, c.surname) if rng.random() < 0.5 else
                                     (c.name.replace(c.surname, typo, 1), c.name))
    for c in rng.sample(chinese, per_kind):
        i = rng.choice((1, 2))
        kinds["Chinese typo"].queries.append((c.name[:i] + rng.choice(WRONG_CHARACTERS) + c.name[i + 1:], c.name))
    return kinds


async def timed(sessions, manager: Actor, reference: str) -> tuple[float, list[str]]:
    began = time.perf_counter()
    async with sessions() as session, session.begin():
        found = await customer_search.resolve(session, actor=manager, reference=reference, limit=RESULTS)
    return time.perf_counter() - began, [customer.name.lower() for customer in found]


async def timed_point(sessions, manager: Actor, customer_id: int) -> float:
    began = time.perf_counter()
    async with sessions() as session, session.begin():
        await customers.get_visible(session, actor=manager, customer_id=customer_id)
    return time.perf_counter() - began


async def measure(url: str, manager: Actor, book: list[Seeded], *, per_kind: int, rounds: int,
                  ) -> tuple[dict[str, Kind], list[float]]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    kinds = queries(book, per_kind)
    baseline: list[float] = []
    rng = random.Random(17)
    await timed(sessions, manager, "warm up")
    for _ in range(rounds):
        # kinds interleaved, so a busy moment on the machine falls on all of them alike
        for i in range(per_kind):
            for kind in kinds.values():
                reference, meant = kind.queries[i]
                seconds, found = await timed(sessions, manager, reference)
                kind.timings.append(seconds)
                if meant is not None:
                    kind.tried += 1
                    kind.found += any(meant.lower() in name.split() or meant.lower() == name for name in found)
            baseline.append(await timed_point(sessions, manager, rng.choice(book).id))
    await engine.dispose()
    return kinds, baseline


async def run_one(url: str, *, count: int, per_kind: int, rounds: int) -> list[str]:
    """One database's run; returns the goals it missed."""
    await asyncio.to_thread(upgrade, url)
    began = time.perf_counter()
    manager, book = await seed(url, count=count)
    print(f"  added {count:,} customers through storage.customers.add in {time.perf_counter() - began:.1f} s")
    kinds, baseline = await measure(url, manager, book, per_kind=per_kind, rounds=rounds)
    base = statistics.median(baseline)
    print(f"  baseline, a customer by id (indexed): p50 {base * 1000:.2f} ms, "
          f"p99 {percentile(baseline, .99) * 1000:.2f} ms")
    print(f"  {'kind':<14} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9} {'p99/base':>9}  found meant")
    failed = []
    for name, kind in kinds.items():
        p50, p99 = statistics.median(kind.timings), percentile(kind.timings, .99)
        found = f"{kind.found}/{kind.tried}" if kind.tried else ""
        print(f"  {name:<14} {p50 * 1000:8.1f} {p99 * 1000:8.1f} {p50 / base:9.1f} {p99 / base:9.1f}  {found}")
        if p99 >= GOAL_P99:
            failed.append(f"{name}: p99 {p99 * 1000:.0f} ms (goal < {GOAL_P99 * 1000:.0f} ms)")
        if kind.tried and kind.found < GOAL_FOUND * kind.tried:
            failed.append(f"{name}: found the name meant {kind.found}/{kind.tried} "
                          f"(goal ≥ {GOAL_FOUND:.0%})")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process)")
    return failed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=25, help="distinct queries per kind")
    parser.add_argument("--rounds", type=int, default=4, help="times each query is run")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(f"{args.customers:,} customers in one team, searched by its manager; "
          f"{args.queries} queries per kind × {args.rounds} rounds")
    sizes = {"count": args.customers, "per_kind": args.queries, "rounds": args.rounds}
    return await on_each_database(lambda url: run_one(url, **sizes), args.only)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
