"""Unit pickers validated and listed from the in-memory unit table."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils import translation

from jishi.orgs.forms import UnitField
from jishi.orgs.models import UnitKind
from jishi.testing.fixtures import County, unit_made_elsewhere


class PlaceForm(forms.Form):
    township = UnitField(kinds=[UnitKind.TOWNSHIP], error_messages={"invalid_choice": "请选择乡镇"})
    village = UnitField(kinds=[UnitKind.VILLAGE], required=False)
    former = UnitField(kinds=[UnitKind.TOWNSHIP], required=False, active_only=False)


def township_choices() -> list[tuple[Any, str]]:
    field = PlaceForm().fields["township"]
    assert isinstance(field, UnitField)
    return list(field.choices)  # type: ignore[arg-type]


def clean(data: dict[str, Any]) -> PlaceForm:
    form = PlaceForm(data)
    form.is_valid()
    return form


@pytest.mark.django_db
class TestUnitField:
    def test_a_known_unit_is_accepted_without_a_query(
        self, county: County, django_assert_num_queries: Any
    ) -> None:
        clean({"township": county.chengguan.pk})  # the first read fills the table
        with django_assert_num_queries(0):
            form = clean({"township": county.chengguan.pk, "village": county.dongjie.pk})
        assert form.cleaned_data == {
            "township": county.chengguan,
            "village": county.dongjie,
            "former": None,
        }

    @pytest.mark.parametrize(
        "value", ["abc", "1.5", "99999999", "１２３４５６７８", "9" * 40, "-1", " ", "1e3", "\x00"]
    )
    def test_not_a_unit(self, county: County, value: str) -> None:
        form = clean({"township": value})
        assert form.errors["township"] == ["请选择乡镇"]
        assert "township" not in form.cleaned_data

    def test_required(self, county: County) -> None:
        assert "township" in clean({"township": ""}).errors

    def test_a_unit_of_another_kind_is_refused(self, county: County) -> None:
        form = clean({"township": county.dongjie.pk, "village": county.chengguan.pk})
        assert form.errors["township"] == ["请选择乡镇"]
        assert "village" in form.errors

    def test_full_width_digits_are_digits(self, county: County) -> None:
        full_width = "".join(chr(ord(d) + 0xFEE0) for d in str(county.chengguan.pk))
        assert clean({"township": full_width}).cleaned_data["township"] == county.chengguan

    def test_an_inactive_unit_only_where_former_units_are_allowed(self, county: County) -> None:
        county.shiqiao.active = False
        county.shiqiao.save()
        form = clean({"township": county.shiqiao.pk, "former": county.shiqiao.pk})
        assert form.errors["township"] == ["请选择乡镇"]
        assert form.cleaned_data["former"] == county.shiqiao

    def test_a_unit_the_table_does_not_know_yet_is_found_in_the_database(
        self, county: County
    ) -> None:
        clean({"township": county.chengguan.pk})
        # Created by another process: no signal reaches this one's table.
        new = unit_made_elsewhere("T09", "新设镇", UnitKind.TOWNSHIP, county.county)
        assert clean({"township": new.pk}).cleaned_data["township"] == new

    def test_choices_in_tree_order_and_the_readers_script(self, county: County) -> None:
        county.chengguan.name_traditional = "城關鎮"
        county.chengguan.save()
        assert [label for _, label in township_choices()] == [
            "---------",
            "城关镇",
            "石桥镇",
        ]
        with translation.override("zh-hant"):
            labels = [label for _, label in township_choices()]
        assert labels[1] == "城關鎮"
