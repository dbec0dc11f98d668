"""Reading a /log line: the customer reference, the channel word, the note, and a past time phrase.

`/log #12 visit yesterday 15:00: met at the expo` and `/log #12 昨天拜访：…` log in the past: a time phrase
after the reference, before or after the channel word and before the colon, is when it took place.
Channels are the stored channel names as plain strings (bot/rules/channels.py), as this pure module cannot
import storage.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.rules.channels import DEFAULT, read_channel, trailing_word
from bot.rules.oneliners import ID_REFERENCE, split_note, split_reference
from bot.rules.refusal import Refusal
from bot.rules.when import When, suffix_when


def parse_log(text: str) -> tuple[str, str | None, str | None]:
    """'#12 visit: note' → ('#12', 'visit', 'note'); '王伟拜访' → ('王伟', 'visit', None).

    The channel is None when the rep must be asked: nothing after the reference, or an unknown word
    where the channel goes ('#12 party: ate' keeps 'party: ate' as the note). See bot/rules/channels.py.
    """
    text = text.strip()
    head, note = split_note(text)
    reference, _ = split_reference(head)
    if not reference:
        raise Refusal("log.usage", word="")
    if ID_REFERENCE.match(head):
        channel, note = read_channel(text[len(reference):])
    elif found := trailing_word(reference):
        reference, word = found
        channel = word.channel
        if word.in_note:  # "王伟 吃饭：聊了价格": the meal is part of the note
            note = text[len(reference):].strip()
    else:
        channel = DEFAULT if note else None
    return reference, channel or None, note


def peel_time(text: str, now: datetime, tz: ZoneInfo) -> tuple[str, When | None, str]:
    """'#12 visit yesterday 15:00: met' → ('#12 visit: met', When, 'yesterday 15:00'); '#12 昨天拜访：谈了' →
    ('#12 拜访: 谈了', When, '昨天'); no time → (text, None, '').

    After a name the time needs a space before it ('李明天' stays a name). Without a colon the time is read
    only when nothing but the reference and a channel word is left: '#12 will send it tomorrow' is a note."""
    head, note = split_note(text)
    found = trailing_word(head)
    body = found[0] if found else head
    tail = head[len(body):] if body != head and head.startswith(body) else ""
    for part, after in [(head, ""), (body, tail)][: 2 if tail else 1]:
        found = suffix_when(part, now, tz)
        if found is None or found[1].repeat is not None:
            continue
        before, phrase = part[:found[0]], part[found[0]:]
        if not (ID_REFERENCE.match(before) or before[-1:].isspace() or phrase[:1].isspace()):
            continue  # '李明天' is a name, not 李 and tomorrow
        rebuilt = f"{before.strip()} {after.strip()}".strip() + (f": {note}" if note is not None else "")
        try:
            if note is None and parse_log(rebuilt)[2] is not None:
                continue
        except Refusal:
            continue
        return rebuilt, found[1], phrase.strip()
    return text, None, ""
