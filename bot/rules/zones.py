"""Reading a time zone as people type it: `Asia/Shanghai`, `new york`, `北京`, `UTC+8`, `东八区`.

An IANA name typed in any case is taken as is (`exact`); anything else is a guess the user confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

# cities and countries reps name, in English and Chinese; zoneinfo's own city names are matched too
PLACES = {
    "Asia/Shanghai": "china 中国 beijing 北京 北京时间 shanghai 上海 guangzhou 广州 shenzhen 深圳 hangzhou 杭州 "
                     "chengdu 成都 chongqing 重庆 wuhan 武汉 nanjing 南京 tianjin 天津 xian xi'an 西安 suzhou 苏州 "
                     "xiamen 厦门 qingdao 青岛 dalian 大连 shenyang 沈阳 harbin 哈尔滨 changsha 长沙 zhengzhou 郑州 "
                     "jinan 济南 hefei 合肥 fuzhou 福州 kunming 昆明 ningbo 宁波 dongguan 东莞 foshan 佛山 "
                     "urumqi 乌鲁木齐 lhasa 拉萨",
    "Asia/Hong_Kong": "hongkong 香港",
    "Asia/Macau": "macao 澳门",
    "Asia/Taipei": "taiwan 台湾 台北 臺北",
    "Asia/Singapore": "新加坡",
    "Asia/Kuala_Lumpur": "malaysia 马来西亚 吉隆坡",
    "Asia/Bangkok": "thailand 泰国 曼谷",
    "Asia/Ho_Chi_Minh": "vietnam 越南 hochiminh saigon 胡志明 西贡",
    "Asia/Jakarta": "indonesia 印尼 印度尼西亚 雅加达",
    "Asia/Manila": "philippines 菲律宾 马尼拉",
    "Asia/Tokyo": "japan 日本 东京 osaka 大阪",
    "Asia/Seoul": "korea southkorea 韩国 首尔",
    "Asia/Kolkata": "india 印度 delhi newdelhi 新德里 mumbai bombay 孟买 bangalore 班加罗尔",
    "Asia/Dubai": "uae 阿联酋 迪拜 abudhabi 阿布扎比",
    "Europe/London": "uk britain england 英国 伦敦",
    "Europe/Paris": "france 法国 巴黎",
    "Europe/Berlin": "germany 德国 柏林 frankfurt 法兰克福 munich 慕尼黑",
    "Europe/Moscow": "russia 俄罗斯 莫斯科",
    "Europe/Madrid": "spain 西班牙 马德里",
    "Europe/Rome": "italy 意大利 罗马 milan 米兰",
    "Europe/Amsterdam": "netherlands holland 荷兰 阿姆斯特丹",
    "America/New_York": "newyork nyc 纽约 washington 华盛顿 boston 波士顿",
    "America/Los_Angeles": "losangeles la 洛杉矶 sanfrancisco sf 旧金山 seattle 西雅图",
    "America/Chicago": "芝加哥",
    "America/Toronto": "多伦多",
    "America/Vancouver": "温哥华",
    "America/Sao_Paulo": "brazil 巴西 saopaulo 圣保罗",
    "Australia/Sydney": "sydney 悉尼",
    "Australia/Melbourne": "墨尔本",
    "Pacific/Auckland": "newzealand 新西兰 奥克兰",
}
# a whole-hour offset a rep's market lives in, rather than the bare Etc/GMT zone; no summer time in any
BY_OFFSET = {
    (8, 0): "Asia/Shanghai", (9, 0): "Asia/Tokyo", (7, 0): "Asia/Bangkok", (5, 30): "Asia/Kolkata",
    (4, 0): "Asia/Dubai", (3, 0): "Europe/Moscow", (5, 45): "Asia/Kathmandu", (6, 30): "Asia/Yangon",
    (3, 30): "Asia/Tehran", (4, 30): "Asia/Kabul", (9, 30): "Australia/Darwin", (0, 0): "Etc/UTC",
}
OFFSET = re.compile(r"(?:utc|gmt|格林尼治|世界时)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
CHINESE_HOURS = {name: n for n, name in enumerate("零一二三四五六七八九十", 0)} | {"十一": 11, "十二": 12}
CHINESE_ZONE = re.compile(r"(?P<side>[东西])(?P<n>十[一二]?|[零一二三四五六七八九])区")


@dataclass(frozen=True)
class ZoneReading:
    zone: str
    exact: bool  # typed as its IANA name: set at once; a guess is offered with a button


def _squeeze(text: str) -> str:
    return re.sub(r"[\s_\-'’.]", "", text.lower())


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """IANA names by their lower case, and zones by a squeezed city or place name where only one zone has it."""
    zones = sorted(available_timezones())
    exact = {zone.lower(): zone for zone in zones}
    cities: dict[str, set[str]] = {}
    for zone in zones:
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(_squeeze(zone.rsplit("/", 1)[-1]), set()).add(zone)
    places = {city: next(iter(found)) for city, found in cities.items() if len(found) == 1}
    for zone, names in PLACES.items():
        places.update({_squeeze(name): zone for name in names.split()})
    return exact, places


def _by_offset(text: str) -> str | None:
    if match := CHINESE_ZONE.fullmatch(text):
        hours = CHINESE_HOURS[match["n"]]
        return _offset_zone(hours if match["side"] == "东" else -hours, 0)
    if (match := OFFSET.fullmatch(text)) is None:
        return None
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    return _offset_zone(-hours if match["sign"] == "-" else hours, minutes)


def _offset_zone(hours: int, minutes: int) -> str | None:
    if (hours, minutes) in BY_OFFSET:
        return BY_OFFSET[(hours, minutes)]
    if minutes or not -12 <= hours <= 14:
        return None
    # the POSIX sign convention: Etc/GMT-8 is eight hours AHEAD of UTC
    return f"Etc/GMT{-hours:+d}"


def read_zone(text: str) -> ZoneReading | None:
    """The zone meant by `text`; None when nothing fits (the caller says so and changes nothing)."""
    text = " ".join(text.split())
    if not text or len(text) > 64:
        return None
    exact, places = _names()
    if zone := exact.get(text.lower().replace(" ", "_")):
        return ZoneReading(zone, exact=True)
    lowered = text.lower()
    if lowered in ("utc", "gmt", "z"):
        return ZoneReading("Etc/UTC", exact=False)
    if zone := _by_offset(lowered.replace(" ", "")):
        return ZoneReading(zone, exact=False)
    squeezed = _squeeze(text)
    if zone := places.get(squeezed) or exact.get(text.lower().replace(" ", "_").replace("-", "_")):
        return ZoneReading(zone, exact=False)
    # "Beijing, China" or "北京时间" typed with extra words: the first that names a place
    for word in re.split(r"[\s,，/]+", lowered):
        if zone := places.get(_squeeze(word)):
            return ZoneReading(zone, exact=False)
    return None


def find_zone(text: str) -> str | None:
    """An IANA zone from what a person typed, exact or guessed."""
    reading = read_zone(text)
    return reading.zone if reading else None
