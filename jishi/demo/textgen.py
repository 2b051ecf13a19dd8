"""Invented citizen messages and official replies for the demo county.

Every template and word list here was written for this project. A message is assembled
from an opening, one or two issue sentences of its category (with places from the demo
county, roads, estates and landmarks invented below), an impact in one of several tones, a
request and a closing. On purpose the text is messy the way real messages are: some arrive
in Traditional characters, some with full-width digits, some with a phone number in the
body, and some mention two domains at once, so a classifier trained on it cannot be perfect.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from jishi.common.text import to_traditional
from jishi.demo.orgdata import CATEGORIES, CATEGORY_BY_CODE, DEPARTMENTS, DemoPlace

MIN_BODY = 40
MAX_BODY = 300
TRADITIONAL_SHARE = 0.03
FULL_WIDTH_SHARE = 0.05
PHONE_SHARE = 0.12
TWO_DOMAIN_SHARE = 0.10

ROADS = (
    "人民路", "解放路", "建设路", "滨江路", "文化路", "新华街", "迎宾大道", "朝阳路", "五一路",
    "胜利路", "沿河东路", "沿河西路", "工业大道", "学府路", "站前路", "环城北路", "环城南路",
    "青年路", "花园路", "北正街",
)  # fmt: skip
ESTATES = (
    "锦绣花园", "金色家园", "滨江花苑", "阳光城", "御景湾", "翰林苑", "和谐家园", "东方明珠小区",
    "幸福里小区", "凤凰新城", "桂园小区", "电力小区", "教师新村", "财富广场", "龙泉山庄",
    "紫荆苑", "碧水蓝湾", "建材小区",
)  # fmt: skip
LANDMARKS = (
    "县一中", "县人民医院", "汽车站", "农贸市场", "步行街", "沿河风光带", "体育馆", "文化广场",
    "县二中", "实验小学", "中医院", "老街", "高铁站", "工业园", "新华书店", "烈士陵园",
)  # fmt: skip
SHOPS = (
    "一家烧烤店", "一家夜宵摊", "一家快餐店", "一家超市", "一家奶茶店", "一家副食店",
    "一家火锅店", "一家药店", "一家粉店", "一家KTV",
)  # fmt: skip
COMPANIES = ("某建筑公司", "一家物流公司", "某劳务公司", "一家服装厂", "某装修公司", "一家砖厂")
TIMES = ("晚上十点以后", "凌晨两三点", "每天早上六点", "中午", "周末", "每天晚上", "半夜", "傍晚")
DATES = ("上个月", "前几天", "上周", "今年三月份", "去年年底", "这个月初", "春节前", "昨天")
FEELINGS = ("出行", "休息", "生活", "孩子上学", "老人看病", "做生意", "种田")


@dataclass(frozen=True)
class _Topic:
    titles: tuple[str, ...]
    issues: tuple[str, ...]
    demands: tuple[str, ...]


# One entry per second-level category (``orgdata.CATEGORIES``). Slots: {township},
# {village}, {place}, {road}, {estate}, {landmark}, {shop}, {company}, {time}, {date},
# {n} (2–9), {nn} (10–99), {months}, {money}, {bus}.
TOPICS: dict[str, _Topic] = {
    "zhufang": _Topic(
        ("公租房申请迟迟没有结果", "保障房分配不公平", "棚改安置房何时交房"),
        (
            "我家是低收入住房困难家庭，{date}就交了公租房申请材料，到现在{months}个月了还没有消息。",
            "{estate}的保障性住房分配名单里，有人家里有两套房也分到了，我们一家五口挤在{n}十平米的老房子里却没分到。",
            "{road}棚户区改造的安置房合同上写的是去年交房，现在还没动静，租房过渡费也停发了{months}个月。",
        ),
        ("希望住建部门公开审核结果。", "请尽快给个明确的交房时间。", "请求重新核查分配名单。"),
    ),
    "wuye": _Topic(
        ("{estate}物业不作为", "小区电梯经常坏", "物业乱涨价", "公共维修资金去向不明"),
        (
            "{estate}的物业公司收了物业费却什么都不管，楼道灯坏了{months}个月没人修，垃圾堆在门口好几天。",
            "我们{estate}的电梯一个月坏了{n}次，上周还把人关在里面半个多小时，物业只是说在等配件。",
            "物业今年突然把物业费从每平米{n}毛涨到一块{n}，没有开业主大会，也没有公示。",
            "小区的公共维修资金被物业动用了，业主们想查账，物业一直推脱不给看。",
        ),
        ("请主管部门督促物业整改。", "希望查一查物业的收费是否合规。", "请帮助我们依法更换物业。"),
    ),
    "shizheng": _Topic(
        ("{road}路灯不亮", "下水道堵塞污水外溢", "窨井盖缺失有安全隐患", "{road}人行道砖破损"),
        (
            "{road}从{landmark}到十字路口这一段的路灯已经坏了{nn}多天，晚上黑漆漆的，走路很不安全。",
            "{estate}门口的下水道一下雨就堵，污水漫到路面上，臭气熏天。",
            "{road}靠近{landmark}的人行道上有一个窨井盖不见了，只用一根树枝插着，小孩子很容易掉下去。",
            "{road}的人行道砖翘起来好多块，下雨天一踩就溅一身泥水。",
        ),
        ("请尽快派人维修。", "希望市政部门排查一下整条路。"),
    ),
    "jianzhu": _Topic(
        ("工地夜间施工扰民", "新房墙体开裂漏水", "工地渣土车带泥上路"),
        (
            "{road}旁边的工地{time}还在打桩，机器轰隆隆响，周边居民根本睡不着。",
            "我在{estate}买的新房刚交房{months}个月，卫生间和外墙就开始渗水，墙体也出现了裂缝，开发商一直拖着不修。",
            "{landmark}附近工地的渣土车进出不冲洗，{road}上全是泥巴，晴天灰尘满天，雨天泥泞不堪。",
        ),
        ("请相关部门依法查处。", "要求开发商尽快维修并赔偿损失。"),
    ),
    "zhengqian": _Topic(
        ("征地补偿款没有发到位", "拆迁补偿标准不一致", "征收土地未公示"),
        (
            "{village}{date}被征收了{n}亩耕地用于修路，到现在补偿款还有一部分没有发到农户手上。",
            "同样是{road}拓宽拆迁，隔壁一户每平米补偿比我家多了好几百元，我们想知道标准是什么。",
            "我们{village}有一块集体土地被人圈起来了，村民都不知道是征收还是租用，也没有看到任何公示。",
        ),
        ("请公开征收和补偿的依据。", "希望尽快把补偿款发放到位。"),
    ),
    "laji": _Topic(
        ("{village}垃圾无人清运", "垃圾站臭气扰民", "{road}垃圾桶破损没人换"),
        (
            "{village}路口的垃圾池已经满出来了，{n}天都没有人来清运，苍蝇蚊子到处飞。",
            "{estate}旁边新设的垃圾中转站离住户太近，夏天臭气熏天，窗户都不敢开。",
            "{road}上的垃圾桶破了也没人换，清洁工每天只来一次，傍晚垃圾就堆满了。",
        ),
        ("请环卫部门增加清运次数。", "希望把垃圾站迁远一点或者加装除臭设备。"),
    ),
    "weijian": _Topic(
        ("{estate}楼顶违章搭建", "占用公共绿地私搭乱建", "一楼住户扩建阳台堵消防通道"),
        (
            "{estate}{n}栋顶楼的住户在楼顶私自加盖了一层铁皮房，下雨天漏水漏到我们家。",
            "{road}有人把门口的公共绿地圈起来盖了个棚子，用来堆放杂物。",
            "我们楼下一楼住户把阳台往外扩建了两米多，挡住了消防通道。",
        ),
        ("请城管部门依法拆除。", "希望有关部门来现场看看。"),
    ),
    "zhandao": _Topic(
        ("{landmark}门口摊贩占道", "店铺外摆占用人行道", "{road}流动摊贩扰民"),
        (
            "{landmark}门口每天早上都有卖菜的摊贩占了大半条马路，车子根本过不去。",
            "{road}上的{shop}把桌子摆到了人行道上，行人只能走到机动车道上去。",
            "{time}{road}一带全是流动摊贩，油烟、噪音、垃圾都很严重。",
        ),
        ("请城管加强巡查。", "希望规划一个集中的摊点位置。"),
    ),
    "daolu": _Topic(
        ("{village}通村公路坑洼不平", "{road}路面塌陷", "村道修了一半停工", "桥面开裂护栏损坏"),
        (
            "从{township}到{village}的通村公路坑坑洼洼，下雨天积水很深，摩托车经常摔倒。",
            "{road}靠近{landmark}的路面塌陷了一个大坑，已经有{n}辆车在那里爆胎了。",
            "{village}的村道{date}开始拓宽，挖了一半就停工了，路面全是碎石，老人小孩出行很不方便。",
            "{township}往县城方向的那座桥桥面开裂，桥两边的护栏也断了几截。",
        ),
        ("请交通部门尽快修复。", "希望早日复工，给个完工时间。"),
    ),
    "gongjiao": _Topic(
        (
            "{bus}公交车班次太少",
            "希望开通到{village}的公交",
            "公交司机开车太猛",
            "公交站台没有雨棚",
        ),
        (
            "{bus}公交车以前二十分钟一班，现在要等将近一个小时，学生和上班族都很着急。",
            "{village}离{township}集镇有十几里路，村里没有通公交，老人去赶集看病都很难。",
            "{date}我坐{bus}公交车，司机一路开得很猛，老人没站稳摔倒了，司机还骂人。",
            "{landmark}站的公交站台没有遮雨棚，下雨天等车的人只能站在雨里。",
        ),
        ("希望增加班次。", "请公交公司严肃处理该司机。", "请求开通或延伸公交线路。"),
    ),
    "chuzuche": _Topic(
        ("出租车不打表乱要价", "网约车绕路多收钱", "{landmark}出租车挑客拒载"),
        (
            "{date}晚上我在{landmark}打出租车，司机不打表，开口就要{nn}块钱，比平时贵了一倍。",
            "我坐网约车去{township}，司机故意绕路，多跑了十几公里，平台投诉也没人理。",
            "{landmark}门口的出租车挑客拒载，说去{township}太远不去。",
        ),
        ("请运管部门查处。", "希望规范出租车收费。"),
    ),
    "jiaotongzhixu": _Topic(
        ("{landmark}门口交通拥堵", "{road}大货车超速", "消防通道被私家车占用", "路口红绿灯坏了"),
        (
            "每天放学时间{landmark}门口的路口都堵得水泄不通，家长的车乱停乱放，没有交警疏导。",
            "{road}上经常有大货车超速，{date}还撞了一个骑电动车的老人。",
            "{estate}门口的消防通道被私家车长期占用，物业管不了。",
            "{road}和{landmark}交叉的路口红绿灯坏了{n}天，车辆乱成一团。",
        ),
        ("请交警部门加强管理。", "建议在此处增设红绿灯或减速带。"),
    ),
    "gongzi": _Topic(
        ("农民工工资被拖欠", "{company}拖欠工资", "讨薪无门"),
        (
            "我在{road}的工地上做了{months}个月的活，{company}欠我们{n}十多个工人工资共{money}，老板一直躲着不见。",
            "我在{company}上班，公司已经{months}个月没有发工资了，说是资金周转困难。",
            "去年在{township}的项目上做木工，包工头拿了钱跑了，我们的工钱{money}一直没有着落。",
        ),
        ("请劳动监察部门帮我们讨回工资。", "过年前一定要把工资发下来，家里等着用钱。"),
    ),
    "yanglao": _Topic(
        ("养老保险转移接续问题", "养老金没有按时到账", "城乡居民养老保险缴费咨询"),
        (
            "我以前在外省打工交了{n}年的社保，现在回{township}了，想把养老保险转回来，不知道要办哪些手续。",
            "我父亲今年刚满六十岁，领取养老金的手续{date}就办了，到现在还没有到账。",
            "城乡居民养老保险今年的缴费档次有哪些？在村里交还是要去县城交？",
        ),
        ("请告知办理流程。", "希望尽快核实发放。"),
    ),
    "jiuye": _Topic(
        ("返乡创业贷款申请难", "公益性岗位招聘不公开", "就业培训咨询"),
        (
            "我从外地回{township}想开一个养殖场，听说有创业担保贷款，可是去问了几次都说材料不齐。",
            "{village}的公益性岗位招了{n}个人，都是村干部的亲戚，事先也没有公示。",
            "我是下岗职工，想参加电工或者家政培训，请问县里有没有免费的技能培训班？",
        ),
        ("请公开招聘流程。", "希望给个明确的答复。"),
    ),
    "yiliaobaoxian": _Topic(
        ("医保报销比例太低", "异地就医备案咨询", "医保卡被冒用"),
        (
            "我母亲在{landmark}住院花了{money}，出院结算时医保报销的比例比说好的低了很多。",
            "我在外地工作，孩子的医保在{township}交的，在外地看病怎么备案报销？",
            "我查医保记录发现有{n}笔在药店的消费不是我本人刷的。",
        ),
        ("请医保部门核查。", "请告知具体办理流程。"),
    ),
    "ruxue": _Topic(
        ("孩子入学划片不合理", "进城务工子女上学难", "幼儿园学位紧张"),
        (
            "我们住在{estate}，离{landmark}只有几百米，却被划到了三公里外的学校。",
            "我在县城打工{n}年了，有居住证和社保，孩子上小学却被要求交各种证明，跑了好多趟。",
            "{township}只有一所公办幼儿园，报名的人太多，抽签没抽上，私立的又太贵。",
        ),
        ("希望教育局重新考虑划片。", "请帮忙解决孩子上学问题。"),
    ),
    "xiaoguan": _Topic(
        ("学校违规收费", "学校食堂饭菜质量差", "老师有偿补课", "学校到校时间太早"),
        (
            "{landmark}要求每个学生交{nn}0元的资料费，不交的话老师就在班上点名。",
            "{township}中学食堂的饭菜又贵又难吃，孩子回家说菜里经常有虫子。",
            "{landmark}有老师放学后在家里办补习班，班上大部分同学都去了，不去的怕被区别对待。",
            "学校规定的到校时间太早，孩子每天六点就要出门，{time}还有作业写不完。",
        ),
        ("请教育部门调查处理。", "希望学校公开收费项目。"),
    ),
    "wenti": _Topic(
        ("{village}文化广场设施损坏", "体育馆对外开放时间太短", "希望建一个篮球场"),
        (
            "{village}的文化广场上健身器材坏了{n}件，有个单杠都松动了，很危险。",
            "县体育馆平时大门紧锁，只有周末开放半天，想锻炼都没地方去。",
            "{estate}周边几千户居民，没有一个像样的篮球场和健身场所。",
        ),
        ("请尽快维修器材。", "建议延长开放时间。"),
    ),
    "yiliao": _Topic(
        ("医院看病排队时间长", "医生态度恶劣", "乡镇卫生院缺药", "{village}卫生室没有医生"),
        (
            "{date}带孩子到{landmark}看急诊，排了{n}个多小时，医生看了不到两分钟。",
            "{landmark}有个医生对病人大吼大叫，我父亲问了两句就被赶出来了。",
            "{township}卫生院常用的降压药经常缺货，老人们只能跑县城去买。",
            "{village}的村卫生室医生退休了，一直没有人接替。",
        ),
        ("请卫健部门加强管理。", "希望给村里配一个医生。"),
    ),
    "gonggongweisheng": _Topic(
        ("疫苗接种预约难", "儿童预防接种咨询", "{village}有人乱倒医疗垃圾"),
        (
            "在{township}卫生院预约宫颈癌疫苗，排了{months}个月还没有排上。",
            "孩子的预防接种本丢了，补办要去哪里？之前打过的疫苗记录还能查到吗？",
            "{village}后山上有人倾倒了一堆输液瓶和针头，怀疑是附近诊所倒的。",
        ),
        ("请告知具体办理方式。", "请相关部门调查处理。"),
    ),
    "shengyu": _Topic(
        ("生育津贴申领咨询", "出生医学证明办理", "育儿补贴政策咨询"),
        (
            "我{date}生了二胎，单位说生育津贴要我自己去申请，请问需要哪些材料？",
            "孩子在外地出生，出生医学证明上的名字写错了一个字，回{township}能改吗？",
            "听说县里有三孩育儿补贴，我们家符合条件，到哪里去申请？",
        ),
        ("请告知办理流程。", "盼答复。"),
    ),
    "lvyou": _Topic(
        ("景区门票乱涨价", "节假日景区停车难", "农家乐服务差"),
        (
            "{village}附近的景区门票从{nn}元涨到了{nn}元，也没有听证。",
            "五一假期去{township}的景区，停车场满了，车子停在路边被贴了罚单。",
            "在{village}的一家农家乐吃饭，菜单没有标价，结账的时候被宰了。",
        ),
        ("请文旅部门规范管理。", "建议增加临时停车位。"),
    ),
    "shangye": _Topic(
        ("农贸市场环境脏乱差", "{township}没有大型超市", "商铺租金不合理"),
        (
            "{landmark}地面全是污水，摊位乱摆，雨天根本没法下脚。",
            "{township}镇上只有几家小卖部，买点日用品都要跑县城。",
            "{road}的门面是国有资产，今年租金一下涨了一倍，小商户都快做不下去了。",
        ),
        ("希望改善市场环境。", "请商务部门协调。"),
    ),
    "shipin": _Topic(
        ("{shop}卫生条件差", "买到过期食品", "学校周边小卖部卖三无食品"),
        (
            "{road}的{shop}后厨脏得不得了，老鼠到处跑，吃完东西肚子疼了{n}天。",
            "{date}在{road}的一家超市买了牛奶，回家发现已经过期{n}天了。",
            "{landmark}门口的小卖部卖的辣条和饮料都是没有生产日期的三无产品。",
        ),
        ("请市场监管部门查处。", "希望加强检查。"),
    ),
    "jiage": _Topic(
        ("预付卡商家跑路", "商家价格欺诈", "网购退款纠纷"),
        (
            "我在{road}的一家健身房办了{money}的年卡，才去了{n}次老板就关门跑路了。",
            "{road}的{shop}标价和结账价不一样，收银员说是系统问题，但已经好几次了。",
            "在{township}一家家电店买的冰箱坏了，商家不给退也不给修。",
        ),
        ("请帮助我们维权。", "要求商家退款。"),
    ),
    "zhiliang": _Topic(
        ("买到假冒化肥", "电动车电池质量问题", "装修材料甲醛超标"),
        (
            "{date}在{township}农资店买的复合肥撒下去一点效果都没有，怀疑是假货，{n}亩地的庄稼都受了影响。",
            "新买的电动车电池用了{months}个月就充不进电，商家说不在保修范围。",
            "家里装修用的板材味道很大，检测出甲醛超标{n}倍。",
        ),
        ("请查处销售假货的商家。", "要求赔偿损失。"),
    ),
    "zaosheng": _Topic(
        ("广场舞噪音扰民", "{road}商铺噪音扰民", "工厂噪音扰民"),
        (
            "{estate}楼下的广场舞音响开得特别大，{time}还在跳，家里有高三学生根本没法学习。",
            "{road}的{shop}{time}还在大声放音乐，客人喝酒划拳的声音很吵。",
            "{landmark}旁边的工厂机器{time}也不停，嗡嗡声吵得人睡不着觉。",
        ),
        ("请有关部门管一管。", "希望规定一个音量和时间。"),
    ),
    "daqi": _Topic(
        ("餐馆油烟直排", "工厂排放黑烟", "{village}有人焚烧垃圾"),
        (
            "{estate}楼下的{shop}油烟直接排到楼上住户的窗户里，衣服都不敢晾在外面。",
            "{township}工业园的一家工厂{time}偷偷排黑烟，空气里有一股刺鼻的味道。",
            "{village}有人经常在田边焚烧塑料和垃圾，浓烟很大。",
        ),
        ("请环保部门查处。", "要求安装油烟净化设备。"),
    ),
    "shuiwuran": _Topic(
        ("河水被污染发黑发臭", "养殖场污水直排", "工厂偷排废水"),
        (
            "流经{village}的小河这段时间水变黑了，还有死鱼漂上来。",
            "{village}的一家养猪场把粪水直接排到了水渠里，下游的稻田都被污染了。",
            "{township}工业园附近的排水沟{time}会流出有颜色的废水。",
        ),
        ("请环保部门尽快调查。", "希望还我们一条干净的河。"),
    ),
    "huinong": _Topic(
        ("耕地地力保护补贴没有发", "农机购置补贴迟迟不到", "补贴发放不公开"),
        (
            "我家在{village}种了{n}亩田，今年的耕地地力保护补贴别人都到账了，我家的还没有。",
            "{date}买的收割机申请了农机购置补贴，{months}个月了还没有下来。",
            "{village}的惠农补贴名单从来不张贴公示，有些不种地的人也领了补贴。",
        ),
        ("请核实后补发。", "希望公开补贴名单。"),
    ),
    "renju": _Topic(
        ("{village}改厕工程质量差", "村里污水横流", "空心房拆除补偿"),
        (
            "{village}去年改的厕所，化粪池才用了{months}个月就漏了，臭味很大。",
            "{village}没有污水管网，家家户户的生活污水都排到路边的沟里。",
            "{village}拆除空心房说有补助，拆完了到现在也没有兑现。",
        ),
        ("请农业农村部门督促整改。", "希望把补助落实到位。"),
    ),
    "chengbao": _Topic(
        ("土地承包经营权纠纷", "土地流转租金不兑现", "承包地确权面积有误"),
        (
            "我家在{village}的承包地被邻居占了{n}分，找村委会调解了几次都没有结果。",
            "{date}村里把我们的地流转给了一个种植大户，说好每年每亩{nn}0元，现在已经拖了{months}个月。",
            "确权证上我家的承包地面积比实际少了{n}亩，申请更正一直没有回音。",
        ),
        ("请求镇里帮助调解。", "希望更正确权面积。"),
    ),
    "guangai": _Topic(
        ("{village}水渠年久失修", "山塘漏水无法蓄水", "抗旱抽水设备不够"),
        (
            "{village}的灌溉水渠塌了好几段，今年插秧的时候水根本放不过来。",
            "{village}的山塘大坝漏水，存不住水，下面{nn}多亩田都靠它灌溉。",
            "今年天旱，{township}的抽水机不够用，农户排着队抽水，秧苗都快干死了。",
        ),
        ("请水利部门尽快维修。", "希望调配抽水设备。"),
    ),
    "fangxun": _Topic(
        ("河堤存在安全隐患", "河道被非法采砂", "河道垃圾堵塞"),
        (
            "{village}旁边的河堤有一段出现了裂缝，汛期马上要到了，村民都很担心。",
            "{township}河段有人晚上偷偷采砂，河床被挖得坑坑洼洼。",
            "流过{village}的河道里堆满了垃圾和杂草，一下大雨就漫到田里。",
        ),
        ("请尽快派人来查看。", "请依法打击非法采砂。"),
    ),
    "yinshui": _Topic(
        ("{village}自来水经常停水", "饮用水浑浊有异味", "安全饮水工程没通到户"),
        (
            "{village}的自来水三天两头停，一停就是{n}天，也不提前通知。",
            "{village}的自来水放出来是黄色的，烧开后壶底一层沉淀。",
            "饮水工程的管子修到了{village}村口，可是我们{n}组还是没有通水，只能挑井水喝。",
        ),
        ("请尽快解决吃水问题。", "希望检测一下水质。"),
    ),
    "dibao": _Topic(
        ("低保评定不公平", "困难家庭申请救助", "低保金被停发"),
        (
            "{village}有几户家里开着小车、在县城有房子的也吃低保，真正困难的却评不上。",
            "我丈夫{date}查出重病，家里欠了{money}的债，不知道能不能申请临时救助。",
            "我家的低保{date}突然停了，也没有人告诉我们原因。",
        ),
        ("请民政部门核查。", "请求给予救助。"),
    ),
    "yanglaofuwu": _Topic(
        ("敬老院条件差", "高龄津贴没有发放", "希望村里办老年食堂"),
        (
            "{township}敬老院的房子年久失修，冬天没有取暖设施，老人们冻得不行。",
            "我母亲今年{nn}岁了，高龄津贴从{date}开始就没有领到。",
            "{village}的年轻人都出去打工了，留下的老人吃饭很成问题，希望能办一个老年食堂。",
        ),
        ("请民政部门关心一下。", "请核实后补发。"),
    ),
    "canji": _Topic(
        ("残疾证办理咨询", "残疾人补贴没有到位", "公共场所没有无障碍设施"),
        (
            "我儿子是听力残疾，想办残疾证，请问要到哪里去鉴定？",
            "我是二级肢体残疾，护理补贴已经{months}个月没有发了。",
            "{landmark}门口只有台阶没有坡道，坐轮椅的人根本进不去。",
        ),
        ("请告知办理流程。", "希望增设无障碍通道。"),
    ),
    "zhian": _Topic(
        ("{estate}电动车被盗", "有人聚众赌博", "夜宵摊经常打架"),
        (
            "{estate}最近{n}个月已经丢了好几辆电动车，监控是坏的。",
            "{village}有人在家里开设赌场，每天晚上很多外地车进出。",
            "{road}的夜宵摊{time}经常有人喝醉了打架，居民晚上都不敢出门。",
        ),
        ("请公安机关加强巡逻。", "请依法打击。"),
    ),
    "huji": _Topic(
        ("户口迁移手续咨询", "身份证补办太慢", "新生儿落户"),
        (
            "我想把户口从{township}迁到县城{estate}，需要准备哪些材料？",
            "身份证丢了去补办，说要等{nn}天，我下周要出差坐高铁怎么办？",
            "孩子是非婚生子女，去派出所上户口被要求做亲子鉴定，请问这是必须的吗？",
        ),
        ("请告知办理流程。", "希望简化手续。"),
    ),
    "zhapian": _Topic(
        ("冒充医保局诈骗", "网络刷单被骗", "{village}老人接到诈骗电话"),
        (
            "{date}我父亲接到一个自称是医保局的电话，说他的医保卡违规，骗走了{money}。",
            "我在网上做刷单兼职，一开始返了钱，后来投进去{money}就被拉黑了。",
            "最近{village}很多老人接到诈骗电话，有人已经上当了。",
        ),
        ("请公安机关帮忙追回损失。", "希望多到村里做防骗宣传。"),
    ),
    "gongdian": _Topic(
        ("{village}经常停电", "电压不稳烧坏电器", "电线杆倾斜有隐患"),
        (
            "{village}这个月已经停了{n}次电，每次都没有提前通知，冰箱里的东西都坏了。",
            "我们{village}{n}组电压太低，晚上灯都是暗的，空调根本开不起来。",
            "{road}边上有一根电线杆被车撞歪了，电线垂得很低。",
        ),
        ("请供电公司尽快检修。", "希望改造线路。"),
    ),
    "gongshui": _Topic(
        ("{estate}停水不通知", "水费异常偏高", "水管爆裂没人修"),
        (
            "{estate}{date}停水一整天，事先没有任何通知，小区里几百户人都没水用。",
            "我家上个月水费突然变成{nn}0多元，平时只有几十元，家里也没有漏水。",
            "{road}的自来水管爆了，水冒出来{n}个小时了还没人来修。",
        ),
        ("请自来水公司尽快处理。", "要求重新核查水表。"),
    ),
    "ranqi": _Topic(
        ("燃气管道安装收费高", "燃气泄漏有异味", "燃气开户太慢"),
        (
            "{estate}开通管道燃气，每户要交{money}的安装费，比周边县贵很多。",
            "{estate}{n}栋楼道里总有一股燃气味，报修了也没人来检查。",
            "我家{date}申请开通燃气，到现在还没有安装，一直说排队。",
        ),
        ("请燃气公司尽快处理。", "希望公开收费标准。"),
    ),
    "banshi": _Topic(
        ("办事来回跑多次", "政务大厅窗口人少排长队", "网上办事系统难用"),
        (
            "我到县政务服务中心办不动产证，跑了{n}趟，每次都说缺一样材料，就不能一次性告知吗？",
            "政务服务中心的社保窗口只开了两个，每天早上排长队，{time}去都排不上。",
            "网上办事大厅总是登录不上，打电话咨询也没人接。",
        ),
        ("希望一次性告知所需材料。", "建议多开几个窗口。"),
    ),
    "zuofeng": _Topic(
        ("工作人员上班时间玩手机", "村干部优亲厚友", "办事人员吃拿卡要"),
        (
            "{date}去{township}政府办事，工作人员一边玩手机一边说领导不在，让我改天再来。",
            "{village}的村干部把危房改造的名额给了自己亲戚，村民意见很大。",
            "去办个证明，经办人员暗示要给点好处才能快点办。",
        ),
        ("请纪检部门调查。", "希望严肃处理相关人员。"),
    ),
    "youfu": _Topic(
        ("优抚金没有按时发放", "退役军人证件办理", "光荣牌没有悬挂"),
        (
            "我是参战退役军人，今年的优抚金到现在还没有发。",
            "我{date}退伍回到{township}，退役军人优待证要去哪里办？",
            "我们{village}有几户烈属家里还没有挂光荣牌。",
        ),
        ("请退役军人事务局核实。", "请告知办理流程。"),
    ),
    "anzhi": _Topic(
        ("退役士兵安置问题", "退役军人就业帮扶", "自主就业补助金咨询"),
        (
            "我是符合安排工作条件的退役士兵，退伍{years}年了还没有安置。",
            "我退伍后想在{township}开个修车店，有没有创业扶持政策？",
            "退役后的一次性经济补助金什么时候发？我在{village}，一直没接到通知。",
        ),
        ("请尽快落实政策。", "盼答复。"),
    ),
    "anquanyinhuan": _Topic(
        ("小作坊存在安全隐患", "{estate}消防设施失效", "居民区囤积烟花爆竹"),
        (
            "{road}有一家小作坊在居民楼一楼生产，里面堆满了易燃的泡沫和油漆。",
            "{estate}的消防栓里面是空的，灭火器也都过期了。",
            "{township}有人在家里囤积烟花爆竹批发，周围都是住户。",
        ),
        ("请应急部门检查。", "希望消除隐患。"),
    ),
    "dizhizaihai": _Topic(
        ("{village}山体滑坡隐患", "房屋后山出现裂缝", "采石场爆破影响房屋"),
        (
            "{village}{n}组后山这几天下雨出现了裂缝，有石头往下滚，下面住了好几户人家。",
            "我家房屋后面的山坡{date}塌了一块，墙上也出现了裂缝。",
            "{village}附近的采石场每天放炮，震得我家房子的墙都裂了。",
        ),
        ("请国土部门派人勘查。", "请求搬迁或治理。"),
    ),
}  # fmt: skip

OPENINGS = (
    "您好！",
    "尊敬的领导：",
    "领导您好，",
    "县长您好！",
    "",
    "",
    "我是{village}的村民，",
    "我是住在{estate}的居民，",
    "反映一个问题。",
    "你好，我想反映一下，",
    "各位领导好，",
    "我是{township}人，",
    "打扰了，",
)
IMPACTS: dict[str, tuple[str, ...]] = {
    "calm": (
        "给我们的{feeling}带来了不便。",
        "周边群众意见比较大。",
        "希望有关部门重视一下。",
    ),
    "worried": (
        "已经严重影响到老人小孩的安全。",
        "再这样下去迟早要出事。",
        "我们一家人都很着急。",
    ),
    "angry": (
        "多次反映都没有人管，实在是忍无可忍！",
        "打了好几次电话，每次都说会处理，结果一点动静都没有！",
        "这样的问题拖了这么久，到底有没有人管？",
    ),
    "polite": (
        "知道大家工作都很辛苦，还是想请领导帮忙看看。",
        "麻烦领导在百忙之中关注一下。",
        "相信政府一定会帮我们解决。",
    ),
}
CLOSINGS = (
    "谢谢！",
    "盼复。",
    "望尽快解决，谢谢！",
    "辛苦了！",
    "麻烦尽快处理，谢谢领导。",
    "",
    "此致敬礼！",
    "期待回复。",
)
# A subject line says what kind of message it is: only a complaint reads "投诉：…", a
# suggestion "关于…的建议", an inquiry asks. Keys are ``CaseKind`` values.
TITLE_FRAMES: dict[str, tuple[str, ...]] = {
    "request": (
        "{t}",
        "{t}",
        "关于{t}的问题",
        "反映{t}",
        "请求解决{t}",
        "{t}，盼解决",
        "{township}{t}",
    ),
    "complaint": ("投诉：{t}", "投诉{t}", "{t}", "反映{t}", "关于{t}的投诉", "{township}{t}"),
    "suggestion": ("关于{t}的建议", "建议解决{t}", "对{t}的建议", "建议：{t}"),
    "inquiry": ("咨询：{t}", "关于{t}的咨询", "{t}怎么办？", "请问{t}如何处理"),
    "praise": ("表扬：{t}解决得快", "感谢帮忙解决{t}", "为{unit}点赞"),
}
PRAISE_BODIES = (
    "我是{village}的群众，前段时间反映的“{t}”问题，{unit}的工作人员{days}天内就上门处理好了，"
    "态度热情、办事高效，特此表扬，谢谢！",
    "之前{t}的事困扰我们很久，打电话反映后{unit}很快派人来看，现在已经彻底解决。给他们点个赞！",
    "感谢{unit}的同志！{t}的问题反映后第二天就有人联系我，跑了好几趟终于办好了，群众很满意。",
)
PHONE_LINES = (
    "联系电话：{phone}",
    "我的电话是{phone}。",
    "有事可以打我电话{phone}。",
    "电话{phone}",
)

# --- replies -------------------------------------------------------------------------------

# Substantive actions by top-level category; {unit} is the replying unit.
REPLY_ACTIONS: dict[str, tuple[str, ...]] = {
    "chengxiang": (
        "经现场核查，您反映的情况属实。我局已约谈相关企业负责人，责令其在{days}个工作日内完成整改，并将跟踪整改到位",
        "经查，该项目已列入今年城镇老旧设施改造计划，预计{month}月底前完工",
    ),
    "huanwei": (
        "我局已安排执法中队到现场处理，当场清理了堆放物，并对责任人进行了批评教育，今后将加大巡查频次",
        "已协调环卫所增加该区域的清运频次，由每天一次调整为每天两次",
    ),
    "jiaotong": (
        "我局已安排养护站对该路段进行修补，目前坑槽已全部填平，并设置了警示标志",
        "经研究，自{month}月起该线路将增加早晚高峰班次，发车间隔缩短至二十分钟",
    ),
    "laodong": (
        "劳动保障监察大队已立案调查，约谈了用工单位负责人，目前已督促其支付拖欠工资{money}",
        "经核实，您的待遇已按规定核定，相关款项将于本月内发放到您的社保卡",
    ),
    "jiaoyu": (
        "我局已责成学校立即停止收取该项费用，已收取的将全部退还，并对相关责任人进行了通报批评",
        "划片方案是根据学位容量和生源分布确定的，对确有困难的家庭，可于{month}月向学校提出申请，我局将统筹安排",
    ),
    "weisheng": (
        "我委已约谈医院负责人，对当事医务人员进行了批评教育，医院已向您致歉",
        "已协调县人民医院每周派医生到该卫生院坐诊，常用药品已补充到位",
    ),
    "shangmao": (
        "我局已会同相关部门对该经营场所进行了检查，责令其明码标价，规范经营",
        "已将您的建议转交规划部门，列入下一步商业网点布局研究",
    ),
    "shichang": (
        "执法人员已对该经营户进行检查，查扣了过期商品，并依法立案调查",
        "经调解，商家同意为您办理退款，款项已于近日退还",
    ),
    "huanbao": (
        "执法人员已到现场监测，该经营户噪声超标，已责令其整改，并安装了隔音设施",
        "我局已对该企业下达整改通知，责令其停产整顿，待验收合格后方可恢复生产",
    ),
    "nongye": (
        "经核实，因您家的银行账户信息有误导致补贴发放失败，现已更正，补贴将于下一批次补发",
        "已督促施工单位对问题户厕进行返修，目前已全部整改完毕",
    ),
    "shuili": (
        "我局已组织技术人员现场查勘，该水渠维修已纳入今年小型农田水利项目，将于{month}月前完工",
        "已调配{n}台抽水设备支援该村抗旱，并安排专人值守",
    ),
    "minzheng": (
        "经入户核查，对不符合条件的{n}户低保已依规停保，您的申请已进入审核程序",
        "已为您家办理临时救助，救助金已打入您的账户",
    ),
    "gongan": (
        "辖区派出所已加强该区域夜间巡逻，并协调物业修复了监控设施，案件正在侦办中",
        "户籍业务可在县政务服务中心户籍窗口办理，所需材料已通过短信告知您",
    ),
    "shuidianqi": (
        "经检查，故障原因是线路老化，抢修人员已更换线路，供电已恢复正常，该台区已列入今年改造计划",
        "经核查，您家水表计量正常，用水量增加系室内管道渗漏所致，已安排人员上门协助检修",
    ),
    "zhengwu": (
        "我局已对相关窗口工作人员进行了批评教育，并在全中心推行一次性告知制度",
        "已对该问题进行调查，对相关责任人作出了严肃处理，处理结果已向您当面反馈",
    ),
    "tuiyi": (
        "经核实，您的优抚金已于近日补发到位，因系统升级造成延误，向您致歉",
        "我局已将您纳入退役军人就业帮扶台账，将优先推荐合适岗位",
    ),
    "anquan": (
        "我局已会同乡镇对该处进行检查，责令立即停止违规经营，清除了易燃物品",
        "已安排地质专家现场勘查，对受威胁的住户进行了临时转移，并设置了监测点",
    ),
}
REPLY_OPENINGS = (
    "您好！您反映的问题已收悉。",
    "尊敬的市民：您好！",
    "您好！感谢您对我县工作的关心。",
    "网友您好！",
)
REPLY_CLOSINGS = (
    "如有疑问，请拨打{unit}咨询电话{office}。感谢您对我们工作的理解和支持！",
    "感谢您的监督！",
    "欢迎继续监督我们的工作。",
    "再次感谢您的反映。",
)
BOILERPLATE_REPLIES = (
    "您好！您反映的问题已收悉，{unit}高度重视，将认真研究，依法依规处理。感谢您对我们工作的关心和支持！",
    "您好！来信收悉。您反映的情况我们已转相关科室调查处理。感谢您的监督。",
    "您好！您的建议很好，我们将在今后的工作中认真研究、积极采纳。谢谢！",
    "您好！您所反映的问题属于历史遗留问题，{unit}将积极协调相关部门妥善处理。",
)
INTERIM_REPLIES = (
    "您好！您反映的问题{unit}已收悉，目前正在调查核实中。因涉及{reason}，需要一定时间，我们将在{days}个工作日内给予正式答复。",
    "您好！您的诉求已转交我单位承办科室，工作人员将于近日与您联系，请保持电话畅通。",
    "您好！该问题涉及{reason}，我单位已启动协调，办理进展将及时告知您。",
)
INTERIM_REASONS = ("多个部门", "现场勘查", "资金申请", "历史资料调取", "第三方检测", "上级审批")


# --- assembling ----------------------------------------------------------------------------


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_SLOT = re.compile(r"\{(\w+)\}")


def _slots(rng: random.Random, place: DemoPlace) -> dict[str, str]:
    return {
        "township": place.township,
        "village": place.village,
        "place": f"{place.township}{place.village}",
        "road": rng.choice(ROADS),
        "estate": rng.choice(ESTATES),
        "landmark": rng.choice(LANDMARKS),
        "shop": rng.choice(SHOPS),
        "company": rng.choice(COMPANIES),
        "time": rng.choice(TIMES),
        "date": rng.choice(DATES),
        "feeling": rng.choice(FEELINGS),
        "n": str(rng.randint(2, 9)),
        "nn": str(rng.randint(10, 99)),
        "months": str(rng.randint(2, 11)),
        "years": str(rng.randint(1, 5)),
        "days": str(rng.choice((3, 5, 7, 10, 15))),
        "month": str(rng.randint(1, 12)),
        "money": rng.choice(("三万多元", "2800元", "一万二千元", "8600元", "四千多元", "15000元")),
        "bus": f"{rng.randint(1, 12)}路",
    }


def _fill(template: str, slots: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: slots.get(m.group(1), m.group(0)), template)


def _leaf(category_code: str, rng: random.Random) -> str:
    """A parent category stands for any of its children."""
    if category_code in TOPICS:
        return category_code
    if category_code not in CATEGORY_BY_CODE:
        raise KeyError(f"未知的分类：{category_code}")
    children = [c.code for c in CATEGORIES if c.parent == category_code]
    return rng.choice(children)


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "186", "159", "133", "177")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


def generate_case_text(
    category_code: str, rng: random.Random, place: DemoPlace, kind: str = "request"
) -> tuple[str, str]:
    """A citizen's (title, body) of ``kind`` (a ``CaseKind`` value) about ``category_code``
    from someone at ``place``; the title says the kind (only a complaint reads "投诉：…").

    The body is 40–300 characters. About 10% also raise a matter of another domain, 12%
    carry a phone number, 5% use full-width digits and 3% arrive in Traditional characters.
    """
    if kind not in TITLE_FRAMES:
        raise KeyError(f"未知的事项类型：{kind}")
    leaf = _leaf(category_code, rng)
    topic = TOPICS[leaf]
    slots = _slots(rng, place)
    slots["unit"] = owner_name(leaf)
    # Titles and issues are written in matching order, so a subject line names its story.
    order = rng.sample(range(len(topic.issues)), k=2 if rng.random() < 0.25 else 1)
    subject = topic.titles[order[0]] if order[0] < len(topic.titles) else topic.titles[0]
    subject = _fill(subject, slots)
    title = _fill(rng.choice(TITLE_FRAMES[kind]).replace("{t}", subject), slots)
    if kind == "praise":
        body = _fill(rng.choice(PRAISE_BODIES).replace("{t}", subject), slots)
        return _messy(rng, title, body[:MAX_BODY])

    tone = rng.choice(tuple(IMPACTS))
    issues = [topic.issues[i] for i in order]
    opening = rng.choice(OPENINGS)
    if "{estate}" in opening and "{village}" in issues[0]:
        opening = "我是{village}的居民，" if place.is_community else "我是{village}的村民，"
    elif "{village}" in opening and place.is_community:
        opening = "我是{village}的居民，"
    parts = [_fill(opening, slots), *(_fill(i, slots) for i in issues)]
    if rng.random() < TWO_DOMAIN_SHARE:
        top = CATEGORY_BY_CODE[leaf].parent
        others = [c for c in TOPICS if CATEGORY_BY_CODE[c].parent != top]
        other = TOPICS[rng.choice(others)]
        parts.append("另外，" + _fill(rng.choice(other.issues), slots))
    parts.append(_fill(rng.choice(IMPACTS[tone]), slots))
    parts.append(rng.choice(topic.demands))
    if rng.random() < PHONE_SHARE:
        parts.append(rng.choice(PHONE_LINES).format(phone=_phone(rng)))
    parts.append(rng.choice(CLOSINGS))
    body = "".join(parts)
    # Drop optional pieces from the middle until it fits, then pad a short one.
    while len(body) > MAX_BODY and len(parts) > 3:
        parts.pop(len(parts) // 2)
        body = "".join(parts)
    body = body[:MAX_BODY]
    if len(body) < MIN_BODY:
        body += "这个问题已经存在很长时间了，希望有关部门尽快派人来看看，给群众一个满意的答复。"
        body = body[:MAX_BODY]

    return _messy(rng, title, body)


def _messy(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    if rng.random() < FULL_WIDTH_SHARE:
        body = body.translate(_FULL_WIDTH)
    if rng.random() < TRADITIONAL_SHARE:
        title, body = to_traditional(title), to_traditional(body)
    return title, body


def _office_phone(rng: random.Random) -> str:
    return "0000-" + "".join(str(rng.randrange(10)) for _ in range(7))


def generate_reply(
    category_code: str,
    rng: random.Random,
    *,
    unit_name: str,
    place: DemoPlace | None = None,
    boilerplate: bool | None = None,
) -> str:
    """An official reply from ``unit_name``. About one in five is boilerplate (no facts,
    no action) — the kind reply-quality checks should flag — unless ``boilerplate`` says."""
    if boilerplate is None:
        boilerplate = rng.random() < 0.2
    slots = _slots(rng, place or DemoPlace("城关镇", "新华社区", True))
    slots.update(unit=unit_name, office=_office_phone(rng))
    if boilerplate:
        return _fill(rng.choice(BOILERPLATE_REPLIES), slots)
    leaf = _leaf(category_code, rng)
    top = CATEGORY_BY_CODE[leaf].parent
    category = CATEGORY_BY_CODE[leaf].name
    visit = _fill(f"{unit_name}高度重视，于{{date}}安排工作人员到{{place}}现场核实。", slots)
    action = _fill(rng.choice(REPLY_ACTIONS[top]), slots)
    return (
        _fill(rng.choice(REPLY_OPENINGS), slots)
        + f"关于您反映的{category}问题，{visit}{action}。"
        + _fill(rng.choice(REPLY_CLOSINGS), slots)
    )


def generate_interim_reply(category_code: str, rng: random.Random, *, unit_name: str) -> str:
    """A progress note before the final reply (阶段性答复)."""
    _leaf(category_code, rng)  # validates the code
    slots = {
        "unit": unit_name,
        "reason": rng.choice(INTERIM_REASONS),
        "days": str(rng.choice((5, 10, 15))),
    }
    return _fill(rng.choice(INTERIM_REPLIES), slots)


def owner_name(category_code: str) -> str:
    """The name of the department that owns a category, for replies signed by it."""
    owner = CATEGORY_BY_CODE[category_code].owner
    return next(name for code, name, *_rest in DEPARTMENTS if code == owner)
