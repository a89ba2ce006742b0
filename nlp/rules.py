"""Boundary rules: named cues that settle the ambiguous cases (noise, fumes, water, fees ...).

Each rule names a topic (``noise.construction``); it names no department. The taxonomy maps
topics to the departments that own them (``topics = [...]`` in a ``[[department]]`` table), so a
rule counts only in a district whose taxonomy declares its topic. A rule fires when every group in
``when_all`` matches one of its terms in the normalised text, no term of ``unless`` appears, and a
term is not negated ("不是饭店" does not count as 饭店). Rules of one family (the topic's first part,
``noise``) are tried in order, most specific first, and only the first that fires counts, so
"楼下超市的空调外机" is equipment noise, not neighbour noise. A rule is a feature of the learned
model, capped (it can add at most the model's fitted rule weight), never an override.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

NOISE = (
    "噪音", "噪声", "吵死", "吵得", "吵闹", "太吵", "好吵", "很吵", "吵醒", "吵人", "吵到", "轰隆", "嗡嗡", "哐", "咚咚", "震得", "震动", "声音", "扰民", "睡不着",
    "睡不好", "响声", "太响", "很响", "好响", "老响", "巨响", "响得", "响个", "响到", "直响", "乱响",
    "一直响", "嗡嗡响", "噼里啪啦", "鬼哭狼嚎", "低音炮", "动静", "闹腾", "分贝", "哗啦啦",
    "打雷", "听得到", "听得见", "刺耳", "尖锐", "震耳",
)
CONSTRUCTION = (
    "工地", "施工", "打桩", "搅拌机", "电锯", "破碎锤", "混凝土", "浇筑", "在建", "开工", "挖掘机",
    "钻孔", "塔吊", "切割机", "炮机", "夜间施工", "赶工", "楼盘",
)
EQUIPMENT = (
    "空调外机", "外机", "风机", "排风机", "鼓风机", "抽风机", "冷却塔", "水泵", "设备", "机器",
    "机组", "压缩机", "冷库", "发电机", "厂房", "车间", "工厂", "厂里", "加工厂", "作坊", "机床",
    "排气扇", "换气扇", "冲床", "厂子", "厂",
)
SOCIAL = (
    "邻居", "楼上", "楼下那家", "楼下那户", "隔壁", "对门", "广场舞", "音响", "ktv", "卡拉ok",
    "酒吧", "唱歌", "麻将", "派对", "蹦迪", "跺脚", "拖椅子", "拖凳子", "喝酒", "划拳", "跳舞",
    "音乐", "喇叭", "娱乐场所", "歌厅", "夜店", "吵架", "弹琴", "钢琴", "摔东西", "租户", "练琴",
    "鞭子", "放歌", "大声", "喊叫", "驻唱", "酒馆", "清吧", "唱到", "k歌", "打牌",
)
FUME = (
    "油烟", "烟", "熏", "呛", "排风口", "油味", "孜然", "牛油味", "辣椒味", "烟道", "净化器",
)
EATERY = (
    "饭店", "餐馆", "饭馆", "餐厅", "烧烤", "烤串", "烤肉", "烤鱼", "火锅", "小吃", "大排档",
    "炒菜", "后厨", "菜馆", "食堂", "撸串", "串串", "面馆", "快餐", "酒楼", "排档", "夜宵",
    "烤羊", "炸鸡", "饭点",
)
ODOUR = (
    "废气", "异味", "臭味", "焦臭", "刺鼻", "粉尘", "黑烟", "烟囱", "气味", "酸臭", "油漆味",
    "化工味", "怪味", "恶臭", "臭", "熏", "呛", "灰尘", "排气", "冒烟",
)
INDUSTRY = (
    "工厂", "厂", "作坊", "化工", "工业园", "车间", "喷漆", "皮革", "塑料", "烟囱", "锅炉",
    "养殖场", "园区", "企业", "搅拌站", "石料",
)
BUILDING_WATER = (
    "化粪池", "管井", "公共管道", "下水道", "污水管", "排污管", "地漏", "反水", "返水", "楼顶漏水",
    "屋顶漏水", "顶楼漏水", "外墙渗水", "墙面渗水", "防水层", "雨水管", "落水管", "楼道漏水",
    "粪水", "主管道", "立管", "水管", "管道", "管子", "漏水", "渗水",
)
BUILDING = (
    "小区里", "小区内", "小区的", "楼里", "楼内", "楼道", "单元", "栋", "楼顶", "顶楼", "地下室",
    "物业", "一楼", "管井", "化粪池", "地漏", "号楼", "楼房",
)
STREET = (
    "马路", "路面", "路口", "人行道", "市政", "街上", "路上", "大街", "小区外", "大门外", "路边",
)
SUPPLY = (
    "停水", "没水", "断水", "水压", "水质", "自来水", "水黄", "发黄", "浑浊", "水浑", "水表",
    "供水", "水管爆", "爆管", "水费", "来水", "消毒水味", "红虫", "水是黄", "黄水", "水管漏",
    "水管破", "水很小", "水小",
)
ROAD_WATER = (
    "积水", "淹", "内涝", "排水", "雨水", "篦子", "下水道", "排水沟", "污水", "窨井", "水漫",
    "一片汪洋", "看海", "泡在水里",
)
ROAD = (
    "路", "街", "路口", "人行道", "地下通道", "桥洞", "隧道", "立交", "涵洞", "市政", "路面",
    "大道", "马路", "巷", "胡同", "广场",
)
CLUTTER = (
    "杂物", "堆", "纸箱", "纸壳", "旧家具", "旧冰箱", "鞋柜", "花盆", "废品", "柜子", "垃圾",
    "自行车", "旧沙发", "占用", "占了", "放了", "摆满", "乱放", "乱堆",
)
STAIRWELL = (
    "楼道", "楼梯", "走廊", "过道", "楼梯间", "拐角", "楼梯平台", "消防楼梯", "安全通道",
    "单元门口", "公共走廊", "门口楼道",
)
LITTER = (
    "垃圾", "垃圾桶", "垃圾箱", "脏", "没人扫", "没人清", "清运", "落叶", "塑料袋", "外卖盒",
    "臭气", "烟头", "纸屑", "清扫", "保洁", "卫生",
)
PUBLIC_PLACE = (
    "路", "街", "马路", "路边", "公共", "广场", "公园", "公交站", "河边", "桥下", "绿化带",
    "人行道", "胡同", "巷", "菜市场", "路口", "村口", "景区", "站台", "地铁口",
)
PUBLIC_TOILET = ("公厕", "公共厕所", "旱厕", "公共卫生间")
FIRE_LANE = ("消防通道", "消防车道", "消防栓", "生命通道", "消火栓")
VEHICLE = ("停", "车")
COMMUNITY_PARKING = (
    "车位", "停车费", "停车位", "停车管理", "地库", "地下车库", "道闸", "停车卡", "月卡",
)
COMMUNITY = ("物业", "小区", "业主", "开发商", "小区里", "小区内")
BAD_PARKING = ("违停", "违章停车", "乱停", "停在", "停着", "停车", "占道停", "停满")
ROADSIDE = (
    "马路", "路边", "人行道", "盲道", "路口", "大门外", "门口", "街", "道路", "车库门",
    "路上", "主干道", "公交站", "辅路", "出口", "路段", "路", "巷", "双向",
)
FEE = (
    "收费", "费", "收了", "涨价", "涨到", "乱收", "交钱", "要钱", "多收", "价格", "贵",
    "涨了", "收钱", "钱",
)
PROPERTY = ("物业",)
SCHOOL = (
    "学校", "幼儿园", "校方", "老师", "班主任", "校服", "研学", "资料费", "班费", "保育费",
    "午餐费", "托管费", "补课费", "小学", "中学", "初中", "高中",
)
MERCHANT_FEE = (
    "乱收费", "多收", "宰客", "价格", "标价", "收了我", "天价", "涨价", "明码标价", "加价",
    "不写价格", "价钱", "收我", "结账", "乱收",
)
MERCHANT = (
    "商家", "店", "超市", "饭馆", "饭店", "商场", "老板", "药店", "景区", "摊", "商贩",
    "停车场", "餐馆", "理发", "健身房", "美容院", "奶茶", "菜单", "市场", "加油站", "商户",
)
DOG = ("狗", "犬", "金毛", "泰迪", "哈士奇", "柯基", "拉布拉多", "比熊", "藏獒")
DOG_TROUBLE = (
    "咬", "伤人", "不拴绳", "不栓绳", "没拴", "拴绳", "栓绳", "遛狗", "烈性犬", "大型犬", "吓",
    "扑", "追", "牵绳", "狗绳", "狗证", "养犬", "恶犬", "狂犬", "流浪狗", "狗叫", "藏獒",
)
OTHER_PET = ("鸽子", "养鸽", "猫", "宠物", "养鸡", "鸡叫", "公鸡", "养鸭", "养兔", "鸽")
NEIGHBOUR = ("邻居", "楼上", "隔壁", "对门", "楼下", "他家", "那家", "一楼", "那户", "邻家")
MULTI = (
    "各部门", "多个部门", "几个部门", "好几个部门", "部门联合", "联合执法", "联合来查",
    "好几个问题", "几个问题", "问题太多", "一堆问题", "多个问题", "各种问题",
)
GAS = ("燃气", "煤气", "天然气", "液化气", "臭鸡蛋味")
PESTS = ("老鼠", "蟑螂", "蚊子", "蚊虫", "苍蝇多", "臭虫", "白蚁", "鼠患", "消杀", "灭鼠", "鼠害")
FOOD_PLACE = ("后厨", "饭店", "餐馆", "饭馆", "锅里", "菜里", "店里", "食堂", "外卖", "吃出")
META = (
    "公众号", "这个平台", "你们平台", "这个热线", "小程序", "上传照片", "上传图片", "发不了图",
    "机器人", "都管些什么", "都管什么", "什么问题都能", "转人工", "人工客服", "这个系统",
    "你们这个群", "怎么用这个",
)


@dataclass(frozen=True)
class BoundaryRule:
    """One named cue: when every term group matches (and no exclusion), the topic is present."""

    topic: str
    label_zh: str
    when_all: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Return the rule's name, which is its topic."""
        return self.topic

    @property
    def family(self) -> str:
        """Return the family of the topic (noise, fumes ...): one rule per family fires."""
        return self.topic.split(".", 1)[0]

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, tuple[re.Pattern[str], ...]]:
        """Compile the exclusions and each group into one alternation (longest terms first)."""
        return _alternation(self.unless), tuple(p for p in map(_alternation, self.when_all) if p is not None)

    def match(self, text: str) -> tuple[str, ...] | None:
        """Return the first (leftmost, not negated) matching term of each group, or None when the rule does not fire."""
        unless, groups = self._patterns
        found: list[str] = []
        for pattern in groups:
            match = pattern.search(text)
            while match is not None and negated(text, match.start()):
                match = pattern.search(text, match.start() + 1)
            if match is None:
                return None
            found.append(match.group(0))
        if unless is not None and unless.search(text):
            return None
        return tuple(dict.fromkeys(found))


