"""The /settings choices about when the bot writes: quiet hours, the morning digest, the team's contact cadence
and how long a customer's complaint may wait for its rep before the managers are told.

Only preset values are accepted from buttons (callback data is never trusted);
the cadence is the team's, so only managers and admins may change it — storage
checks the role again.
"""

from __future__ import annotations

from bot.outbound import digest
from bot.runtime.callbacks import Callback, Choice
from bot.runtime.keyboards import Rows
from bot.runtime.turn import Turn
from storage import audit, users
from storage.models import Team, Tier

# preset code → (start, end) in minutes after local midnight; equal means no quiet hours
QUIET_PRESETS = {"21-08": (21 * 60, 8 * 60), "22-07": (22 * 60, 7 * 60), "20-09": (20 * 60, 9 * 60), "off": (0, 0)}
CADENCE_CHOICES = (7, 14, 30, 60, 90)
COMPLAINT_HOURS = (8, 24, 48, 72)
TIERS = (Tier.VIP, Tier.QUALITY, Tier.REGULAR, Tier.PROSPECT)
MARK = "✓ "
# answered by settings.preferences, which takes every set:… button
QUIET = Callback("set:quiet", preset=Choice(*QUIET_PRESETS))
DIGEST = Callback("set:digest", switch=Choice("on", "off"))
CADENCE_PANEL = Callback("set:cad:list")
CADENCE = Callback("set:cad", tier=Choice(*TIERS), days=Choice(*CADENCE_CHOICES))
COMPLAINT_DEADLINE = Callback("set:cplh", hours=Choice(*COMPLAINT_HOURS))
MAIN_PANEL = Callback("set:back:main")  # from the cadence panel back to the settings



def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quiet_label(turn: Turn, start: int, end: int) -> str:
    return turn.t("settings.quiet_none") if start == end else f"{clock(start)}–{clock(end)}"


def summary_lines(turn: Turn, team: Team | None) -> list[str]:
    """Current values, for the panel's text; `team` (managers and admins) adds the cadence."""
    user = turn.user
    digest_text = (turn.t("settings.digest_on", time=clock(digest.digest_minutes(user.quiet_start, user.quiet_end)))
                   if user.digest_on else turn.t("settings.digest_off"))
    lines = [turn.t("settings.quiet", value=quiet_label(turn, user.quiet_start, user.quiet_end)),
             turn.t("settings.digest", value=digest_text)]
    if team is not None:
        lines.append(turn.t("settings.cadence", value=" · ".join(
            turn.t("settings.cadence_item", tier=turn.t(f"tier.{tier}"), days=days)
            for tier, days in ((tier, team.cadence()[tier]) for tier in TIERS))))
        lines.append(turn.t("settings.complaint_hours", hours=team.complaint_hours))
    return lines


def rows(turn: Turn, team: Team | None) -> Rows:
    """Quiet-hours presets, digest on/off and, for managers and admins (`team`), the cadence button and the
    complaint deadlines."""
    user = turn.user
    current = (user.quiet_start, user.quiet_end)
    presets = [((MARK if value == current or (value[0] == value[1] and current[0] == current[1]) else "")
                + quiet_label(turn, *value), QUIET.data(preset=code)) for code, value in QUIET_PRESETS.items()]
    keyboard = [presets[:2], presets[2:],
                [((MARK if user.digest_on else "") + turn.t("settings.digest_button_on"), DIGEST.data(switch="on")),
                 ((MARK if not user.digest_on else "") + turn.t("settings.digest_button_off"),
                  DIGEST.data(switch="off"))]]
    if team is not None:
        keyboard.append([(turn.t("settings.cadence_button"), CADENCE_PANEL.data())])
        mark = {hours: MARK if hours == team.complaint_hours else "" for hours in COMPLAINT_HOURS}
        keyboard.append([(mark[hours] + turn.t("settings.complaint_hours_button", hours=hours),
                          COMPLAINT_DEADLINE.data(hours=hours)) for hours in COMPLAINT_HOURS])
    return keyboard


