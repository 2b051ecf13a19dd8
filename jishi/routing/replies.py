"""The reply check: does a unit's reply answer the citizen's message?

Three parts, each 0–100, developed and calibrated on the public ``replied_messages.csv``
(2,816 real messages with the government's replies; ``bench/reply_quality.py``):

- **relevance** — does the reply talk about what was asked? The share of the message's
  distinctive words (pipeline tokens of two or more characters, without petition formulas)
  that the reply repeats, and the cosine of their character bigrams; the better of the two,
  scaled so that a reply repeating a third of the message's words scores 100.
- **substance** — facts rather than formulas: length (up to about 300 characters), and
  concrete content — dates, amounts and quantities, the actions taken ("已更换" "现场核查"
  "责令整改" …) and findings ("经查" "经核实") — against stock phrases ("已收悉" "高度重视"
  "将进一步" "请耐心等待"), which earn nothing and, when they are most of a short reply,
  cost points.
- **timeliness** — working days from message to reply on the county calendar:
  full marks within :data:`PROMPT_WORKDAYS`, falling to 60 at the statutory
  :data:`LIMIT_WORKDAYS`, to 20 at twice that. Unknown when either time is missing; the
  total is then the weighted mean of the other two.

Total = 40 % relevance + 45 % substance + 15 % timeliness. Under :data:`WARN_BELOW` the
replier is warned ("答复可能未回应诉求：…") with the reasons.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from jishi.routing import text as pipeline
from jishi.workdays.selectors import get_calendar

if TYPE_CHECKING:
    from jishi.workdays.calendar import Calendar

# Chosen on replied_messages.csv by reading replies around it: under 45 are, nearly all,
# acknowledgements ("网友：您好！留言已收悉"), "已转…调查核处" with nothing further, bare
# referrals ("请咨询K市人社部门"), thanks alone, and late replies that say little; 15 % of
# the set. Between 45 and 55 most replies do answer, if thinly.
WARN_BELOW = 45
# Under this relevance (0–1) the reply is flagged as not about the message.
RELEVANCE_WARN = 0.25
PROMPT_WORKDAYS = 3
LIMIT_WORKDAYS = 15
WEIGHTS = {"relevance": 0.40, "substance": 0.45, "timeliness": 0.15}
WARNING_PREFIX = "答复可能未回应诉求："

_BOILERPLATE = (
    "已收悉",
    "收悉",
    "高度重视",
    "非常重视",
    "将进一步",
    "进一步加强",
    "加大力度",
    "感谢您",
    "感谢你",
    "谢谢您",
    "您好",
    "你好",
    "请耐心等待",
    "耐心等待",
    "已转交",
    "已转办",
    "转相关部门",
    "相关部门",
    "积极协调",
    "认真研究",
    "予以关注",
    "理解和支持",
    "关心和支持",
    "信任和支持",
    "欢迎继续",
    "特此回复",
    "现答复如下",
    "答复如下",
)
_ACTIONS = re.compile(
    "经查|经核实|经调查|经了解|核查|调查|现场|实地|查看|约谈|责令|整改|拆除|清理|清运|"
    "修复|维修|更换|安装|疏通|处罚|罚款|立案|查处|取缔|关停|停业|退还|退费|补发|发放|"
    "协调|召开|组织|安排|派出|督促|限期|已完成|已解决|已恢复|已整改|已修复|已更换|"
    "已拆除|已清理|已安装|已发放|已退还|已到位|施工|开工|竣工|验收|规划|纳入|计划于|预计|"
    "依据|根据.{0,12}(规定|条例|办法|法)|第.{1,4}条"
)
_DATE = re.compile(
    r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}日|"
    r"(?:上|下)午|\d{1,2}[点时]"
)
_QUANTITY = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万元|元|万|亿|米|公里|千米|平方米|平米|亩|吨|户|人|名|个|处|台|辆|"
    r"盏|棵|天|个工作日|小时|次|间|栋|套|%|％)"
)
# An inquiry is answered by the rule that applies, not by an action: a cited document
# ("《…通知》" "〔2018〕43号") or the terms of an answer (conditions, materials, yes or no).
_REFERENCE = re.compile(r"《[^》]{2,60}》|〔\d{4}〕\d+号|\[\d{4}\]\d+号")
_ANSWER = re.compile(
    "可以|不能|无法|不予|符合|不符合|条件|材料|标准|流程|办理|申请|凭|须|需提供|属于|不属于|"
    "已取消|已停止|尚未|没有|目前"
)
# "已转市自然资源和规划局调查处理": passed on, nothing answered yet. Fine as an interim
# reply; not as the answer.
_FORWARDED = re.compile(
    r"已(?:转|转交|转办|转至|交由)[^。，,]{0,30}(?:调查|核处|核查|核实|处理|办理|办复)"
)
_REFERRAL = re.compile(r"^[^。]{0,30}(?:请|建议)(?:您)?(?:咨询|联系|致电|向|到)")
_PETITION_TEXT = """
反映 投诉 举报 咨询 建议 希望 请求 恳请 领导 政府 相关 问题 情况 处理 解决 尽快
严重 谢谢 感谢 您好 你好 网友 书记 市长 县长 部门 单位 有关 要求 是否 为什么
"""
_PETITION_WORDS = frozenset(_PETITION_TEXT.split())


@dataclass(frozen=True)
class ReplyScore:
    total: int
    relevance: int
    substance: int
    timeliness: int | None
    warnings: list[str] = field(default_factory=list)
    workdays: float | None = None

    @property
    def needs_warning(self) -> bool:
        return self.total < WARN_BELOW

    def as_payload(self, *, confirmed: bool = False) -> dict[str, Any]:
        """What the reply event keeps, for the bulletin: the scores, whether the replier was
        warned, and whether they sent it anyway."""
        return {
            "score": self.total,
            "relevance": self.relevance,
            "substance": self.substance,
            "timeliness": self.timeliness,
            "warned": self.needs_warning,
            "confirmed": confirmed and self.needs_warning,
        }

    @property
    def warning_text(self) -> str:
        """The sentence the replier sees, or "" when the reply looks fine."""
        if not self.needs_warning:
            return ""
        return _("答复可能未回应诉求：") + "；".join(self.warnings or [_("请补充具体处理情况")])


def _content_words(text: str) -> set[str]:
    return {w for w in pipeline.segment(text) if len(w) >= 2 and w not in _PETITION_WORDS}


def _bigrams(text: str) -> dict[str, int]:
    chars = re.sub(r"[\W_\d]+", "", pipeline.normalize(text))
    counts: dict[str, int] = {}
    for i in range(len(chars) - 1):
        gram = chars[i : i + 2]
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def _cosine(a: dict[str, int], b: dict[str, int]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(math.log1p(v) * math.log1p(b[k]) for k, v in a.items() if k in b)
    na = math.sqrt(sum(math.log1p(v) ** 2 for v in a.values()))
    nb = math.sqrt(sum(math.log1p(v) ** 2 for v in b.values()))
    return dot / (na * nb)


def relevance_of(message: str, reply: str, subject: str = "") -> float:
    """0–1: how much of the message's own vocabulary the reply takes up."""
    reply_words = _content_words(reply)
    words = _content_words(message)
    coverage = len(words & reply_words) / len(words) if words else 0.0
    # The subject is the message in one line: a reply that takes up half of its words
    # deals with the matter even when the message runs to pages.
    title_words = _content_words(subject)
    title_coverage = len(title_words & reply_words) / len(title_words) if title_words else 0.0
    cosine = _cosine(_bigrams(f"{subject} {message}"), _bigrams(reply))
    # A third of the message's words repeated, or a bigram cosine of 0.45, is a reply that
    # deals with the message; replies rarely go further, so that is full marks.
    return min(1.0, max(coverage / 0.33, title_coverage / 0.5, cosine / 0.45))


