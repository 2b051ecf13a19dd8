"""The hand-written fast paths beside the library paths they stand in for, in one run.

Each sub-bench runs the library path and the hand-written one side by side, interleaved in
the same process (or, for seeding, alternating child processes in A-B-B-A order), and prints
``library X ms, hand-written Y ms, ratio Z`` (ratio = library ÷ hand-written: above 1 the
hand-written path is faster) and a verdict: the hand-written path earns its keep only with
a clear win, at least ``KEEP_RATIO``× on the measure users wait for.

* ``ledger``: 台账 rows, 50 a page over a ledger of ``--cases`` (100,000) cases — the rows
  written by ``jishi/cases/ledger_html.py`` against the same rows through a Django template;
  the page as a whole (in-process requests through every middleware) and the rows alone.
* ``forms``: the global ``FORM_RENDERER`` override (``jishi.common.widgets.FormRenderer``)
  against Django's own ``DjangoTemplates`` renderer, on the pages with the longest selects:
  a dispatcher's case page (category, lead unit and assisting units pickers) and the 台账.
* ``rows``: ``jishi/cases/rows.py`` (prepared INSERT/UPDATE statements) against the ORM
  (``bulk_create``, ``save(force_insert=True)``, ``save(update_fields=…)``): the demo seed of
  ``--seed-cases`` (10,000) cases through the real services in fresh databases, and single
  intakes, each its own transaction, interleaved in one database.
* ``router``: the router's ``TextClassifier`` against a scikit-learn ``Pipeline``
  (``TfidfVectorizer`` over the project's tokens and n-grams → ``CalibratedClassifierCV`` of
  the same ``LinearSVC``), saved with joblib: fit time, top-1/top-3 accuracy, latency of one
  prediction and of a batch of 20, artifact size and load time. Reads the public tipdm2020
  data from ``--data`` (never copied into the project).

The machine is shared: wall-clock figures swing, the ratios of interleaved runs much less.
Run each sub-bench a couple of times and compare ratios. Usage::

    .venv/bin/python bench/fastpaths.py [ledger forms rows router] [--db sqlite|postgres]
        [--cases 100000] [--reuse] [--repeat 30] [--seed-cases 10000] [--data DIR]
"""

from __future__ import annotations

import os

# One core for the numerical work: no BLAS or OpenMP threads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import io
import json
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The hand-written path must beat the library by this much on what users wait for.
KEEP_RATIO = 1.5
SHARED = Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data"))
PG_ADMIN_URL = os.environ.get("JISHI_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


# --- reporting ------------------------------------------------------------------------------


def compare(what: str, library_ms: float, handwritten_ms: float, unit: str = "ms") -> float:
    """Print one side-by-side line; returns library ÷ hand-written."""
    ratio = library_ms / handwritten_ms if handwritten_ms else float("inf")
    print(
        f"  {what}: library {library_ms:.2f} {unit}, hand-written {handwritten_ms:.2f} {unit}, "
        f"ratio {ratio:.2f}"
    )
    return ratio


def verdict(name: str, ratio: float, measure: str) -> None:
    if ratio >= KEEP_RATIO:
        word = f"hand-written wins clearly ({ratio:.2f}× on {measure}): keep it"
    elif ratio >= 1:
        word = (
            f"hand-written is only {ratio:.2f}× faster on {measure} (< {KEEP_RATIO}×): "
            "the library path is enough"
        )
    else:
        word = f"the library path is faster ({1 / ratio:.2f}× on {measure}): use it"
    print(f"  verdict ({name}): {word}")


def interleaved(
    variants: dict[str, Callable[[], object]], repeat: int, warmup: int = 3
) -> dict[str, list[float]]:
    """Milliseconds per call of each variant, the variants taking turns (the order flipping
    every round) so a neighbour's burst of work falls on both alike."""
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeat):
        for name in names if i % 2 == 0 else reversed(names):
            started = time.perf_counter()
            variants[name]()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def p50(values: Sequence[float]) -> float:
    return statistics.median(values)


