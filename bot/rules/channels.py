"""How a rep was in touch, in the words reps type, in both languages: one table onto the five stored channels.

Words that only name the channel (`visit`, `拜访`, `微信`) are dropped from the note; words that read as
the start of the note (`visited the plant`, `lunch with the buyer`, `见了王总`) set the channel and stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# the stored channels (storage.models.Channel, which this pure module cannot import; a test holds them equal)
CHANNELS = ("call", "visit", "email", "message", "meeting")
DEFAULT = "call"


@dataclass(frozen=True)
class ChannelWord:
    channel: str
    in_note: bool = False  # the word is part of what happened: kept at the start of the note


def _words(channel: str, names: str, in_note: str = "") -> dict[str, ChannelWord]:
    table = {name: ChannelWord(channel) for name in names.split("|")}
    table.update({name: ChannelWord(channel, in_note=True) for name in in_note.split("|") if name})
    return table


WORDS: dict[str, ChannelWord] = {
    **_words("call", "call|phone|phone call|voice call|电话|打电话|通话|通电话|微信电话|语音电话",
             "called|rang|phoned|打了电话|通了电话|打过电话|回了电话"),
    **_words("visit", "visit|in person|拜访|上门|面谈|见面|面访|登门|走访",
             "visited|met|lunch|dinner|coffee|breakfast|见了|吃饭|请吃饭|吃了饭|喝茶|喝咖啡|饭局"),
    **_words("email", "email|e-mail|mail|邮件|电邮|发邮件", "emailed|mailed|发了邮件"),
    **_words("message", "message|msg|text|sms|wechat|weixin|whatsapp|消息|发消息|微信|短信|发短信|发微信|留言",
             "texted|messaged|wechatted|发了消息|发了微信|发了短信"),
    **_words("meeting", "meeting|video|video call|zoom|会议|开会|视频|视频会议|视频通话|微信视频|腾讯会议|线上会议",
             "开了会"),
}
# longest first, so "video call" wins over "video" and "打电话" over "电话"
LONGEST_FIRST = sorted(WORDS, key=len, reverse=True)
NOTE_START = re.compile(r"^[\s:：,，、;；\-–—]+")
NOTE_SEPARATOR = re.compile(r"(?<!\d)[:：]|[:：](?!\d)")  # as bot.rules.oneliners: "10:00" is not a separator


def channel_named(text: str) -> ChannelWord | None:
    """The channel a whole answer names ("微信", "WeChat", "video call"), or None."""
    return WORDS.get(" ".join(text.lower().split()))


def leading_word(text: str) -> tuple[ChannelWord, int] | None:
    """The channel word `text` starts with and its length. A Latin word must end there ("texting" is no
    "text"); a Chinese one may run on into the sentence ("电话里说…")."""
    lowered = text.lower()
    for phrase in LONGEST_FIRST:
        if lowered.startswith(phrase):
            after = text[len(phrase):len(phrase) + 1]
            if not phrase.isascii() or not after or not (after.isalnum() or after in "-_'"):
                return WORDS[phrase], len(phrase)
    return None


def trailing_word(head: str) -> tuple[str, ChannelWord] | None:
    """A channel word at the end of a name: 'Wang Wei visit' → ('Wang Wei', visit); '王伟拜访' → ('王伟', visit)."""
    lowered = head.lower()
    for phrase in LONGEST_FIRST:
        if lowered.endswith(phrase) and len(head) > len(phrase):
            before = head[: -len(phrase)]
            if phrase.isascii() and not before[-1].isspace():
                continue
            if before.strip():
                return before.strip(), WORDS[phrase]
    return None


def read_channel(body: str) -> tuple[str | None, str | None]:
    """What follows an #id, as typed: the channel and the note. None for the channel: ask the rep.

    'visit: showed the catalogue' → (visit, 'showed the catalogue'); 'lunch: price' → (visit, 'lunch: price');
    'called back' → (call, 'called back'); ': note' or a sentence with no channel word → (call, all of it);
    nothing → (None, None); an unknown word before a colon ('party: ate') or alone ('skype') → (None, as typed).
    """
    body = body.strip()
    colon = NOTE_SEPARATOR.search(body)
    slot = body[: colon.start()].strip() if colon else body
    if not slot:  # "#12: note", kept as typed after the colon
        note = body[colon.end():].strip() if colon else None
        return (DEFAULT if note else None), note or None
    found = leading_word(slot)
    if found is None:
        # a lone Latin word ("skype") is a channel the table lacks; a sentence is a note, and a call
        sentence = colon is None and not (slot.isascii() and len(slot.split()) == 1)
        return (DEFAULT if sentence else None), body
    word, length = found
    rest = body[length:]
    glued = bool(rest) and not NOTE_START.match(rest)  # "电话里说…": the word is part of the sentence
    if word.in_note or glued:
        return word.channel, body
    return word.channel, NOTE_START.sub("", rest) or None