def _substance(reply: str) -> tuple[float, list[str]]:
    """0–1 and the warnings it gives."""
    normal = pipeline.normalize(reply)
    plain = re.sub(r"\s+", "", normal)
    n = len(plain)
    warnings: list[str] = []
    length = min(1.0, math.log1p(n) / math.log1p(300))
    actions = len(set(m.group() for m in _ACTIONS.finditer(plain)))
    dates = len(_DATE.findall(plain))
    amounts = len(_QUANTITY.findall(plain))
    references = len(_REFERENCE.findall(plain))
    answers = len(set(m.group() for m in _ANSWER.finditer(plain)))
    # Actions taken, or for an inquiry the rule cited and the answer's terms.
    acted = max(min(1.0, actions / 4), min(1.0, references / 1) * 0.5 + min(1.0, answers / 4) * 0.5)
    concrete = acted * 0.6 + min(1.0, dates / 2) * 0.2 + min(1.0, amounts / 2) * 0.2
    stock_chars = sum(len(p) * plain.count(p) for p in _BOILERPLATE if p in plain)
    stock_share = stock_chars / n if n else 1.0
    score = 0.4 * length + 0.6 * concrete
    if stock_share > 0.25:
        score *= 0.6
    if n < 30:
        warnings.append(_("答复过短（%(n)d 字）") % {"n": n})
    if acted < 0.25 and dates + amounts == 0:
        warnings.append(_("未说明具体处理措施、时间或结果"))
    elif acted < 0.25:
        warnings.append(_("未说明采取了哪些处理措施或依据"))
    if stock_share > 0.25 or (stock_chars and acted < 0.25):
        found = [p for p in _BOILERPLATE if p in plain and len(p) >= 3][:3]
        if found:
            quoted = "“" + "”“".join(found) + "”"
            warnings.append(_("多为套话（%(phrases)s），缺少实质内容") % {"phrases": quoted})
    if _REFERRAL.search(plain) and n < 80:
        warnings.append(_("仅告知向其他部门咨询，未说明处理结果"))
        score = min(score, 0.3)
    if _FORWARDED.search(plain) and n < 100:
        warnings.append(_("仅告知已转办，未说明处理结果"))
        score = min(score, 0.3)
    return min(1.0, score), warnings


