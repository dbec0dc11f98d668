"""The pure rules of an import: which file kind, how a CSV is decoded and split, how headers map to fields,
and how a row becomes a customer's columns."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.import_file import CSV, VCF, XLSX, Table, decode, kind_of, read_table, separator_of
from bot.rules.import_rows import find_header, map_headers, read_customers, unguarded
from bot.rules.refusal import Refusal

TODAY = date(2026, 3, 2)
CHOICES = {"tier": {"vip": "vip", "优质": "quality"}, "source": {}, "kind": {}, "urgency": {}}


def test_kind_by_extension_then_mime_type() -> None:
    assert kind_of("客户.CSV", None) == CSV
    assert kind_of("book.xlsx", "application/octet-stream") == XLSX
    assert kind_of("contacts.vcf", None) == VCF
    assert kind_of("export", "text/csv") == CSV
    assert kind_of("book.xls", "application/vnd.ms-excel") is None
    assert kind_of("photo.jpg", "text/csv") is None


def test_decoding_utf8_bom_and_gbk() -> None:
    assert decode("\ufeff姓名\n张三".encode()) == "姓名\n张三"
    assert decode("姓名\n张三".encode("gbk")) == "姓名\n张三"
    assert decode("姓名\n𠀀".encode("gb18030")) == "姓名\n𠀀"
    with pytest.raises(Refusal):
        decode(b"name\x00\x01\x02")


def test_separator_is_the_one_the_header_uses_most() -> None:
    assert separator_of("name;phone;company, Inc") == ";"
    assert separator_of("name\tphone\tnotes, more") == "\t"
    assert separator_of("name,phone") == ","
    assert separator_of("name") == ","


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    table = read_table(CSV, b"\n\nname,phone\nWang,1\n\nLi,2\n")
    assert table.headers == ["name", "phone"]
    assert table.rows == [(4, ["Wang", "1"]), (6, ["Li", "2"])]


def test_headers_in_either_language_any_case_and_spacing() -> None:
    columns = map_headers([" 姓 名", "Mobile Phone", "E-MAIL", "lunar_birthday", "Fax", "name", ""])
    assert columns.by_index == {0: "name", 1: "phone", 2: "email", 3: "lunar_birthday"}
    assert columns.unknown == ["Fax", "name"]  # a second name column is ignored like an unknown one
    with pytest.raises(Refusal) as refused:
        map_headers(["phone", "company"])
    assert refused.value.key == "im.no_name_column"


def test_a_row_is_read_by_the_rules_of_add_and_edit() -> None:
    table = Table(["name", "phone", "tier", "tags", "birthday"], [
        (2, ["Wang", "138 0013 8000", "VIP", "#a, b, A", "lunar 1990-04-23"]),
        (3, ["Li", "+8613800138000", "", "", ""]),
        (4, ["Zhou", "", "优质", "", "2099-01-01"]),
        (5, ["", "", "", "", ""]),
    ])
    reading = read_customers(table, map_headers(table.headers), region="CN", today=TODAY, choices=CHOICES)
    assert reading.rows == 3
    assert reading.valid == [(2, {"name": "Wang", "phone": "+8613800138000", "tier": "vip", "tags": ",a,b,",
                                  "birthday": None, "lunar_birthday": "1990-04-23"})]
    assert reading.repeated == [3]
    assert [(number, refused.key) for number, refused in reading.invalid] == [(4, "edit.date_range")]


def test_the_header_row_may_come_after_a_title() -> None:
    table = read_table(CSV, "客户名单\n\n姓名,电话\n张三,13800138000\n".encode())
    found, columns = find_header(table)
    assert found.headers == ["姓名", "电话"] and found.rows == [(4, ["张三", "13800138000"])]
    assert columns.by_index == {0: "name", 1: "phone"}
    with pytest.raises(Refusal):
        find_header(read_table(CSV, b"phone\n13800138000\n"))


def test_the_apostrophe_an_export_puts_before_a_formula_is_dropped() -> None:
    assert unguarded("'=SUM(A1)") == "=SUM(A1)"
    assert unguarded("'@cmd") == "@cmd"
    assert unguarded("'-x") == "-x"
    assert unguarded("'+86 138") == "'+86 138"  # a phone is never guarded: this apostrophe is the text's own
    assert unguarded("'tis") == "'tis"
