from storage.models import Role, Customer
from tests import builders
from tests.harness import Harness, texts


def show(label, msgs):
    print(f"\n=== {label}")
    for m in msgs:
        print(f"[{m.message_id}{' edited' if m.edited else ''} chat={m.chat_id}] {m.text}")
        for row in m.buttons:
            print("   ", [(b.text, b.callback_data) for b in row])


async def test_scratch(harness: Harness) -> None:
    mona = await harness.member(Role.MANAGER, name="Mona", language="zh-hans")
    s = harness.stranger(language="zh-hans")
    for text in ["/start join_", "/start join_" + "a" * 60, "/start join_x y", "/start setup_abc", "/start c_abc",
                 "/start 😀", "➕ 添加客户", "/invite rep"]:
        show(text, await harness.send(s, text))
    inv = await harness.send(mona, "/invite REP")
    show("invite", inv)
    show("invite admin", await harness.send(mona, "/invite admin"))
    show("invite 经理", await harness.send(mona, "/invite 经理"))
    import re
    token = re.search(r"join_([A-Za-z0-9_-]+)", inv[0].text).group(1)
    show("join", await harness.send(s, f"/start join_{token}"))
    show("join again", await harness.send(s, f"/start join_{token}"))
    s2 = harness.stranger()
    show("join used", await harness.send(s2, f"/start join_{token}"))
    show("joined /list", await harness.send(s, "/list"))
    show("joined /invite", await harness.send(s, "/invite rep"))
    show("mona group start", await harness.send(mona, f"/start join_{token}", chat_id=-100))
    show("stranger group start", await harness.send(s2, "/start", chat_id=-100))
    show("stranger group join", await harness.send(s2, f"/start join_{token}", chat_id=-100))
