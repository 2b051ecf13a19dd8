"""The UI's translation catalogues (jishi/locale/{en,zh_Hant}): how they are brought up to
date, and what makes one incomplete.

``manage.py translations`` collects the strings the code and templates mark for translation
and compiles the catalogues; ``manage.py translations --check`` (and the test suite) fails
while a catalogue lacks a string of the source, leaves one untranslated or fuzzy, keeps
obsolete entries, drops or invents a placeholder, or was not compiled since it changed.

A small reader of PO files is kept here rather than a dependency: the format jishi writes
(through ``makemessages``) is plain, and this is all that reads it.
"""

from __future__ import annotations

import contextlib
import gettext
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

LANGUAGES = ("en", "zh_Hant")
# What makemessages must not read: the front-end packages, run-time files, and code that
# never shows a word to a user (tests, benchmarks, scripts, docs).
IGNORE_PATTERNS = ("node_modules", "var", ".venv", "bench", "docs", "scripts", "*/tests/*")


def catalogue_path(language: str, suffix: str = "po") -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / f"django.{suffix}"


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def name(self) -> str:
        return f"{self.msgctxt}|{self.msgid}" if self.msgctxt else self.msgid


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a PO file, the header (msgid "") included, obsolete ones marked."""
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}: continuation without a keyword: {raw!r}")
            keyword, rest = "", line
        else:
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()  # a new entry without a blank line before it
            started = True
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                target = (keyword, 0)
            else:
                raise ValueError(f"{path}: unknown line {raw!r}")
            if target[0] == "msgstr":
                while len(entry.msgstr) <= target[1]:
                    entry.msgstr.append("")
        text = _unquote(rest)
        assert target is not None
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] += text
        elif name == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            entry.msgid += text
    finish()
    return entries


_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([sdifr%])")


def placeholders(text: str) -> list[str]:
    """The Python-format placeholders of a message, sorted (``%%`` is not one)."""
    found = []
    for match in _PLACEHOLDER.finditer(text):
        if match.group(2) == "%":
            continue
        found.append(
            f"%({match.group(1)}){match.group(2)}" if match.group(1) else "%" + match.group(2)
        )
    return sorted(found)


def problems(language: str, path: Path | None = None) -> list[str]:
    """What is wrong with one catalogue, one line per entry (empty when it is complete)."""
    out = []
    for entry in read_po(path or catalogue_path(language)):
        if entry.obsolete:
            out.append(f"{language}: obsolete entry {entry.name!r}")
            continue
        if not entry.msgid:
            continue  # the header
        if "fuzzy" in entry.flags:
            out.append(f"{language}: fuzzy {entry.name!r}")
        if not entry.msgstr or not all(entry.msgstr):
            out.append(f"{language}: untranslated {entry.name!r}")
            continue
        if "python-format" in entry.flags or "python-brace-format" in entry.flags:
            wanted = placeholders(entry.msgid)
            for text in entry.msgstr:
                if placeholders(text) != wanted:
                    out.append(f"{language}: placeholders differ in {entry.name!r}: {text!r}")
    return out


def compiled_mismatches(language: str) -> list[str]:
    """Entries whose translation in the compiled .mo is not the one in the .po (the .po
    changed and ``compilemessages`` was not run)."""
    with catalogue_path(language, "mo").open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    out = []
    for entry in read_po(catalogue_path(language)):
        if entry.obsolete or not entry.msgid or "fuzzy" in entry.flags:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural is None:
            if compiled.get(key) != entry.msgstr[0]:
                out.append(f"{language}: not compiled {entry.name!r}")
        else:
            for index, text in enumerate(entry.msgstr):
                if compiled.get((key, index)) != text:
                    out.append(f"{language}: not compiled {entry.name!r}[{index}]")
    return out


def can_extract() -> bool:
    """Whether GNU gettext (which makemessages runs) is installed."""
    return all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib"))


def _makemessages(**options: object) -> None:
    call_command(
        "makemessages",
        locale=list(LANGUAGES),
        ignore_patterns=list(IGNORE_PATTERNS),
        no_obsolete=True,
        verbosity=0,
        **options,
    )


def source_messages() -> set[tuple[str | None, str]]:
    """(context, message) of every string the code and templates mark for translation."""
    root = Path(settings.BASE_DIR)
    with (
        tempfile.TemporaryDirectory() as tmp,
        override_settings(LOCALE_PATHS=[tmp]),
        contextlib.chdir(root),
    ):
        # makemessages puts a file's strings in the nearest locale directory above it, else in
        # the first of LOCALE_PATHS: with jishi/locale ignored, everything lands in ``tmp``.
        call_command(
            "makemessages",
            locale=["en"],
            ignore_patterns=[*IGNORE_PATTERNS, "locale"],
            no_obsolete=True,
            verbosity=0,
        )
        entries = read_po(Path(tmp) / "en" / "LC_MESSAGES" / "django.po")
    return {entry.key for entry in entries if entry.msgid and not entry.obsolete}


def stale() -> list[str]:
    """Strings of the source missing from a catalogue, and entries the source no longer has."""
    source = source_messages()
    out = []
    for language in LANGUAGES:
        entries = read_po(catalogue_path(language))
        catalogue = {entry.key for entry in entries if entry.msgid and not entry.obsolete}
        out += [f"{language}: missing {m!r}" for m in sorted(source - catalogue, key=str)]
        out += [f"{language}: not in the source {m!r}" for m in sorted(catalogue - source, key=str)]
    return out


def update() -> None:
    """Collect the source's strings into both catalogues (new ones untranslated), then
    compile them."""
    with contextlib.chdir(Path(settings.BASE_DIR)):
        _makemessages()
        call_command(
            "compilemessages",
            locale=list(LANGUAGES),
            ignore_patterns=list(IGNORE_PATTERNS),
            verbosity=0,
        )
