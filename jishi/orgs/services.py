"""Every write to the unit tree and to posts. Each change to a unit leaves a ``UnitChange``."""

from __future__ import annotations

from django.db import transaction

from jishi.common.errors import InvalidInput
from jishi.orgs.models import Post, Role, Unit, UnitChange, UnitKind, User


def _snapshot(unit: Unit) -> dict[str, object]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "active": unit.active,
    }


@transaction.atomic
def unit_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    short_name: str = "",
    sort_order: int = 0,
) -> Unit:
    code, name = code.strip(), name.strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["编码不能为空"]
    elif Unit.objects.filter(code=code).exists():
        errors["code"] = [f"编码 {code} 已存在"]
    if not name:
        errors["name"] = ["名称不能为空"]
    if kind not in UnitKind.values:
        errors["kind"] = [f"未知的单位类型：{kind}"]
    if parent is None and kind != UnitKind.COUNTY:
        errors["parent"] = ["只有县可以没有上级单位"]
    if errors:
        raise InvalidInput("单位信息有误", errors=errors)
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        short_name=short_name,
        sort_order=sort_order,
    )
    unit.save()
    UnitChange.objects.create(unit=unit, actor=actor, action="create", after=_snapshot(unit))
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: User | None,
    unit: Unit,
    name: str | None = None,
    parent: Unit | None = None,
    active: bool | None = None,
) -> Unit:
    """Rename, move or (de)activate a unit. Moving rewrites the subtree's paths; cases and
    their events keep pointing at unit ids, so their history is untouched."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = _snapshot(unit)
    if parent is not None and parent.pk != unit.parent_id:
        if parent.is_within(unit):
            raise InvalidInput("不能把单位移到它自己的下级", errors={"parent": ["上级单位无效"]})
        old_path = unit.path
        unit.parent = parent
        unit.save()
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            new_path = unit.path + child.path[len(old_path) :]
            Unit.objects.filter(pk=child.pk).update(path=new_path, depth=new_path.count("/") - 2)
    if name is not None and name.strip() and name.strip() != unit.name:
        unit.name = name.strip()
        unit.save()
    if active is not None and active != unit.active:
        unit.active = active
        unit.save()
    after = _snapshot(unit)
    if after == before:
        return unit
    action = "move" if after["parent"] != before["parent"] else "update"
    UnitChange.objects.create(unit=unit, actor=actor, action=action, before=before, after=after)
    return unit


@transaction.atomic
def post_grant(*, actor: User | None, user: User, unit: Unit, role: str, title: str = "") -> Post:
    if role not in Role.values:
        raise InvalidInput("岗位无效", errors={"role": [f"未知岗位：{role}"]})
    post, created = Post.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"title": title}
    )
    if not created and not post.active:
        post.active = True
        post.save(update_fields=["active"])
    return post


@transaction.atomic
def post_end(*, actor: User | None, post: Post) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.active:
        post.active = False
        post.save(update_fields=["active"])
    return post
