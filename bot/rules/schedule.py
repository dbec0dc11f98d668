"""Pure time rules: quiet hours and local wall-clock times.

Stored times are aware UTC; these helpers take the person's zone and
work on local wall time, so a DST change moves nothing a person set.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def minutes_of(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def in_quiet_hours(local: datetime, start: int, end: int) -> bool:
    """`start`/`end` are minutes after midnight; the window may wrap midnight; start == end means none."""
    if start == end:
        return False
    now = minutes_of(local)
    if start < end:
        return start <= now < end
    return now >= start or now < end


def out_of_quiet_hours(moment: datetime, zone: ZoneInfo, start: int, end: int) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in (as UTC)."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(local, start, end):
        return moment.astimezone(UTC)
    end_day = local.date()
    if minutes_of(local) >= end and start > end:
        end_day += timedelta(days=1)  # in the evening part of a window that wraps midnight
    return local_time_on(end_day, end, zone)


def local_time_on(day, minutes: int, zone: ZoneInfo) -> datetime:  # noqa: ANN001
    """UTC of a wall-clock time on a local day (a time skipped by DST lands just after the gap)."""
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    # round-trip through UTC normalises a non-existent wall time (spring forward)
    return wall.astimezone(UTC)


def next_local_time(after: datetime, zone: ZoneInfo, minutes: int) -> datetime:
    """The first moment strictly after `after` whose local wall time is `minutes` after midnight (UTC)."""
    day = after.astimezone(zone).date()
    candidate = local_time_on(day, minutes, zone)
    if candidate <= after:
        candidate = local_time_on(day + timedelta(days=1), minutes, zone)
    return candidate


def local_day_bounds(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of the local day that contains `moment`."""
    day = moment.astimezone(zone).date()
    return local_time_on(day, 0, zone), local_time_on(day + timedelta(days=1), 0, zone)
