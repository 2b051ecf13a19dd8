"""The demo county's organisation: 19 townships, 339 villages and communities, county
departments, a service hall with its windows, and staff for every post.

``plan_demo_org(seed=…)`` is pure data (no database), so text generators and tests can use
the same names; ``build_demo_org(seed=…)`` writes the plan with bulk inserts. Names of
places and people are invented; the county is 示范县.

Codes: county ``C``; departments ``D01``…; townships ``T01``…; villages ``T01V001``…; the
hall ``H01`` and its windows ``H01W01``…
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jishi.common.errors import Conflict
from jishi.common.text import to_traditional
from jishi.orgs.models import Post, Role, Unit, UnitChange, UnitKind, User

DEFAULT_SEED = 20240601
DEMO_PASSWORD = "demo1234"  # noqa: S105 (the demo's printed logins; no demo in production)
COUNTY_CODE = "C"
COUNTY_NAME = "示范县"
HALL_CODE = "H01"

# (name, login key, villages and communities under it, how many of those are communities).
# Uneven on purpose: the county seat and the big market towns have far more than the hills.
TOWNSHIPS: tuple[tuple[str, str, int, int], ...] = (
    ("城关镇", "chengguan", 28, 10),
    ("城东街道", "chengdong", 12, 8),
    ("河口镇", "hekou", 25, 2),
    ("青山乡", "qingshan", 13, 0),
    ("白沙镇", "baisha", 23, 1),
    ("龙泉镇", "longquan", 19, 1),
    ("石门镇", "shimen", 20, 1),
    ("桃源乡", "taoyuan", 12, 0),
    ("长乐镇", "changle", 18, 1),
    ("新塘镇", "xintang", 26, 2),
    ("双峰乡", "shuangfeng", 11, 0),
    ("黄土岭镇", "huangtuling", 17, 1),
    ("金桥镇", "jinqiao", 20, 1),
    ("枫林乡", "fenglin", 10, 0),
    ("大坪镇", "daping", 19, 1),
    ("马家堰乡", "majiayan", 14, 0),
    ("云溪镇", "yunxi", 24, 1),
    ("柏树乡", "baishu", 11, 0),
    ("高桥镇", "gaoqiao", 17, 1),
)

# (code, name, short name, login key, lead title).
DEPARTMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("D01", "县发展和改革局", "发改局", "fagai", "局长"),
    ("D02", "县教育局", "教育局", "jiaoyu", "局长"),
    ("D03", "县公安局", "公安局", "gongan", "局长"),
    ("D04", "县民政局", "民政局", "minzheng", "局长"),
    ("D05", "县人力资源和社会保障局", "人社局", "renshe", "局长"),
    ("D06", "县自然资源局", "自然资源局", "ziran", "局长"),
    ("D07", "县生态环境分局", "生态环境分局", "shengtai", "局长"),
    ("D08", "县住房和城乡建设局", "住建局", "zhujian", "局长"),
    ("D09", "县交通运输局", "交通运输局", "jiaotong", "局长"),
    ("D10", "县水利局", "水利局", "shuili", "局长"),
    ("D11", "县农业农村局", "农业农村局", "nongye", "局长"),
    ("D12", "县卫生健康局", "卫健局", "weijian", "局长"),
    ("D13", "县市场监督管理局", "市场监管局", "shijian", "局长"),
    ("D14", "县城市管理局", "城管局", "chengguanju", "局长"),
    ("D15", "县应急管理局", "应急局", "yingji", "局长"),
    ("D16", "县医疗保障局", "医保局", "yibao", "局长"),
    ("D17", "县退役军人事务局", "退役军人局", "tuiyi", "局长"),
    ("D18", "县文化广电体育和旅游局", "文旅局", "wenlv", "局长"),
    ("D19", "县信访局", "信访局", "xinfang", "局长"),
    ("D20", "县数据局", "数据局", "shuju", "局长"),
    ("D21", "县供电公司", "供电公司", "gongdian", "总经理"),
    ("D22", "县自来水公司", "自来水公司", "zilaishui", "总经理"),
    ("D23", "县委县政府督查室", "督查室", "ducha", "主任"),
    ("D24", "县财政局", "财政局", "caizheng", "局长"),
    ("D25", "县司法局", "司法局", "sifa", "局长"),
    ("D26", "县商务局", "商务局", "shangwu", "局长"),
    ("D27", "县林业局", "林业局", "linye", "局长"),
    ("D28", "县税务局", "税务局", "shuiwu", "局长"),
    ("D29", "县科技和工业信息化局", "工信局", "gongxin", "局长"),
    ("D30", "县残疾人联合会", "残联", "canlian", "理事长"),
    ("D31", "县燃气公司", "燃气公司", "ranqi", "总经理"),
    ("D32", "县住房公积金管理部", "公积金管理部", "gongjijin", "主任"),
    ("D33", "县城乡公交公司", "公交公司", "gongjiao", "总经理"),
)
SUPERVISION_CODE = "D23"

HALL_NAME = "县政务服务中心"
# Windows of the service hall, in counter order.
WINDOWS: tuple[str, ...] = (
    "综合受理窗口",
    "不动产登记窗口",
    "社保窗口",
    "医保窗口",
    "公积金窗口",
    "户籍窗口",
    "出入境窗口",
    "车驾管窗口",
    "企业开办窗口",
    "税务窗口",
    "工程建设项目审批窗口",
    "投资项目审批窗口",
    "水电气联办窗口",
    "交通运输窗口",
    "婚姻登记窗口",
    "残疾人服务窗口",
    "退役军人服务窗口",
    "人才就业窗口",
    "帮办代办窗口",
    "12345热线受理窗口",
)

# The county seat's communities come first so that 新华社区 is always in 城关镇.
COMMUNITY_NAMES: tuple[str, ...] = (
    "新华社区",
    "建设社区",
    "人民社区",
    "解放社区",
    "朝阳社区",
    "文昌社区",
    "东门社区",
    "南门社区",
    "西门社区",
    "北门社区",
    "滨江社区",
    "和平社区",
    "幸福社区",
    "光明社区",
    "锦绣社区",
    "迎宾社区",
    "长虹社区",
    "站前社区",
    "学府社区",
    "金盆社区",
)

VILLAGE_ROOTS: tuple[str, ...] = (
    "柳树湾",
    "石门坎",
    "桃花",
    "青龙",
    "白马",
    "黄土坡",
    "杨柳",
    "金鸡",
    "凤凰",
    "大坪",
    "双河",
    "新田",
    "长岭",
    "枫树",
    "竹园",
    "荷塘",
    "龙潭",
    "马鞍山",
    "茶园",
    "梅溪",
    "松林",
    "杉木冲",
    "板桥",
    "石板",
    "清水",
    "沙坪",
    "花桥",
    "樟树",
    "莲花",
    "狮子山",
    "象鼻",
    "牛角湾",
    "鸭塘",
    "桂花",
    "槐树",
    "栗山",
    "田心",
    "塘湾",
    "团山",
    "岩口",
    "峡口",
    "溪口",
    "河东",
    "河西",
    "上湾",
    "下湾",
    "中湾",
    "老屋场",
    "新屋",
    "联合",
    "红星",
    "胜利",
    "东风",
    "前进",
    "跃进",
    "五星",
    "三合",
    "四方",
    "六合",
    "八角",
    "十里铺",
    "百丈",
    "千工坪",
    "万福",
    "兴隆",
    "永丰",
    "丰收",
    "太平",
    "长兴",
    "福寿",
    "德胜",
    "仁和",
    "义和",
    "安乐",
    "宝塔",
    "观音岩",
    "龙门",
    "虎形山",
    "鹤鸣",
    "燕子岩",
    "白鹤",
    "黄龙",
    "银山",
    "铜锣",
    "铁炉",
    "瓦窑",
    "石灰窑",
    "炭山",
    "油榨",
    "水口",
    "山塘",
    "坪上",
    "岭下",
    "高家坳",
    "大湾",
    "小河",
    "泉水",
    "月亮湾",
    "星光",
    "凉亭",
    "石笋",
    "鲤鱼塘",
    "金竹",
    "芦花",
    "荆竹",
    "青岗",
    "南岳",
    "北岭",
    "西冲",
    "东岗",
)
VILLAGE_SURNAME_PLACES: tuple[str, ...] = ("", "湾", "坪", "冲", "岭", "坝", "桥", "塘", "垄")

# Common surnames, most frequent first (weights fall off down the list), and given-name
# characters; combinations are invented and any likeness to a real person is chance.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌辉红玉兰志新海波宁宇浩鹏飞"
    "俊峰晨婷雪琳欣怡佳颖慧敏丹萍燕莉梅云春晓亮林松柏成龙凤德福寿安康乐永长兴旺利民生荣"
    "昌盛顺发金银铭轩子涵梓睿思彤雨萱"
)

COUNTY_LEAD_TITLES = ("县长", "常务副县长", "副县长", "副县长")


# --- categories ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCategory:
    """A case category and the department that owns it; ``parent`` is '' at the top."""

    code: str
    name: str
    parent: str
    owner: str


# (code, name, owner, children); children are (code, name, owner). Codes are stable ids for
# the category model another app defines; names follow what counties print in bulletins.
_CATEGORY_TREE: tuple[tuple[str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("chengxiang", "城乡建设", "D08", (
        ("zhufang", "住房保障", "D08"),
        ("wuye", "物业管理", "D08"),
        ("shizheng", "市政设施", "D08"),
        ("jianzhu", "建筑施工", "D08"),
        ("zhengqian", "征地拆迁", "D06"),
    )),
    ("huanwei", "环境卫生", "D14", (
        ("laji", "垃圾清运", "D14"),
        ("weijian", "违章搭建", "D14"),
        ("zhandao", "占道经营", "D14"),
    )),
    ("jiaotong", "交通运输", "D09", (
        ("daolu", "道路维修", "D09"),
        ("gongjiao", "公交出行", "D33"),
        ("chuzuche", "出租车与网约车", "D09"),
        ("jiaotongzhixu", "交通秩序", "D03"),
    )),
    ("laodong", "劳动和社会保障", "D05", (
        ("gongzi", "工资拖欠", "D05"),
        ("yanglao", "养老保险", "D05"),
        ("jiuye", "就业创业", "D05"),
        ("yiliaobaoxian", "医疗保险", "D16"),
    )),
    ("jiaoyu", "教育文体", "D02", (
        ("ruxue", "入学与学位", "D02"),
        ("xiaoguan", "学校收费与管理", "D02"),
        ("wenti", "文化体育设施", "D18"),
    )),
    ("weisheng", "卫生计生", "D12", (
        ("yiliao", "医疗服务", "D12"),
        ("gonggongweisheng", "疫苗与公共卫生", "D12"),
        ("shengyu", "生育服务", "D12"),
    )),
    ("shangmao", "商贸旅游", "D26", (
        ("lvyou", "旅游服务", "D18"),
        ("shangye", "商业网点", "D26"),
    )),
    ("shichang", "市场监管", "D13", (
        ("shipin", "食品安全", "D13"),
        ("jiage", "价格与消费纠纷", "D13"),
        ("zhiliang", "产品质量", "D13"),
    )),
    ("huanbao", "环境保护", "D07", (
        ("zaosheng", "噪声污染", "D07"),
        ("daqi", "大气与油烟污染", "D07"),
        ("shuiwuran", "水污染", "D07"),
    )),
    ("nongye", "农业农村", "D11", (
        ("huinong", "惠农补贴", "D11"),
        ("renju", "农村人居环境", "D11"),
        ("chengbao", "土地承包", "D11"),
    )),
    ("shuili", "水利", "D10", (
        ("guangai", "灌溉与水利设施", "D10"),
        ("fangxun", "防汛与河道", "D10"),
        ("yinshui", "农村饮水", "D10"),
    )),
    ("minzheng", "民政", "D04", (
        ("dibao", "低保与救助", "D04"),
        ("yanglaofuwu", "养老服务", "D04"),
        ("canji", "残疾人服务", "D30"),
    )),
    ("gongan", "公安", "D03", (
        ("zhian", "治安管理", "D03"),
        ("huji", "户籍办理", "D03"),
        ("zhapian", "电信诈骗", "D03"),
    )),
    ("shuidianqi", "水电气", "D21", (
        ("gongdian", "供电", "D21"),
        ("gongshui", "供水", "D22"),
        ("ranqi", "燃气", "D31"),
    )),
    ("zhengwu", "政务服务", "D20", (
        ("banshi", "办事效率", "D20"),
        ("zuofeng", "干部作风", "D23"),
    )),
    ("tuiyi", "退役军人", "D17", (
        ("youfu", "优抚待遇", "D17"),
        ("anzhi", "安置就业", "D17"),
    )),
    ("anquan", "安全生产", "D15", (
        ("anquanyinhuan", "安全隐患", "D15"),
        ("dizhizaihai", "地质灾害", "D06"),
    )),
)  # fmt: skip


def _flatten_categories() -> tuple[DemoCategory, ...]:
    out: list[DemoCategory] = []
    for code, name, owner, children in _CATEGORY_TREE:
        out.append(DemoCategory(code, name, "", owner))
        out.extend(DemoCategory(c, n, code, o) for c, n, o in children)
    return tuple(out)


CATEGORIES: tuple[DemoCategory, ...] = _flatten_categories()
CATEGORY_BY_CODE: dict[str, DemoCategory] = {c.code: c for c in CATEGORIES}
# The plain (category name, owning department code) list the category app can load.
CATEGORY_OWNERS: tuple[tuple[str, str], ...] = tuple((c.name, c.owner) for c in CATEGORIES)


def leaf_categories() -> tuple[DemoCategory, ...]:
    """Second-level categories, the ones a case is filed under."""
    return tuple(c for c in CATEGORIES if c.parent)


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str
    short_name: str = ""
    sort_order: int = 0


@dataclass(frozen=True)
class PersonSpec:
    """One member of staff and their posts ``(unit code, role, title)``."""

    username: str
    full_name: str
    phone: str
    posts: tuple[tuple[str, str, str], ...]
    demo_login: bool = False
    superuser: bool = False


@dataclass(frozen=True)
class DemoLogin:
    """A login printed by the demo command: who it is and what it shows."""

    username: str
    password: str
    role: str
    unit_name: str
    note: str


@dataclass(frozen=True)
class DemoPlace:
    """Where a citizen lives: a township and one of its villages or communities."""

    township: str
    village: str
    is_community: bool = False


@dataclass
class OrgPlan:
    """The whole demo organisation as plain data."""

    seed: int
    units: list[UnitSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[UnitSpec]:
        return [u for u in self.units if u.kind == kind]

    def unit(self, code: str) -> UnitSpec:
        return next(u for u in self.units if u.code == code)

    def places(self) -> list[DemoPlace]:
        """Every village and community with its township, for text generation."""
        townships = {u.code: u.name for u in self.of_kind(UnitKind.TOWNSHIP)}
        return [
            DemoPlace(townships[u.parent], u.name, u.name.endswith("社区"))
            for u in self.of_kind(UnitKind.VILLAGE)
        ]


class _Names:
    """Invents people's names and phone numbers from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Zipf-like weights: 王 and 李 far more common than 汤.
        self.weights = [1 / (i + 4) for i in range(len(SURNAMES))]

    def person(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=self.weights)[0]
        size = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))

    def mobile(self) -> str:
        prefix = self.rng.choice(
            ("135", "136", "137", "138", "139", "150", "151", "158", "177", "187", "189")
        )
        return prefix + "".join(str(self.rng.randrange(10)) for _ in range(8))


