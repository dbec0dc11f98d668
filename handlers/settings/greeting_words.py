"""The words of a team's greetings, per occasion and language: the current text (the default or the team's)
with a preview filled for a sample customer from the manager, a new text typed and previewed before Save,
and Reset to the default. Managers and admins, for their own team."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.greeting_text import MAX_TEMPLATE, PLACEHOLDERS, unknown_placeholders
from bot.rules.occasions import BIRTHDAY, CUSTOM, HOLIDAY, NAMED, Occasion, builtin
from bot.runtime.callbacks import QUESTION, Callback, Choice, family
from bot.runtime.flows import close_dialogue, flow, open_dialogue
from bot.runtime.i18n import LANGUAGES, t
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn, turn
from bot.views.greeting_text import Worded, default_template, greeting_text
from handlers.settings.greetings import (
    KEY,
    OPEN,
    WORDS,
    allowed,
    close_flows,
    country_of,
    data_key,
    key_of,
    lines,
    name_of,
    row_label,
)
from storage import audit, dialogues, greeting_settings, users
from storage.dialogues import DialogueState

FLOW = "greet_text"
SHOW = Callback("gtext:show", key=KEY, lang=Choice(*LANGUAGES))
EDIT = Callback("gtext:edit", key=KEY, lang=Choice(*LANGUAGES))
RESET = Callback("gtext:reset", key=KEY, lang=Choice(*LANGUAGES))
CANCEL = Callback("gtext:cancel", key=KEY, lang=Choice(*LANGUAGES))
SAVE = Callback("gtext:save", question=QUESTION)


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_button, pattern=family("gtext"))]


def tg_id(turn: Turn) -> int:
    return turn.update.effective_user.id


async def occasion_for(turn: Turn, key: str) -> Occasion | None:
    """The occasion as the greetings are worded for it, if the presser's team has it; None (told) if not."""
    if key in NAMED:
        return builtin(key)
    if key == BIRTHDAY:
        return Occasion(key=BIRTHDAY)
    row = await greeting_settings.choice_of(turn.session, team_id=turn.actor.team_id, key=key)
    if row is not None and key.startswith(CUSTOM):
        return Occasion(key=key, name=row.name, month=row.month, day=row.day, lunar=row.lunar)
    if row is not None and key.startswith(HOLIDAY) and row.name:
        return Occasion(key=key, name=row.name, holiday=row.name)
    turn.toast(turn.t("greetset.gone"), alert=True)
    return None


async def list_screen(turn: Turn) -> tuple[str, Rows]:
    team = await users.team_of(turn.session, turn.actor)
    keyboard: Rows = []
    for line in await lines(turn, team):
        title = row_label(turn, line.own) if line.own else name_of(turn, line.occasion, country_of(turn, team))
        keyboard.append([(title, SHOW.data(key=data_key(line.occasion.key), lang=turn.lang))])
    keyboard.append([(turn.t("greetset.back"), OPEN.data())])
    return turn.t("greetset.words_title"), keyboard


async def preview(turn: Turn, occasion: Occasion, lang: str, template: str | None) -> str:
    """The greeting as a customer would read it: a sample customer, the manager as the rep, the team's name."""
    team = await users.team_of(turn.session, turn.actor)
    return greeting_text(lang, [Worded(occasion, template)], name=t(lang, "greetset.sample_name"),
                         rep=users.display_name(turn.user), company=team.name)


async def show_screen(turn: Turn, occasion: Occasion, lang: str, note: str | None = None) -> tuple[str, Rows]:
    own = await greeting_settings.template_of(turn.session, team_id=turn.actor.team_id, occasion=occasion.key,
                                              language=lang)
    team = await users.team_of(turn.session, turn.actor)
    text = ([note] if note else []) + [
        turn.t("greetset.words_of", occasion=name_of(turn, occasion, country_of(turn, team)),
               lang_name=turn.t(f"lang.{lang}")),
        turn.t("greetset.current_own" if own else "greetset.current_default"),
        own or default_template(lang, occasion), "",
        turn.t("greetset.preview"), await preview(turn, occasion, lang, own)]
    key = data_key(occasion.key)
    keyboard: Rows = [[(("✓ " if code == lang else "") + turn.t(f"lang.{code}"), SHOW.data(key=key, lang=code))
                       for code in LANGUAGES],
                      [(turn.t("greetset.edit_button"), EDIT.data(key=key, lang=lang))]]
    if own:
        keyboard[-1].append((turn.t("greetset.reset_button"), RESET.data(key=key, lang=lang)))
    keyboard.append([(turn.t("greetset.back"), WORDS.data())])
    return "\n".join(text), keyboard


