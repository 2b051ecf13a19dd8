"""The picker of people: candidates by unit (``people_in``), labelled with their units."""

from __future__ import annotations

import pytest
from django import forms

from jishi.orgs.forms import PeopleField
from jishi.orgs.models import Post, Role, User
from jishi.orgs.selectors import area_of, people_in
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db


def test_people_in_a_unit_are_those_posted_there_or_below(
    county: County,
    township_handler: User,
    village_handler: User,
    other_township_handler: User,
    dept_handler: User,
) -> None:
    retired = make_person("cg_retired", county.chengguan, Role.HANDLER)
    Post.objects.filter(user=retired).update(active=False)
    gone = make_person("cg_gone", county.xijie, Role.HANDLER)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    # A second post elsewhere does not make a post in 石桥镇 count for 城关镇.
    Post.objects.create(user=retired, unit=county.shiqiao, role=Role.HANDLER)
    assert list(people_in([county.chengguan])) == [township_handler, village_handler]
    assert list(people_in([county.dongjie])) == [village_handler]
    assert set(people_in([county.dongjie, county.housing])) == {village_handler, dept_handler}
    assert set(people_in([county.shiqiao])) == {other_township_handler, retired}
    assert not people_in([]).exists()


def test_the_area_of_a_unit_is_its_township_or_department(county: County) -> None:
    assert area_of(county.dongjie) == county.chengguan
    assert area_of(county.chengguan) == county.chengguan
    assert area_of(county.housing) == county.housing
    assert area_of(county.county) == county.county


class PickForm(forms.Form):
    person = PeopleField(queryset=User.objects.none(), required=False)


def test_the_picker_offers_only_its_candidates_labelled_with_their_units(
    county: County, township_handler: User, village_handler: User, dept_handler: User
) -> None:
    Post.objects.create(user=village_handler, unit=county.xijie, role=Role.HANDLER)
    no_post = make_person("dj_secretary")
    form = PickForm()
    field = form.fields["person"]
    assert isinstance(field, PeopleField)
    field.queryset = people_in([county.chengguan]) | User.objects.filter(pk=no_post.pk)
    labels = [label for _, label in list(field.choices)][1:]  # type: ignore[arg-type]
    assert labels == ["cg_handler（城关镇）", "dj_handler（东街社区、西街社区）", "dj_secretary"]
    html = str(form["person"])
    assert "zj_handler" not in html  # not a candidate, not an option
    # Someone else is no choice.
    bound = PickForm({"person": str(dept_handler.pk)})
    bound.fields["person"].queryset = people_in([county.chengguan])  # type: ignore[attr-defined]
    assert not bound.is_valid()


def test_offering_narrows_the_options_not_what_is_accepted(
    county: County, township_handler: User, dept_handler: User
) -> None:
    form = PickForm({"person": str(dept_handler.pk)})
    field = form.fields["person"]
    assert isinstance(field, PeopleField)
    field.queryset = people_in([county.county])
    field.offer(people_in([county.chengguan]))
    html = str(form["person"])
    assert "cg_handler（城关镇）" in html and "zj_handler" not in html
    assert form.is_valid() and form.cleaned_data["person"] == dept_handler