def same_markup(a: str, b: str) -> str:
    """"yes", or where the two differ (whitespace between tags aside)."""
    squeeze = re.compile(r">\s+<")
    a, b = squeeze.sub("><", a).strip(), squeeze.sub("><", b).strip()
    if a == b:
        return "yes"
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"NO, from character {at}: {a[at - 40 : at + 60]!r} vs {b[at - 40 : at + 60]!r}"


# --- databases ------------------------------------------------------------------------------


def database_url(kind: str, name: str, *, fresh: bool) -> str:
    """The bench's own database (SQLite file in the temp directory, or a PostgreSQL
    database ``name``), emptied first when ``fresh``."""
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"{name}.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            forget_keys(f"sqlite:///{path}")
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            forget_keys(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def keys_for(url: str) -> dict[str, str]:
    """The secret and field keys of the bench database at ``url``: made with it, kept in a
    file beside it (the temp directory), so a later ``--reuse`` run decrypts what it wrote."""
    from cryptography.fernet import Fernet

    name = re.sub(r"[^A-Za-z0-9_.-]", "_", url.rsplit("/", 1)[-1])
    path = Path(tempfile.gettempdir()) / f"{name}.keys.json"
    if path.exists():
        keys: dict[str, str] = json.loads(path.read_text())
        return keys
    keys = {
        "JISHI_SECRET_KEY": secrets.token_urlsafe(50),
        "JISHI_FIELD_KEYS": Fernet.generate_key().decode(),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def forget_keys(url: str) -> None:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", url.rsplit("/", 1)[-1])
    (Path(tempfile.gettempdir()) / f"{name}.keys.json").unlink(missing_ok=True)


def child_env(url: str) -> dict[str, str]:
    """Production settings (debug off: cached templates, no query log) with keys of the
    database's own (the system check refuses the development keys outside debug)."""
    return {
        **os.environ,
        **keys_for(url),
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
        "JISHI_DEBUG": "",
        "JISHI_LOG_LEVEL": "ERROR",
    }


def run_child(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=child_env(url),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


# --- ledger rows ----------------------------------------------------------------------------

# The same markup as ``jishi.cases.ledger_html.rows_html``, as a template would write it.
ROWS_TEMPLATE = """{% load i18n jishi_ui masking %}\
{% translate "受理编号" as l_code %}{% translate "标题" as l_title %}\
{% translate "类型" as l_kind %}{% translate "渠道" as l_channel %}\
{% translate "分类" as l_category %}{% translate "乡镇/村" as l_place %}\
{% translate "主办单位" as l_lead %}{% translate "状态" as l_state %}\
{% translate "受理时间" as l_accepted %}{% translate "期限" as l_due %}\
{% translate "标记" as l_marks %}\
{% for row in rows %}{% with case=row.case %}<tr>\
<td class="cell-primary" data-label="{{ l_code }}"><a href="{{ row.url }}">{{ case.code }}</a></td>\
{% with title=case.title|mask_numbers %}<td data-label="{{ l_title }}">\
<span class="ledger-title" title="{{ title }}">{{ title }}</span></td>{% endwith %}\
<td data-label="{{ l_kind }}" class="ledger-nowrap">{{ case.get_kind_display }}</td>\
<td data-label="{{ l_channel }}" class="ledger-nowrap">{{ case.get_channel_display }}</td>\
<td data-label="{{ l_category }}"{% if not case.category %} class="is-empty"{% endif %}>\
{{ case.category|default:"—" }}</td>\
<td data-label="{{ l_place }}"{% if not case.township %} class="is-empty"{% endif %}>\
{% if case.township %}<span>{{ case.township|unit_name }}{% if case.village %}\
<span class="ledger-sub">{{ case.village|unit_name }}</span>{% endif %}</span>\
{% else %}—{% endif %}</td>\
<td data-label="{{ l_lead }}"{% if not case.lead_unit %} class="is-empty"{% endif %}>\
{{ case.lead_unit|unit_name|default:"—" }}</td>\
<td data-label="{{ l_state }}"><span class="badge {{ row.badge }}">\
{{ case.get_state_display }}</span></td>\
<td data-label="{{ l_accepted }}" class="ledger-nowrap">\
<time datetime="{{ case.accepted_at|date:'c' }}">{{ case.accepted_at|date:"Y-m-d H:i" }}</time></td>\
<td data-label="{{ l_due }}"{% if not row.due and not row.light %} class="is-empty"{% endif %}>\
{% if row.due or row.light %}<span class="ledger-due">{% if row.due %}\
<time class="ledger-nowrap" datetime="{{ row.due|date:'c' }}">{{ row.due|date:"Y-m-d H:i" }}</time>\
{% endif %}{% if row.light %}{% light row.light row.light_label %}{% endif %}</span>\
{% else %}—{% endif %}</td>\
<td data-label="{{ l_marks }}"{% if not case.reopen_count and not case.supervised %} \
class="is-empty"{% endif %}><span class="ledger-marks">{% if case.reopen_count %}\
<span class="badge badge-warning">{% blocktranslate with n=case.reopen_count %}重办 {{ n }}\
{% endblocktranslate %}</span>{% endif %}{% if case.supervised %}\
<span class="badge badge-danger">{% translate "督办" %}</span>{% endif %}\
{% if not case.reopen_count and not case.supervised %}—{% endif %}</span></td>\
</tr>{% endwith %}{% endfor %}"""


def build_ledger(total: int) -> None:
    """Runs in a child: the console bench's ledger (services for a few hundred cases, then
    plain copies up to ``total``)."""
    import django

    django.setup()
    from console import populate

    info = populate(total)
    print(json.dumps(info))


def ledger_child(repeat: int) -> None:
    import django

    django.setup()
    from django.template import engines
    from django.test import Client
    from django.utils import translation
    from django.utils.safestring import SafeString, mark_safe

    from jishi.cases import views_ledger
    from jishi.cases.ledger_html import rows_html
    from jishi.cases.models import Case
    from jishi.orgs.models import Unit, User

    print(f"  {Case.objects.count():,} cases in the ledger")
    template = engines["django"].from_string(ROWS_TEMPLATE)

    def template_rows(rows: Sequence[views_ledger.Row]) -> SafeString:
        return mark_safe(template.render({"rows": rows}))  # noqa: S308 - the template escapes

    client = Client()
    client.force_login(User.objects.get(username="lead"))
    township = Unit.objects.get(name="城关镇").pk
    pages = {
        "first page": "/console/ledger/",
        "township + state": f"/console/ledger/?township={township}&state=closed",
        "text search": "/console/ledger/?q=%E8%B7%AF%E7%81%AF",
    }

    def request(path: str) -> str:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.content.decode()

    def page(path: str, rows: Callable[[Sequence[views_ledger.Row]], SafeString]) -> str:
        views_ledger.rows_html = rows  # type: ignore[assignment]
        try:
            return request(path)
        finally:
            views_ledger.rows_html = rows_html

    ratios = []
    for label, path in pages.items():
        body = {
            "library": page(path, template_rows).split("<tbody>")[1],
            "hand-written": page(path, rows_html).split("<tbody>")[1],
        }
        times = interleaved(
            {
                "library": lambda path=path: page(path, template_rows),  # type: ignore[misc]
                "hand-written": lambda path=path: page(path, rows_html),  # type: ignore[misc]
            },
            repeat,
        )
        print(f"  {label} ({body['library'].count('<tr>')} rows), same markup: "
              + same_markup(body["library"], body["hand-written"]))
        ratios.append(
            compare(f"{label}, whole page p50", p50(times["library"]), p50(times["hand-written"]))
        )
    # The rows alone, on the first page's 50 rows.
    ids = list(Case.objects.order_by("-accepted_at", "-id").values_list("pk", flat=True)[:50])
    cases, _more = views_ledger._page(Case.objects.filter(pk__in=ids), 0, 50)
    rows = views_ledger._rows(cases)
    with translation.override("zh-hans"):
        times = interleaved(
            {"library": lambda: template_rows(rows), "hand-written": lambda: rows_html(rows)},
            repeat * 3,
        )
    compare("50 rows alone p50", p50(times["library"]), p50(times["hand-written"]))
    verdict("ledger rows", min(ratios), "the 台账 page (worst of the three)")


# --- form renderer --------------------------------------------------------------------------


def forms_child(repeat: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.forms import BaseForm
    from django.forms.renderers import DjangoTemplates
    from django.test import Client
    from django.utils.module_loading import import_string

    from jishi.cases.models import Case, State
    from jishi.orgs.models import User

    # One instance of each renderer for the whole run (each keeps its own compiled
    # templates), handed to every form in turn as the default.
    renderers = {
        "library": DjangoTemplates(),
        "hand-written": import_string(settings.FORM_RENDERER)(),
    }
    assert type(renderers["hand-written"]) is not DjangoTemplates, settings.FORM_RENDERER
    # A case waiting for a dispatcher: its page carries the dispatch form's pickers.
    code = Case.objects.filter(state=State.ACCEPTED).values_list("code", flat=True).first()
    assert code, "the ledger has no case waiting to be dispatched"
    clients = {}
    for username in ("dispatcher", "lead"):
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    pages = {
        "dispatcher's case page": ("dispatcher", f"/console/cases/{code}/"),
        "台账 first page": ("lead", "/console/ledger/"),
    }

    def page(who: str, path: str, renderer: str) -> str:
        BaseForm.default_renderer = renderers[renderer]
        try:
            response = clients[who].get(path)
        finally:
            BaseForm.default_renderer = None
        assert response.status_code == 200, (path, response.status_code)
        return response.content.decode()

    ratios = []
    for label, (who, path) in pages.items():
        a, b = page(who, path, "library"), page(who, path, "hand-written")
        # CSRF tokens differ per response; compare the markup without them.
        token = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]*')
        print(
            f"  {label} ({b.count('<option')} options), same markup: "
            + same_markup(token.sub("", a), token.sub("", b))
        )
        times = interleaved(
            {
                name: lambda who=who, path=path, name=name: page(who, path, name)  # type: ignore[misc]
                for name in renderers
            },
            repeat,
        )
        ratios.append(
            compare(f"{label}, whole page p50", p50(times["library"]), p50(times["hand-written"]))
        )
    verdict("form renderer", max(ratios), "the page that gains most")


# --- rows -----------------------------------------------------------------------------------


class OrmRows:
    """The library path for what ``jishi.cases.rows`` writes: the ORM's own calls."""

    @staticmethod
    def insert(objs: Sequence[Any]) -> None:
        if len(objs) == 1:
            objs[0].save(force_insert=True)
        elif objs:
            type(objs[0])._default_manager.bulk_create(objs)

    @staticmethod
    def insert_unless_taken(obj: Any) -> bool:
        from django.db import IntegrityError, transaction

        try:
            with transaction.atomic():
                obj.save(force_insert=True)
        except IntegrityError:
            return False
        return True

    @staticmethod
    def update(obj: Any, names: Sequence[str]) -> None:
        obj.save(update_fields=names)


def use_rows(path: str) -> None:
    from jishi.cases import rows, services

    services.rows = OrmRows if path == "library" else rows  # type: ignore[assignment]


def seed_child(path: str, size: int) -> None:
    """Runs in a child on a fresh database: the demo seed with one row writer."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    use_rows(path)
    from jishi.cases.models import Case, CaseClock, CaseEvent
    from jishi.demo.seed import seed_demo

    wall, cpu = time.perf_counter(), time.process_time()
    seed_demo(size=size)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counts = [Case.objects.count(), CaseEvent.objects.count(), CaseClock.objects.count()]
    print(json.dumps({"wall": wall, "cpu": cpu, "counts": counts}))


def intake_child(n: int) -> None:
    """Single intakes routed at once (one transaction each, as the portal's confident
    auto-dispatch), the two row writers taking turns in blocks."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jishi.cases import services
    from jishi.cases.models import Category
    from jishi.orgs.models import Role
    from jishi.testing.fixtures import build_county, make_person

    county = build_county()
    dispatcher = make_person("bench-dispatcher", county.county, Role.DISPATCHER)
    category = Category.objects.create(code="lighting", name="路灯照明", owning_unit=county.chengguan)
    route = services.Route(actor=dispatcher, category=category, lead_unit=county.chengguan)
    villages = [county.dongjie, county.xijie]
    counter = iter(range(10**9))

    def accept() -> None:
        i = next(counter)
        services.case_accept(
            actor=services.Citizen(),
            kind="request",
            channel="portal",
            title=f"路灯不亮 {i}",
            text=f"第{i}号路灯已经坏了三天，晚上出行很不方便，请尽快派人修理。",
            village=villages[i % 2],
            citizen_name="王先生",
            citizen_phone=f"138{i:08d}",
            route=route,
        )

    def step(path: str) -> Callable[[], None]:
        def run() -> None:
            use_rows(path)
            accept()

        return run

    times = interleaved({"library": step("library"), "hand-written": step("hand-written")}, n)
    use_rows("hand-written")
    ratio = compare(
        f"one intake, routed (accept + classify + dispatch, 1 transaction), p50 of {n}",
        p50(times["library"]),
        p50(times["hand-written"]),
    )
    print(json.dumps({"ratio": ratio}))


# --- router ---------------------------------------------------------------------------------


def router_bench(data: Path, scale: int, rounds: int) -> None:
    import random

    import joblib
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    from jishi.routing import datasets, text
    from jishi.routing.classifier import (
        LARGE_CORPUS,
        SVM_TOL,
        TextClassifier,
        word_and_char_ngrams,
    )
    from jishi.routing.evaluation import find_overlap

    tokens_file, raw_file = data / "labelled_tokens.csv", data / "labelled_raw_sample.csv"
    if not tokens_file.exists() or not raw_file.exists():
        print(f"  skipped: tipdm2020 data not found under {data} (--data DIR)")
        return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    def pipeline(n_docs: int) -> Pipeline:
        """The library path: the same features (word 1-2-grams and character bigrams of the
        project's tokens, sublinear TF-IDF, min_df 2) and the same calibrated SVM."""
        return Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(analyzer=word_and_char_ngrams, min_df=2, sublinear_tf=True),
                ),
                (
                    "svm",
                    CalibratedClassifierCV(
                        LinearSVC(C=1.0, class_weight="balanced", tol=SVM_TOL),
                        method="sigmoid",
                        cv=2 if n_docs >= LARGE_CORPUS else 3,
                        ensemble=False,
                    ),
                ),
            ]
        )

    train = datasets.load(tokens_file, "tokens")
    test = datasets.load(raw_file, "raw")
    print(f"  segmenter: {text.segmenter_name()}")
    train_docs = train.tokens()
    test_docs = [text.segment(item) for item in test.raw]
    overlap = set(find_overlap(train_docs, test_docs).train_rows)
    docs = [d for i, d in enumerate(train_docs) if i not in overlap]
    labels = [label for i, label in enumerate(train.labels) if i not in overlap]
    print(f"  training on {len(docs):,} token rows ({len(overlap)} overlapping the test set left "
          f"out), testing on {len(test.raw)} raw messages")

    def fit_both(x: list[list[str]], y: list[str]) -> tuple[Any, Any, float, float]:
        cpu: dict[str, list[float]] = {"library": [], "hand-written": []}
        fitted: dict[str, Any] = {}
        for r in range(rounds):
            for name in ("library", "hand-written") if r % 2 == 0 else ("hand-written", "library"):
                started = time.process_time()
                model = pipeline(len(x)) if name == "library" else TextClassifier()
                fitted[name] = model.fit(x, y)
                cpu[name].append(time.process_time() - started)
        return fitted["library"], fitted["hand-written"], min(cpu["library"]), min(
            cpu["hand-written"]
        )

    library, handwritten, lib_s, hw_s = fit_both(docs, labels)
    compare(f"fit on {len(docs):,} docs (CPU, best of {rounds})", lib_s * 1000, hw_s * 1000)

    truth = np.array(test.labels)
    for name, proba, classes in (
        ("library", library.predict_proba(test_docs), list(library.classes_)),
        ("hand-written", handwritten.predict_proba(test_docs), handwritten.classes),
    ):
        top = np.array(classes)[np.argsort(-proba, axis=1, kind="stable")[:, :3]]
        print(
            f"  {name}: accuracy {np.mean(top[:, 0] == truth):.4f}, "
            f"top-3 accuracy {np.mean((top == truth[:, None]).any(axis=1)):.4f}"
        )

    # What a request pays: raw title and text → tokens → top-3 (intake: one document; the
    # dispatcher queue: twenty at once).
    raw = test.raw
    singles = iter(range(10**9))
    batches = iter(range(10**9))

    def one(model: Any) -> Callable[[], object]:
        def run() -> object:
            item = raw[next(singles) % len(raw)]
            return model.predict_proba([text.segment(item)])

        return run

    def twenty(model: Any) -> Callable[[], object]:
        def run() -> object:
            start = (next(batches) * 20) % (len(raw) - 20)
            return model.predict_proba([text.segment(item) for item in raw[start : start + 20]])

        return run

    times = interleaved({"library": one(library), "hand-written": one(handwritten)}, len(raw) * 2)
    single = compare(
        "one prediction (segment + top-3) p50", p50(times["library"]), p50(times["hand-written"])
    )
    times = interleaved({"library": twenty(library), "hand-written": twenty(handwritten)}, 200)
    batch = compare(
        "batch of 20 (segment + probabilities) p50",
        p50(times["library"]),
        p50(times["hand-written"]),
    )

    buffer = io.BytesIO()
    joblib.dump(library, buffer)
    saved = {"library": buffer.getvalue(), "hand-written": handwritten.to_bytes()}
    print(
        f"  artifact: library (joblib) {len(saved['library']) / 1e6:.1f} MB, "
        f"hand-written (.npz, no pickle) {len(saved['hand-written']) / 1e6:.1f} MB"
    )
    times = interleaved(
        {
            "library": lambda: joblib.load(io.BytesIO(saved["library"])),
            "hand-written": lambda: TextClassifier.from_bytes(saved["hand-written"]),
        },
        5,
        warmup=1,
    )
    compare("artifact load p50", p50(times["library"]), p50(times["hand-written"]))

    if scale:
        # A county's ledger of different texts: each a resampled message joined to half of
        # another with the same label, so (almost) no two are alike.
        rng = random.Random(0)
        by_label: dict[str, list[list[str]]] = {}
        for doc, label in zip(docs, labels, strict=True):
            by_label.setdefault(label, []).append(doc)
        picks = [rng.randrange(len(docs)) for _ in range(scale)]
        big_x, big_y = [], []
        for i in picks:
            other = rng.choice(by_label[labels[i]])
            big_x.append(docs[i] + other[len(other) // 2 :])
            big_y.append(labels[i])
        _, _, lib_s, hw_s = fit_both(big_x, big_y)
        compare(f"fit on {scale:,} different docs (CPU, best of {rounds})", lib_s * 1000,
                hw_s * 1000)
    verdict("router classifier", min(single, batch), "prediction latency (one and twenty)")


# --- driver ---------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    kind = args.benches[0]
    if kind == "build":
        build_ledger(args.cases)
    elif kind == "ledger":
        ledger_child(args.repeat)
    elif kind == "forms":
        forms_child(args.repeat)
    elif kind in ("seed-library", "seed-hand-written"):
        seed_child(kind.removeprefix("seed-"), args.seed_cases)
    elif kind == "intake":
        intake_child(args.intake)


def ledger_database(args: argparse.Namespace) -> str:
    name = f"jishi-bench-fastpaths-{args.cases}" if args.db == "sqlite" else args.pg_db
    if args.reuse:
        return database_url(args.db, name, fresh=False)
    url = database_url(args.db, name, fresh=True)
    started = time.perf_counter()
    info = json.loads(run_child(url, "build", "--cases", str(args.cases)).splitlines()[-1])
    print(f"  built {info['cases']:,} cases in {time.perf_counter() - started:.0f} s")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "benches",
        nargs="*",
        default=["ledger", "forms", "rows", "router"],
        help="ledger, forms, rows, router (default: all)",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pg-db", default="jishi_bench_fastpaths", help="the PostgreSQL database to use"
    )
    parser.add_argument("--cases", type=int, default=100_000, help="ledger size (ledger, forms)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the ledger an earlier run built"
    )
    parser.add_argument("--repeat", type=int, default=30, help="requests per page and path")
    parser.add_argument("--seed-cases", type=int, default=10_000, help="cases per demo seed")
    parser.add_argument("--seed-rounds", type=int, default=2, help="A-B-B-A seed pairs")
    parser.add_argument("--intake", type=int, default=1000, help="single intakes per path")
    parser.add_argument("--data", type=Path, default=SHARED / "tipdm2020", help="tipdm2020 dir")
    parser.add_argument(
        "--router-scale", type=int, default=20_000, help="distinct docs for the large fit (0: no)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="fits per model (router)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"database: {args.db}; keep a hand-written path only at ≥ {KEEP_RATIO}×")
    url = ""
    for bench in args.benches:
        print(f"\n== {bench} ==", flush=True)
        if bench in ("ledger", "forms"):
            url = url or ledger_database(args)
            print(run_child(url, bench, "--repeat", str(args.repeat)), end="", flush=True)
        elif bench == "rows":
            rows_bench(args)
        elif bench == "router":
            router_bench(args.data, args.router_scale, args.rounds)
        else:
            parser.error(f"unknown bench: {bench}")


def rows_bench(args: argparse.Namespace) -> None:
    name = "jishi-bench-fastpaths-rows" if args.db == "sqlite" else f"{args.pg_db}_rows"
    results: dict[str, list[dict[str, Any]]] = {"library": [], "hand-written": []}
    order = ["library", "hand-written", "hand-written", "library"] * args.seed_rounds
    for path in order[: 2 * args.seed_rounds]:
        url = database_url(args.db, name, fresh=True)
        out = json.loads(
            run_child(url, f"seed-{path}", "--seed-cases", str(args.seed_cases)).splitlines()[-1]
        )
        results[path].append(out)
        print(
            f"  demo seed, {path}: {out['wall']:.1f} s wall, {out['cpu']:.1f} s CPU "
            f"(cases, events, clocks: {out['counts']})",
            flush=True,
        )
    ratios = []
    if args.seed_rounds:
        for measure in ("wall", "cpu"):
            lib = min(r[measure] for r in results["library"]) * 1000 / args.seed_cases
            hw = min(r[measure] for r in results["hand-written"]) * 1000 / args.seed_cases
            ratio = compare(f"demo seed of {args.seed_cases:,}, {measure} per case (best)", lib, hw)
            if measure == "wall":
                ratios.append(ratio)
    url = database_url(args.db, name, fresh=True)
    lines = run_child(url, "intake", "--intake", str(args.intake)).splitlines()
    print("\n".join(lines[:-1]), flush=True)
    ratios.append(json.loads(lines[-1])["ratio"])
    verdict("rows.py", min(ratios), "intake and seeding time (the lower)")


if __name__ == "__main__":
    main()