def _alternation(terms: Sequence[str]) -> re.Pattern[str] | None:
    """Return a pattern matching any of the terms (longest first), or None for no terms."""
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)))


NEGATORS = ("不是", "并非", "而非", "不属于", "并不是")
FILLERS = frozenset("一个家那这在啥什么的")


def negated(text: str, start: int) -> bool:
    """Say whether the word at text[start:] is negated (不是饭店, 不是那家饭店, 并非工地)."""
    i = start
    while i > 0 and start - i < 3 and text[i - 1] in FILLERS:
        i -= 1
    return any(text.endswith(neg, 0, j) for neg in NEGATORS for j in {i, start})


def present(text: str, term: str) -> bool:
    """Say whether term occurs in text at least once without being negated."""
    at = text.find(term)
    while at >= 0:
        if not negated(text, at):
            return True
        at = text.find(term, at + 1)
    return False


@dataclass(frozen=True)
class RuleFiring:
    """A rule that fired on a text and the words that triggered it."""

    rule: BoundaryRule
    terms: tuple[str, ...]

    def reason_zh(self) -> str:
        """Return the reason shown to people, e.g. 建筑施工噪声（工地、噪音）."""
        return f"{self.rule.label_zh}（{'、'.join(self.terms)}）"


CHILD_SUPPORT = ("抚养费", "赡养费", "生活费", "低保", "救助", "补助", "困难")
VACCINE = ("疫苗", "打针", "接种", "防疫针")
LOCK_METERS = ("电费", "水费", "燃气费", "煤气费", "物业", "学校", "幼儿园")