@turn()
async def on_button(turn: Turn) -> None:
    """The list, an occasion's words in a language, New text, Save or Cancel it, Reset to the default."""
    if not allowed(turn):
        return
    if not SAVE.parse(turn.data):
        await close_flows(turn)  # a question whose message another screen replaced no longer takes text
    if WORDS.parse(turn.data):
        turn.edit(*await list_screen(turn))
        return
    if button := SAVE.parse(turn.data):
        await _save(turn, button.question)
        return
    button = SHOW.parse(turn.data) or EDIT.parse(turn.data) or RESET.parse(turn.data) or CANCEL.parse(turn.data)
    if button is None:
        turn.toast(turn.t("greetset.bad_button"), alert=True)
        return
    occasion = await occasion_for(turn, key_of(button.key))
    if occasion is None:
        return
    if EDIT.parse(turn.data):
        await dialogues.put(turn.session, tg_id=tg_id(turn), now=turn.now,
                            state=DialogueState(FLOW, "text", {"key": occasion.key, "lang": button.lang}))
        turn.edit(_ask(turn, occasion, button.lang), [[_cancel(turn, occasion.key, button.lang)]])
    elif RESET.parse(turn.data):
        if await greeting_settings.reset_template(turn.session, team_id=turn.actor.team_id, occasion=occasion.key,
                                                  language=button.lang):
            await audit.record(turn.session, actor=turn.actor, action="greetings.words_reset", now=turn.now,
                               key=occasion.key, language=button.lang)
        turn.edit(*await show_screen(turn, occasion, button.lang, turn.t("greetset.reset_done")))
    elif CANCEL.parse(turn.data):
        turn.edit(*await show_screen(turn, occasion, button.lang, turn.t("greetset.not_saved")))
    else:
        turn.edit(*await show_screen(turn, occasion, button.lang))


def _ask(turn: Turn, occasion: Occasion, lang: str) -> str:
    return turn.t("greetset.ask_text", lang_name=turn.t(f"lang.{lang}"), most=MAX_TEMPLATE,
                  placeholders=braced(turn, PLACEHOLDERS))


def braced(turn: Turn, names: list[str] | tuple[str, ...]) -> str:
    """'{name}, {rep}, {company}' ('{name}、{rep}、{company}' in Chinese)."""
    return turn.t("greetset.list_separator").join(f"{{{name}}}" for name in names)


def _cancel(turn: Turn, key: str, lang: str) -> tuple[str, str]:
    return turn.t("greetset.cancel_button"), CANCEL.data(key=data_key(key), lang=lang)


@flow(FLOW)
async def text_step(turn: Turn, state: DialogueState) -> None:
    """The new text: too long or with an unknown placeholder is refused (asked again); else previewed, not saved."""
    if not allowed(turn):
        await dialogues.clear(turn.session, tg_id=tg_id(turn))
        return
    key, lang = state.data["key"], state.data["lang"]
    occasion = await occasion_for(turn, key)
    if occasion is None:
        await dialogues.clear(turn.session, tg_id=tg_id(turn))
        turn.reply(turn.t("greetset.gone"))
        return
    text = turn.text
    unknown = unknown_placeholders(text)
    if len(text) > MAX_TEMPLATE:
        turn.reply(turn.t("greetset.text_too_long", most=MAX_TEMPLATE, length=len(text)), [[_cancel(turn, key, lang)]])
        return
    if unknown:
        turn.reply(turn.t("greetset.text_unknown", unknown=braced(turn, unknown),
                          placeholders=braced(turn, PLACEHOLDERS)),
                   [[_cancel(turn, key, lang)]])
        return
    asked = DialogueState(FLOW, "confirm", {"key": key, "lang": lang, "text": text})
    await dialogues.put(turn.session, tg_id=tg_id(turn), state=asked, now=turn.now)
    turn.reply("\n".join([turn.t("greetset.preview_new", lang_name=turn.t(f"lang.{lang}")),
                          await preview(turn, occasion, lang, text)]),
               [[(turn.t("greetset.save_button"), SAVE.data(question=asked.fingerprint())),
                 _cancel(turn, key, lang)]])


async def _save(turn: Turn, question: str) -> None:
    state = await open_dialogue(turn, FLOW, question)
    if state is None or state.step != "confirm" or not await close_dialogue(turn):
        return
    key, lang, text = state.data["key"], state.data["lang"], state.data["text"]
    occasion = await occasion_for(turn, key)
    if occasion is None:
        return
    await greeting_settings.set_template(turn.session, team_id=turn.actor.team_id, occasion=key, language=lang,
                                         text=text, user_id=turn.actor.user_id, now=turn.now)
    await audit.record(turn.session, actor=turn.actor, action="greetings.words", now=turn.now, key=key,
                       language=lang, text=text)
    turn.edit(*await show_screen(turn, occasion, lang, turn.t("greetset.saved")))
