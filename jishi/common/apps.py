from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "jishi.common"
    label = "common"
    verbose_name = "通用"

    def ready(self) -> None:
        from django.core import validators

        from jishi.common import checks  # noqa: F401 (registers the system checks)

        # Django's Simplified Chinese text for a NUL byte in a field reads "empty string
        # not allowed" (不允许是用空字符串), which tells the citizen nothing; every form's
        # text fields use this validator, so its message is replaced once here.
        validators.ProhibitNullCharactersValidator.message = _(
            "内容中含有不可见的控制字符（NUL），请删除后重新提交"
        )
