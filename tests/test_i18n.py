"""Both catalogs have the same keys and the same placeholders."""

from __future__ import annotations

from bot.runtime.i18n import catalog, pick_language, placeholders, t


def test_catalogs_have_the_same_keys() -> None:
    english, chinese = catalog("en"), catalog("zh")
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []


def test_catalogs_have_the_same_placeholders() -> None:
    english, chinese = catalog("en"), catalog("zh")
    drift = {key: (placeholders(english[key]), placeholders(chinese[key]))
             for key in english if placeholders(english[key]) != placeholders(chinese.get(key, ""))}
    assert drift == {}


def test_language_choice_order() -> None:
    assert pick_language("en", "zh-hans", "zh") == "en"
    assert pick_language(None, "zh-hant", "en") == "zh"
    assert pick_language(None, "de", "zh") == "zh"
    assert pick_language(None, None, "en") == "en"


def test_missing_key_shows_the_key_not_a_crash() -> None:
    assert t("en", "no.such.key") == "no.such.key"