def workdays_between(asked_at: datetime, replied_at: datetime, calendar: Calendar) -> float:
    """Working days (in working hours, so a fraction) from message to reply."""
    if asked_at.tzinfo is None:
        asked_at = asked_at.replace(tzinfo=calendar.tz)
    if replied_at.tzinfo is None:
        replied_at = replied_at.replace(tzinfo=calendar.tz)
    seconds = calendar.working_seconds_between(asked_at, replied_at)
    return max(0.0, seconds / calendar.hours.seconds_per_day)


def _timeliness(days: float) -> float:
    if days <= PROMPT_WORKDAYS:
        return 1.0
    if days <= LIMIT_WORKDAYS:
        return 1.0 - 0.4 * (days - PROMPT_WORKDAYS) / (LIMIT_WORKDAYS - PROMPT_WORKDAYS)
    if days <= 2 * LIMIT_WORKDAYS:
        return 0.6 - 0.4 * (days - LIMIT_WORKDAYS) / LIMIT_WORKDAYS
    return 0.1


def score_reply(
    *,
    message: str,
    reply: str,
    subject: str = "",
    asked_at: datetime | None = None,
    replied_at: datetime | None = None,
    calendar: Calendar | None = None,
) -> ReplyScore:
    """Score a reply against the message it answers (``subject``, its title, when there is
    one); see the module docstring."""
    if not (reply or "").strip():
        return ReplyScore(0, 0, 0, None, [_("答复内容为空")])
    relevance = relevance_of(message or "", reply, subject or "")
    substance, warnings = _substance(reply)
    if relevance < RELEVANCE_WARN:
        warnings.insert(0, _("答复与所反映的问题关联度低"))

    timeliness: float | None = None
    days: float | None = None
    if asked_at is not None and replied_at is not None:
        if calendar is None:
            calendar = get_calendar()
        days = workdays_between(asked_at, replied_at, calendar)
        timeliness = _timeliness(days)
        if days > LIMIT_WORKDAYS:
            warnings.append(
                _("答复用时 %(days).0f 个工作日，超过 %(limit)d 个工作日")
                % {"days": days, "limit": LIMIT_WORKDAYS}
            )

    parts = {"relevance": relevance, "substance": substance}
    if timeliness is not None:
        parts["timeliness"] = timeliness
    weight = sum(WEIGHTS[k] for k in parts)
    total = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight
    return ReplyScore(
        total=round(total * 100),
        relevance=round(relevance * 100),
        substance=round(substance * 100),
        timeliness=None if timeliness is None else round(timeliness * 100),
        warnings=warnings,
        workdays=None if days is None else round(days, 1),
    )
