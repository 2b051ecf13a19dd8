"""Router models (trained classifiers, versioned) and keyword rules (the cold start).

A trained model's artifact is a file under ``MEDIA_ROOT/router/`` (through Django's default
storage), not a ``BinaryField``: artifacts run to tens of megabytes for a unit model with
many classes, which bloats every row fetch, dump and backup of the table, and a file lets
the same code use object storage later. The row keeps the artifact's SHA-256, and loading
refuses a file whose bytes do not match, and reads nothing but its own ``.npz`` format.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RouterTarget(models.TextChoices):
    CATEGORY = "category", _("事项分类")
    UNIT = "unit", _("主办单位")


class RouterModel(models.Model):
    """One trained version of the router for one target (category or lead unit).

    Rows are never edited after training except for ``is_active``; at most one row per
    target is active, and that one answers predictions. Each prediction records
    ``version`` so a routing decision can be traced to the model that made it.
    """

    version = models.CharField("版本", max_length=64, unique=True)
    target = models.CharField("预测目标", max_length=16, choices=RouterTarget.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    span_from = models.DateField("训练数据起始日", null=True, blank=True)
    span_to = models.DateField("训练数据截止日", null=True, blank=True)
    n_documents = models.PositiveIntegerField("训练文档数")
    labels = models.JSONField("类别", default=list)
    metrics = models.JSONField("评估指标", default=dict, blank=True)
    artifact = models.FileField("模型文件", upload_to="router/", max_length=255)
    sha256 = models.CharField("文件 SHA-256", max_length=64)
    is_active = models.BooleanField("启用", default=False)
    activated_at = models.DateTimeField("启用时间", null=True, blank=True)

    class Meta:
        verbose_name = "分类模型"
        verbose_name_plural = "分类模型"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(is_active=True),
                name="routermodel_one_active_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} {self.version}"


class KeywordRule(models.Model):
    """Keyword → category or unit, used while no trained model is active for the target.

    ``keywords`` holds one or more words separated by spaces or commas; a rule matches
    when any of them occurs in the normalised title and text. The matching rule with the
    highest ``priority`` wins; ties go to the rule with more matching keywords.
    """

    target = models.CharField("预测目标", max_length=16, choices=RouterTarget.choices)
    keywords = models.CharField("关键词", max_length=500, help_text="多个关键词以空格或逗号分隔")
    label = models.CharField("分类编码或单位编码", max_length=64)
    priority = models.IntegerField("优先级", default=0)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "关键词规则"
        verbose_name_plural = "关键词规则"
        ordering = ["target", "-priority", "id"]
        indexes = [models.Index(fields=["target", "active"])]

    def __str__(self) -> str:
        return f"{self.keywords} → {self.label}"

    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", ",").replace(",", " ").split() if k]
