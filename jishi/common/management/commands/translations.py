"""Bring the translation catalogues up to date, or check that they are complete.

manage.py translations           collect new strings (untranslated) and compile
manage.py translations --check   list what is missing, untranslated, fuzzy, obsolete or
                                 not compiled; exit 1 if anything is
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.common import catalogues


class Command(BaseCommand):
    help = "更新界面翻译目录（en、zh_Hant）并编译；--check 只检查是否完整"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="只检查，不修改文件")

    def handle(self, *args: Any, **options: Any) -> None:
        if not catalogues.can_extract():
            raise CommandError("需要 GNU gettext（Debian 软件包 gettext）")
        if not options["check"]:
            catalogues.update()
        found = catalogues.stale()
        for language in catalogues.LANGUAGES:
            found += catalogues.problems(language) + catalogues.compiled_mismatches(language)
        for line in found:
            self.stdout.write(line)
        if found:
            raise CommandError(f"翻译目录不完整：{len(found)} 处")
        self.stdout.write("翻译目录完整")
