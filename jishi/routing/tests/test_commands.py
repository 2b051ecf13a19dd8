"""router_train and router_eval on synthetic CSV files; the data-set loader's edge cases."""

from __future__ import annotations

import csv
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jishi.routing import datasets, text
from jishi.routing.models import RouterModel
from jishi.routing.tests.conftest import synthetic_corpus

TIPDM = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "tipdm2020"


def _write_raw(path: Path, seed: int) -> Path:
    texts, labels = synthetic_corpus(n_per_label=12, seed=seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        # Extra columns and a different order, as exported files have.
        writer.writerow(["id", "body", "label", "time", "subject"])
        for i, (body, label) in enumerate(zip(texts, labels, strict=True)):
            writer.writerow([i, body, label, "2020/1/6 12:09:38", body[:8]])
    return path


def _write_tokens(path: Path, seed: int) -> Path:
    texts, labels = synthetic_corpus(n_per_label=12, seed=seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "tokens"])
        for body, label in zip(texts, labels, strict=True):
            writer.writerow([label, " ".join(text.segment(body))])
    return path


def test_router_eval_prints_the_report_and_macro_f1_last(tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "router_eval",
        train=str(_write_tokens(tmp_path / "train.csv", 1)),
        test=str(_write_raw(tmp_path / "test.csv", 2)),
        format_train="tokens",
        format_test="raw",
        stdout=out,
    )
    lines = out.getvalue().rstrip("\n").split("\n")
    assert re.fullmatch(r"macro-F1 [01]\.\d{4}", lines[-1])
    assert float(lines[-1].split()[1]) > 0.9
    assert any(line.startswith("docs/s ") for line in lines)
    assert any("混淆矩阵" in line for line in lines)
    assert any("precision" in line and "recall" in line for line in lines)


def test_router_eval_names_test_rows_seen_in_training(tmp_path: Path) -> None:
    # The same file as training and test set: every row has its twin in training.
    same = _write_raw(tmp_path / "same.csv", 4)
    out = StringIO()
    call_command(
        "router_eval",
        train=str(same),
        test=str(same),
        format_train="raw",
        format_test="raw",
        stdout=out,
    )
    assert "注意：48 条测试文本在训练集中有几乎相同的文本" in out.getvalue()
    out = StringIO()
    call_command(
        "router_eval",
        train=str(_write_tokens(tmp_path / "train.csv", 1)),
        test=str(same),
        format_train="tokens",
        format_test="raw",
        exclude_overlap=True,
        stdout=out,
    )
    first = out.getvalue().split("\n", 1)[0]
    assert first.startswith("已从训练集去掉") or first.startswith("训练 ")
    assert re.fullmatch(r"macro-F1 [01]\.\d{4}", out.getvalue().rstrip("\n").split("\n")[-1])


def test_router_eval_reports_a_missing_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("label,words\n交通运输,公交车\n", encoding="utf-8")
    with pytest.raises(CommandError, match="tokens"):
        call_command("router_eval", train=str(bad), test=str(bad))


@pytest.mark.django_db
def test_router_train_from_a_file(tmp_path: Path, media: Path) -> None:
    out = StringIO()
    call_command(
        "router_train",
        data=str(_write_raw(tmp_path / "raw.csv", 3)),
        format="raw",
        activate=True,
        stdout=out,
    )
    model = RouterModel.objects.get()
    assert model.is_active and model.n_documents == 48
    assert model.version in out.getvalue()


@pytest.mark.django_db
def test_router_train_from_an_empty_ledger_says_why(media: Path) -> None:
    with pytest.raises(CommandError, match=r"训练数据|台账"):
        call_command("router_train", from_ledger=True)


def test_loader_accepts_a_byte_order_mark_and_skips_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(
        "\ufefflabel,tokens\n交通运输,公交车 拥堵\n,空标签\n环境保护,\n", encoding="utf-8"
    )
    data = datasets.load(path, "tokens")
    assert data.labels == ["交通运输"]
    assert data.tokens() == [["公交车", "拥堵"]]


@pytest.mark.skipif(
    not TIPDM.exists(), reason=f"tipdm2020 data not found at {TIPDM}; this check needs it"
)
def test_the_shared_files_load_by_header_name() -> None:
    raw = datasets.load(TIPDM / "labelled_raw_sample.csv", "raw")
    assert len(raw.raw) > 400 and len(set(raw.labels)) == 7
    with (TIPDM / "labelled_tokens.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "label,tokens"