def _village_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct invented village names, in random order."""
    pool = {root + "村" for root in VILLAGE_ROOTS}
    for surname in SURNAMES[:36]:
        for place in VILLAGE_SURNAME_PLACES:
            pool.add(f"{surname}家{place}村")
    return rng.sample(sorted(pool), count)


def plan_demo_org(*, seed: int = DEFAULT_SEED) -> OrgPlan:
    """The demo organisation for ``seed``: the same seed always gives the same plan."""
    rng = random.Random(seed)
    names = _Names(rng)
    plan = OrgPlan(seed=seed)
    units = plan.units
    units.append(UnitSpec(COUNTY_CODE, COUNTY_NAME, UnitKind.COUNTY, "", "示范"))
    for order, (code, name, short, _key, _title) in enumerate(DEPARTMENTS, 1):
        units.append(UnitSpec(code, name, UnitKind.DEPARTMENT, COUNTY_CODE, short, order))
    units.append(UnitSpec(HALL_CODE, HALL_NAME, UnitKind.HALL, COUNTY_CODE, "政务中心", 90))
    for order, name in enumerate(WINDOWS, 1):
        units.append(
            UnitSpec(f"{HALL_CODE}W{order:02d}", name, UnitKind.WINDOW, HALL_CODE, "", order)
        )

    total_villages = sum(count - communities for _n, _k, count, communities in TOWNSHIPS)
    village_names = iter(_village_names(rng, total_villages))
    seat_communities = iter(COMMUNITY_NAMES)
    for t_order, (name, _key, count, communities) in enumerate(TOWNSHIPS, 1):
        t_code = f"T{t_order:02d}"
        root = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        units.append(UnitSpec(t_code, name, UnitKind.TOWNSHIP, COUNTY_CODE, root, t_order))
        if t_order <= 2:  # the county seat and its street office: urban communities
            community_names = [next(seat_communities) for _ in range(communities)]
        else:  # a market town: the community around the township government
            community_names = [f"{root}社区", f"{root}新街社区"][:communities]
        village_list = community_names + [next(village_names) for _ in range(count - communities)]
        for v_order, v_name in enumerate(village_list, 1):
            units.append(
                UnitSpec(f"{t_code}V{v_order:03d}", v_name, UnitKind.VILLAGE, t_code, "", v_order)
            )

    people = plan.people
    used: set[str] = set()

    def add(username: str, posts: tuple[tuple[str, str, str], ...], **flags: bool) -> None:
        assert username not in used, username
        used.add(username)
        people.append(PersonSpec(username, names.person(), names.mobile(), posts, **flags))

    add("admin", ((COUNTY_CODE, Role.ADMIN, "系统管理员"),), demo_login=True, superuser=True)
    add("dispatcher", ((COUNTY_CODE, Role.DISPATCHER, "热线派单员"),), demo_login=True)
    for i in (2, 3):
        add(f"dispatcher{i}", ((COUNTY_CODE, Role.DISPATCHER, "热线派单员"),))
    add("lead", ((COUNTY_CODE, Role.COUNTY_LEAD, COUNTY_LEAD_TITLES[0]),), demo_login=True)
    for i, title in enumerate(COUNTY_LEAD_TITLES[1:], 2):
        add(f"lead{i}", ((COUNTY_CODE, Role.COUNTY_LEAD, title),))
    add("inspector", ((SUPERVISION_CODE, Role.INSPECTOR, "督查专员"),), demo_login=True)
    for i in (2, 3, 4):
        add(f"inspector{i}", ((SUPERVISION_CODE, Role.INSPECTOR, "督查专员"),))

    demo_handlers = {"chengguan", "zhujian", "jiaotong"}
    for code, _name, _short, key, lead_title in DEPARTMENTS:
        add(key, ((code, Role.HANDLER, "办事员"),), demo_login=key in demo_handlers)
        add(f"{key}_lead", ((code, Role.UNIT_LEAD, lead_title),), demo_login=key == "zhujian")
    for t_order, (name, key, _count, _c) in enumerate(TOWNSHIPS, 1):
        t_code = f"T{t_order:02d}"
        lead_title = (
            "主任" if name.endswith("街道") else ("乡长" if name.endswith("乡") else "镇长")
        )
        add(key, ((t_code, Role.HANDLER, "综治专干"),), demo_login=key in demo_handlers)
        add(f"{key}_lead", ((t_code, Role.UNIT_LEAD, lead_title),), demo_login=key == "chengguan")
    for unit in plan.of_kind(UnitKind.VILLAGE):
        community = unit.name.endswith("社区")
        username = "xinhua" if unit.name == "新华社区" else unit.code.lower()
        title = "社区专干" if community else "村务专干"
        add(username, ((unit.code, Role.HANDLER, title),), demo_login=username == "xinhua")
    # The hall's lead signs in to the demo: bad ratings of every window reach the hall.
    add("zhengwu", ((HALL_CODE, Role.UNIT_LEAD, "中心主任"),), demo_login=True)
    for unit in plan.of_kind(UnitKind.WINDOW):
        username = "chuangkou" if unit.name == "不动产登记窗口" else unit.code.lower()
        add(
            username,
            ((unit.code, Role.HANDLER, "窗口工作人员"),),
            demo_login=username == "chuangkou",
        )

    notes = {
        "admin": "系统管理员，可进入后台",
        "dispatcher": "派单员，全县范围",
        "lead": "县领导，全县范围",
        "inspector": "督查员（县委县政府督查室），全县范围",
        "chengguan": "乡镇承办人（城关镇）",
        "chengguan_lead": "乡镇负责人（城关镇）",
        "xinhua": "社区承办人（城关镇新华社区）",
        "zhujian": "部门承办人（县住房和城乡建设局）",
        "zhujian_lead": "部门负责人（县住房和城乡建设局）",
        "jiaotong": "部门承办人（县交通运输局）",
        "chuangkou": "窗口工作人员（不动产登记窗口）",
        "zhengwu": "政务服务中心主任（县政务服务中心及各窗口）",
    }
    unit_names = {u.code: u.name for u in units}
    for person in people:
        if person.demo_login:
            unit_code, role, _title = person.posts[0]
            plan.logins.append(
                DemoLogin(
                    person.username,
                    DEMO_PASSWORD,
                    role,
                    unit_names[unit_code],
                    notes[person.username],
                )
            )
    return plan


# --- writing -------------------------------------------------------------------------------


@dataclass
class DemoOrg:
    """The demo organisation as written: units by code, users by username, the logins."""

    plan: OrgPlan
    county: Unit
    units: dict[str, Unit]
    users: dict[str, User]
    logins: list[DemoLogin]

    def units_of(self, kind: str) -> list[Unit]:
        return [u for u in self.units.values() if u.kind == kind]


def _levels(plan: OrgPlan) -> Iterator[list[UnitSpec]]:
    """Units grouped by depth, parents before children."""
    depth: dict[str, int] = {}
    by_depth: dict[int, list[UnitSpec]] = {}
    for spec in plan.units:  # the plan lists every parent before its children
        depth[spec.code] = depth[spec.parent] + 1 if spec.parent else 0
        by_depth.setdefault(depth[spec.code], []).append(spec)
    for level in sorted(by_depth):
        yield by_depth[level]


def _snapshot(unit: Unit) -> dict[str, object]:
    # The same keys as the "create" records that orgs.services.unit_create writes.
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "active": unit.active,
    }


@transaction.atomic
def build_demo_org(*, seed: int = DEFAULT_SEED) -> DemoOrg:
    """Write the demo organisation into an empty database, fast.

    Units go in one bulk insert per tree level; ``path`` and ``depth`` are then set exactly
    as ``Unit.save()`` computes them (``parent.path + id + '/'``), which needs the ids, hence
    a second bulk update per level. Each unit gets the "create" change record that
    ``unit_create`` would have written. Only the demo logins get a password (one hash for
    all); everyone else has an unusable password.
    """
    if Unit.objects.exists():
        raise Conflict("数据库中已有单位，演示县只能建在空数据库中")
    plan = plan_demo_org(seed=seed)
    units: dict[str, Unit] = {}
    for level in _levels(plan):
        batch = [
            Unit(
                code=s.code,
                name=s.name,
                name_traditional=to_traditional(s.name),
                short_name=s.short_name,
                kind=s.kind,
                parent=units[s.parent] if s.parent else None,
                sort_order=s.sort_order,
                path="",
            )
            for s in level
        ]
        Unit.objects.bulk_create(batch, batch_size=500)
        # Not every backend returns ids from a bulk insert; read them back by code.
        ids = dict(Unit.objects.filter(code__in=[u.code for u in batch]).values_list("code", "id"))
        for unit in batch:
            unit.pk = ids[unit.code]
            unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
            unit.depth = unit.path.count("/") - 2
            units[unit.code] = unit
        Unit.objects.bulk_update(batch, ["path", "depth"], batch_size=500)
    UnitChange.objects.bulk_create(
        [
            UnitChange(unit=u, actor=None, action="create", after=_snapshot(u))
            for u in units.values()
        ],
        batch_size=500,
    )

    demo_hash = make_password(DEMO_PASSWORD)
    users = [
        User(
            username=p.username,
            full_name=p.full_name,
            phone=p.phone,
            password=demo_hash if p.demo_login else make_password(None),
            is_staff=p.superuser,
            is_superuser=p.superuser,
        )
        for p in plan.people
    ]
    User.objects.bulk_create(users, batch_size=500)
    user_ids = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )
    for user in users:
        user.pk = user_ids[user.username]
    by_name = {u.username: u for u in users}
    Post.objects.bulk_create(
        [
            Post(user=by_name[p.username], unit=units[code], role=role, title=title)
            for p in plan.people
            for code, role, title in p.posts
        ],
        batch_size=500,
    )
    return DemoOrg(
        plan=plan, county=units[COUNTY_CODE], units=units, users=by_name, logins=list(plan.logins)
    )