DEFAULT_RULES: tuple[BoundaryRule, ...] = (
    BoundaryRule(
        "noise.construction", "建筑施工噪声", (NOISE, CONSTRUCTION),
        unless=("工厂", "厂里", "厂子", "车间", "作坊", "加工厂", "装修"),
    ),
    BoundaryRule("noise.equipment", "工厂、商铺设备噪声", (NOISE, EQUIPMENT)),
    BoundaryRule("noise.social", "社会生活噪声", (NOISE, SOCIAL)),
    BoundaryRule("fumes.restaurant", "餐饮油烟、烧烤烟", (FUME, EATERY), unless=("食品厂", "加工厂", "工厂", "作坊", "车间")),
    BoundaryRule("fumes.industrial", "工厂废气和异味", (ODOUR, INDUSTRY)),
    BoundaryRule(
        "water.building", "小区内部管道、化粪池和公共部位漏水",
        (BUILDING_WATER, BUILDING),
        unless=(*STREET, *GAS, "停水", "水压", "水质", "自来水是", "水费"),
    ),
    BoundaryRule(
        "water.road", "道路积水和市政下水道", (ROAD_WATER, ROAD),
        unless=("自来水", "供水管", "水管爆", "停水", "水压", "水表", "爆管", "小区里", "小区内"),
    ),
    BoundaryRule("water.supply", "停水、水质、市政供水管", (SUPPLY,)),
    BoundaryRule("garbage.stairwell", "楼道杂物", (CLUTTER, STAIRWELL)),
    BoundaryRule("garbage.toilet", "公共厕所", (PUBLIC_TOILET,)),
    BoundaryRule(
        "garbage.public", "道路和公共区域垃圾", (LITTER, PUBLIC_PLACE),
        unless=("楼道", "楼梯", "走廊", "物业", "小区里", "小区内", "脏水", "污水", "河里", "排进河", "后厨", "饭店", "餐馆"),
    ),
    BoundaryRule("parking.fire_lane", "占用消防通道", (FIRE_LANE, VEHICLE)),
    BoundaryRule(
        "parking.community", "小区内部停车管理纠纷",
        (COMMUNITY_PARKING, COMMUNITY), unless=("马路", "路边", "大门外", "小区外", "人行道"),
    ),
    BoundaryRule(
        "parking.illegal", "违章停车", (BAD_PARKING, ROADSIDE),
        unless=("物业", "车位", "停车费", "充电", "停车场", "停水", "停电", "停气", "挪", "公交车不进站", "摊", "卖"),
    ),
    BoundaryRule("fees.property", "物业收费", (FEE, PROPERTY)),
    BoundaryRule("fees.school", "学校收费", (FEE, SCHOOL), unless=("加班", *CHILD_SUPPORT)),
    BoundaryRule(
        "fees.merchant", "商家乱收费", (MERCHANT_FEE, MERCHANT),
        unless=LOCK_METERS,
    ),
    BoundaryRule("gas.utility", "燃气设施和燃气味", (GAS,)),
    BoundaryRule("pests.vector", "病媒（老鼠、蚊虫）", (PESTS,), unless=FOOD_PLACE),
    BoundaryRule("pets.dog", "犬只伤人、违规养犬", (DOG, DOG_TROUBLE), unless=VACCINE),
    BoundaryRule("pets.other", "养鸽、养宠纠纷", (OTHER_PET, NEIGHBOUR)),
    BoundaryRule("dispatch.multi", "多个部门联合办理", (MULTI,)),
    BoundaryRule("dispatch.meta", "关于本平台的问题", (META,)),
)


def fire(rules: Sequence[BoundaryRule], text: str) -> tuple[RuleFiring, ...]:
    """Return the rules that fire on text, at most one per family (the first in order)."""
    fired: list[RuleFiring] = []
    done: set[str] = set()
    for rule in rules:
        if rule.family in done:
            continue
        terms = rule.match(text)
        if terms is not None:
            fired.append(RuleFiring(rule, terms))
            done.add(rule.family)
    return tuple(fired)
