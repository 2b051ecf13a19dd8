"""The translation catalogues stay complete: every string the UI marks is in both, translated,
not fuzzy, with its placeholders, and compiled."""

from __future__ import annotations

from pathlib import Path

import pytest

from jishi.common import catalogues

LANGUAGES = catalogues.LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete(language: str) -> None:
    assert catalogues.problems(language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    assert catalogues.compiled_mismatches(language) == []


def test_catalogues_hold_every_string_of_the_source() -> None:
    if not catalogues.can_extract():
        pytest.skip("GNU gettext (xgettext) is not installed: cannot collect the source's strings")
    assert catalogues.stale() == []


# ---- the checks themselves ---------------------------------------------------------------

BAD_CATALOGUE = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#: a.py:1
msgid "已签收"
msgstr "Acknowledged"

msgid "待签收"
msgstr ""

#, fuzzy
#| msgid "重办 %(n)s"
msgid "重办 %(n)s 次"
msgstr "Reopened %(n)s×"

#, python-format
msgid "剩余 %(span)s"
msgstr "%(time)s left"

msgctxt "case event"
msgid "重办"
msgstr "Reopened"

#, python-format
msgid "共 %(total)s 件"
msgid_plural "共 %(total)s 件"
msgstr[0] "%(total)s case"
msgstr[1] ""

msgid "长的"
"说明"
msgstr ""
"A long "
"note with \"quotes\"\n"

#~ msgid "旧的"
#~ msgstr "Old"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "django.po"
    path.write_text(text, encoding="utf-8")
    return path


def test_reader_keeps_contexts_plurals_and_continued_lines(tmp_path: Path) -> None:
    entries = {e.name: e for e in catalogues.read_po(write(tmp_path, BAD_CATALOGUE))}
    assert entries["case event|重办"].msgstr == ["Reopened"]
    assert entries["共 %(total)s 件"].msgid_plural == "共 %(total)s 件"
    assert entries["共 %(total)s 件"].msgstr == ["%(total)s case", ""]
    assert entries["长的说明"].msgstr == ['A long note with "quotes"\n']
    assert entries["旧的"].obsolete and "fuzzy" in entries["重办 %(n)s 次"].flags


def test_each_kind_of_incompleteness_is_reported(tmp_path: Path) -> None:
    found = catalogues.problems("en", write(tmp_path, BAD_CATALOGUE))
    assert found == [
        "en: untranslated '待签收'",
        "en: fuzzy '重办 %(n)s 次'",
        "en: placeholders differ in '剩余 %(span)s': '%(time)s left'",
        "en: untranslated '共 %(total)s 件'",
        "en: obsolete entry '旧的'",
    ]


def test_a_complete_catalogue_has_no_problems(tmp_path: Path) -> None:
    complete = """
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#, python-format
msgid "剩余 %(span)s"
msgstr "%(span)s left"

#, python-format
msgid "已选择 %%s 张"
msgstr "%%s selected"
"""
    assert catalogues.problems("en", write(tmp_path, complete)) == []


def test_placeholders_ignore_a_literal_percent_sign() -> None:
    assert catalogues.placeholders("内容相似度 %(percent)d%%") == ["%(percent)d"]
    assert catalogues.placeholders("%s 和 %d") == ["%d", "%s"]
