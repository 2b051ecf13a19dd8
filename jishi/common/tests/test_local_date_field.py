"""The date field every app's forms use: dates as people type them on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from jishi.common.fields import LocalDateField


class DayForm(forms.Form):
    day = LocalDateField(label="日期")
    visited_on = LocalDateField(label="走访日期", error_messages={"required": "请填写走访日期"})


@pytest.mark.parametrize("typed", ["2026-01-05", "２０２６/１/５", "2026.1.5", " 2026-1-5 "])
def test_dates_typed_many_ways_are_read(typed: str) -> None:
    form = DayForm({"day": typed, "visited_on": "2026-11-28"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2026, 1, 5)


@pytest.mark.parametrize("typed", ["十一月", "2026-13-01", "99999999-01-01", "2026-02-30"])
def test_what_is_no_date_is_a_form_error(typed: str) -> None:
    form = DayForm({"day": typed, "visited_on": "2026-11-28"})
    assert not form.is_valid()
    assert form.errors["day"] == ["日期格式应为 2026-11-28"]


def test_a_fields_own_required_message_wins() -> None:
    form = DayForm({})
    assert not form.is_valid()
    assert form.errors["day"] == ["请填写日期"]
    assert form.errors["visited_on"] == ["请填写走访日期"]
