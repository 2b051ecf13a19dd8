"""Data for 0002: each talk's head count becomes its first entry, and every check-in gets its
``name_key`` and its ``person_key`` under the identity rules of this version.

Identity: a name (folded, Simplified, without spaces, one middle dot for every dot typed in
it) with the unit text (as the name, without punctuation), or the same name from the same
phone. Check-ins of one talk that these rules say are one person were counted twice by the
old rule (the unit spelt differently the second time); they are folded into the first, which
keeps the branch member if only a later one had it. The rules are copied here, not imported,
so this migration does the same thing whatever the services say later.
"""

import hashlib
import unicodedata

from django.db import migrations

from jishi.common.text import search_key, strip_invisible

NAME_MAX = 32
_NAME_DOTS = str.maketrans(dict.fromkeys("·•‧・∙⋅.。", "·"))


def _clean(value):
    return strip_invisible(str(value or "")).replace("\x00", "").strip()


def _name_key(name):
    return "".join(search_key(_clean(name)).translate(_NAME_DOTS).split())[:NAME_MAX]


def _unit_key(text):
    folded = search_key(_clean(text))
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c)[0] not in "PS")


def _person_key(name, unit_text, device):
    if not name:
        return f"d:{device}"
    raw = f"{_name_key(name)}|{_unit_key(unit_text)}"
    return "n:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def head_counts(apps, schema_editor):
    Talk = apps.get_model("outreach", "Talk")
    HeadCount = apps.get_model("outreach", "HeadCount")
    HeadCount.objects.bulk_create(
        HeadCount(
            talk_id=talk.pk,
            count=talk.head_count,
            note="此前补录的人数",
            recorded_by_id=None,
            created_at=talk.ends_at,
        )
        for talk in Talk.objects.filter(head_count__gt=0).only("pk", "head_count", "ends_at")
    )


def identity(apps, schema_editor):
    CheckIn = apps.get_model("outreach", "CheckIn")
    BranchMember = apps.get_model("outreach", "BranchMember")
    for member in BranchMember.objects.all().only("pk", "branch_id", "name", "name_key"):
        key = _name_key(member.name)
        clash = (
            BranchMember.objects.filter(branch_id=member.branch_id, name_key=key)
            .exclude(pk=member.pk)
            .exists()
        )
        if key and key != member.name_key and not clash:
            BranchMember.objects.filter(pk=member.pk).update(name_key=key)
    talk_ids = CheckIn.objects.values_list("talk_id", flat=True).distinct().order_by("talk_id")
    for talk_id in talk_ids.iterator():
        kept: dict[str, object] = {}  # identity → the first check-in of that person
        for checkin in CheckIn.objects.filter(talk_id=talk_id).order_by("created_at", "id"):
            name_key = _name_key(checkin.name) if checkin.name else ""
            key = _person_key(checkin.name, checkin.unit_text, checkin.device_key)
            ids = [key]
            if name_key and checkin.device_key:
                ids.append(f"p:{name_key}|{checkin.device_key}")
            first = next((kept[i] for i in ids if i in kept), None)
            if first is None:
                for i in ids:
                    kept[i] = checkin
                CheckIn.objects.filter(pk=checkin.pk).update(person_key=key, name_key=name_key)
                continue
            if first.member_id is None and checkin.member_id is not None:
                first.member_id = checkin.member_id
                CheckIn.objects.filter(pk=first.pk).update(member_id=checkin.member_id)
            for i in ids:
                kept.setdefault(i, first)
            checkin.delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_head_count_entries_checkin_name_key")]

    operations = [
        migrations.RunPython(head_counts, migrations.RunPython.noop),
        migrations.RunPython(identity, migrations.RunPython.noop),
    ]
