from __future__ import annotations

import pytest

from jishi.reviews.imports import items_import
from jishi.reviews.models import ServiceItem, ServicePoint
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

HEADER = "事项编码,事项名称,主管单位编码,办理窗口\n"


def test_clean_file_is_imported(county: County, point: ServicePoint) -> None:
    data = (HEADER + "JT-1,道路运输证,D02,W01\nＪＴ-2,驾驶员从业资格,D02,\n").encode("utf-8-sig")
    report = items_import(data=data, filename="items.csv")
    assert report.written and report.created == 2
    assert set(point.items.values_list("code", flat=True)) >= {"JT-1"}
    assert ServiceItem.objects.get(code="JT-2").owning_unit == county.transport


def test_every_bad_row_is_reported_and_nothing_written(county: County, point: ServicePoint) -> None:
    before = ServiceItem.objects.count()
    data = (HEADER + ",无编码,D02,\nJT-1,,D99,W77\nJT-1,重复,D02,\nJT-3,好的,D02,\n").encode()
    report = items_import(data=data, filename="items.csv")
    lines = [str(e) for e in report.errors]
    assert "第2行 事项编码：不能为空" in lines
    assert "第3行 事项名称：不能为空" in lines
    assert "第3行 主管单位编码：单位编码 D99 不存在" in lines
    assert "第3行 办理窗口：W77 不是已设置的服务窗口" in lines
    assert "第4行 事项编码：JT-1 与第3行重复" in lines
    assert not report.written and ServiceItem.objects.count() == before
    partial = items_import(data=data, filename="items.csv", good_rows_only=True)
    assert partial.written and partial.created == 1  # JT-3 alone


def test_file_errors(county: County) -> None:
    assert items_import(data=b"", filename="x.csv").errors
    assert items_import(data=b"a,b\n1,2\n", filename="x.csv").errors