def cadence_panel(turn: Turn, team: Team) -> tuple[str, Rows]:
    """One row per tier: the choices in days, the current one marked."""
    cadence = team.cadence()
    # the tier's name leads its row, on the first choice, so each row says what it sets
    keyboard = [[((MARK if cadence[tier] == days else "") + (f"{turn.t(f'tier.{tier}')} " if index == 0 else "")
                  + turn.t("settings.days_button", days=days), CADENCE.data(tier=tier, days=days))
                 for index, days in enumerate(CADENCE_CHOICES)] for tier in TIERS]
    keyboard.append([(turn.t("settings.back"), MAIN_PANEL.data())])
    lines = [turn.t("settings.cadence_title")] + [
        turn.t("settings.cadence_row", tier=turn.t(f"tier.{tier}"), days=cadence[tier]) for tier in TIERS]
    return "\n".join(lines), keyboard


async def rearm_digest(turn: Turn) -> None:
    """The digest time depends on the zone, the quiet hours and the switch: recompute it after any of them."""
    await turn.session.refresh(turn.user)
    at = await digest.rearm(turn.session, turn.user, turn.now, turn.settings)
    if at is not None:
        turn.wake(at)


async def choose(turn: Turn) -> bool:
    """Apply one of these buttons; True when the main panel should be redrawn, False when this already answered
    (any other data gets "not on offer")."""
    if button := QUIET.parse(turn.data):
        start, end = QUIET_PRESETS[button.preset]
        await users.set_quiet_hours(turn.session, user_id=turn.user.id, start=start, end=end)
        await rearm_digest(turn)
        turn.toast(turn.t("settings.quiet_set", value=quiet_label(turn, start, end)))
        return True
    if button := DIGEST.parse(turn.data):
        await users.set_digest(turn.session, user_id=turn.user.id, on=button.switch == "on")
        await rearm_digest(turn)
        turn.toast(turn.t(f"settings.digest_set_{button.switch}"))
        return True
    if CADENCE_PANEL.parse(turn.data):
        return await _cadence(turn, None)
    if button := CADENCE.parse(turn.data):
        return await _cadence(turn, (button.tier.value, button.days))
    if button := COMPLAINT_DEADLINE.parse(turn.data):
        return await _complaint_hours(turn, button.hours)
    turn.toast(turn.t("settings.bad_button"), alert=True)
    return False


async def _cadence(turn: Turn, chosen: tuple[str, int] | None) -> bool:
    """The cadence panel (`chosen` None), or a tier's new cadence in days."""
    if not turn.actor.sees_team:
        turn.toast(turn.t("settings.managers_only"), alert=True)
        return False
    team = await users.team_of(turn.session, turn.actor)
    if chosen is None:
        turn.edit(*cadence_panel(turn, team))
        return False
    tier, days = chosen
    old = team.cadence()[tier]
    if not await users.set_cadence(turn.session, actor=turn.actor, tier=tier, days=days):
        turn.toast(turn.t("settings.managers_only"), alert=True)
        return False
    await audit.record(turn.session, actor=turn.actor, action="team.cadence", now=turn.now, tier=tier, old=old,
                       new=days)
    await turn.session.refresh(team)
    turn.edit(*cadence_panel(turn, team))
    turn.toast(turn.t("settings.cadence_set", tier=turn.t(f"tier.{tier}"), days=days))
    return False


async def _complaint_hours(turn: Turn, hours: int) -> bool:
    """How long new complaints may wait for the rep; those already filed keep their deadline."""
    team = await users.team_of(turn.session, turn.actor) if turn.actor.sees_team else None
    if team is None or not await users.set_complaint_hours(turn.session, actor=turn.actor, hours=hours):
        turn.toast(turn.t("settings.managers_only"), alert=True)
        return False
    await audit.record(turn.session, actor=turn.actor, action="team.complaint_hours", now=turn.now,
                       old=team.complaint_hours, new=hours)
    await turn.session.refresh(team)
    turn.toast(turn.t("settings.complaint_hours_set", hours=hours))
    return True
