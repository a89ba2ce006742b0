"""Generated labelled requests for made-up districts: the 8-department test district and the 7-category city.

Deterministic for a seed. Each text is drawn from a department's own problem phrases, set in
shared frames (places, durations, what it does to people, what the resident asks for), with some
phrases that two departments share, typos, and a share of mislabelled rows, so that a plain
classifier lands in the low-to-mid nineties rather than at 100 %.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

PLACES = (
    "我家楼下", "小区门口", "村口", "码头边上", "老街", "新区那边", "学校旁边", "菜市场附近", "河堤上", "东港路",
    "渔港二号门", "滨海大道", "我们镇上", "安置小区", "公交站旁边", "工业园里", "广场东侧", "海边栈道", "", "",
)
TIMES = ("好几天了", "一个多月了", "从昨天开始", "最近一直", "每天晚上", "这个礼拜", "去年就有", "", "", "")
IMPACTS = (
    "老人小孩都受影响", "大家意见很大", "太危险了", "出门都不方便", "睡不好觉", "谁来管管", "已经说过好几次",
    "", "", "",
)
ASKS = ("麻烦派人来看看", "希望尽快处理", "请问该找谁", "能不能管一下", "请给个答复", "", "", "")
TYPOS = {"麻烦": "麻凡", "处理": "处里", "已经": "以经", "一直": "一只", "希望": "希忘"}

# The 8 departments of the made-up coastal district: codes and names that the built-in taxonomy does not have.
PORT_DEPARTMENTS: Mapping[str, tuple[str, Sequence[str]]] = {
    "gangwu": ("区港务管理局", (
        "码头装卸的吊车半夜还在作业", "货轮靠泊占了客运泊位", "港区集装箱堆到了马路上", "码头的栈桥木板烂了",
        "渡口的趸船晃得厉害", "港口闸口排队的货车堵到村里", "码头照明灯全灭了", "港区的缆桩松动了",
    )),
    "yuye": ("区海洋渔业局", (
        "有人在禁渔期偷偷下网", "渔船的柴油漏到了海里", "电鱼的人又来了", "渔民的燃油补贴没发", "养殖网箱被台风打坏了",
        "滩涂上有人挖蛏子挖到保护区", "渔船证书过期了还在出海", "海里的鱼苗死了一大片",
    )),
    "haishi": ("区海事处", (
        "快艇在浴场附近开得飞快", "夜里有船不开航行灯", "渡船超载人都站到船边", "航道上有沉船没有标志",
        "游船上的救生衣不够", "小船在航道里乱停", "海上有人私自载客", "船只没有安全检查就出海",
    )),
    "wenlv": ("区文化和旅游局", (
        "景区门票涨价也不公示", "民宿老板临时加价", "导游强迫游客购物", "海滨浴场没有救生员",
        "古村落的老房子被拆了", "景区厕所排队一个小时", "旅行团的大巴停满了村道", "文化馆周末不开门",
    )),
    "shuiwu": ("区水务局", (
        "海塘有一段裂开了", "排涝泵站一下雨就不开", "水闸的门关不严", "河道里的淤泥好几年没清",
        "台风前沙袋没有发", "堤坝上有人挖土", "水库的水位太高了", "沟渠被填了下雨就淹",
    )),
    "nongye": ("区农业农村局", (
        "种的西瓜苗死了怀疑是假种子", "农药店卖的药没用", "土地流转的租金拖着不给", "农机补贴申请了没下文",
        "村里的高标准农田建了一半", "养鸡场的鸡瘟了没人来看", "化肥价格涨得离谱", "大棚被风吹垮了补助没有",
    )),
    "xiaofang": ("区消防救援大队", (
        "楼道里堆的东西把安全出口堵了", "商场的消防通道锁着", "仓库里放了好多汽油桶", "灭火器全都过期了",
        "出租屋里住了二十多个人没有逃生通道", "电动车在楼道里充电冒烟", "工厂宿舍的烟感是坏的", "消防栓被人拆走了",
    )),
    "jiedao": ("滨海街道办事处", (
        "想开一个居住证明", "社区活动室一直锁门", "邻居之间因为院墙吵起来了", "老年食堂关了",
        "想报名社区的志愿者", "楼栋长联系不上", "小区议事会怎么参加", "网格员好久没来了",
    )),
}
# Phrases two departments share (the hard cases).
PORT_SHARED = {
    ("gangwu", "haishi"): ("船在码头附近乱停", "码头那边的船太多了"),
    ("wenlv", "haishi"): ("游船开得太快", "海上观光船不安全"),
    ("shuiwu", "nongye"): ("农田灌溉的水渠坏了", "下雨田里都淹了"),
    ("xiaofang", "jiedao"): ("楼道里堆满杂物", "小区的消防车道被占了"),
}

# The 7 categories of a city's history (the 8,000-row scenario).
CITY_CATEGORIES: Mapping[str, tuple[str, Sequence[str]]] = {
    "urban": ("城市管理", (
        "流动摊贩占道", "店外经营摆满了桌子", "违章搭建的棚子", "垃圾桶满了没人清", "烧烤油烟熏人", "户外广告牌要掉下来",
        "渣土车撒了一路泥", "行道树的树枝挡住了窗户", "公厕脏得没法进", "有人在绿化带里种菜", "墙上被喷满了小广告",
    )),
    "environment": ("生态环境", (
        "工厂排的废气有怪味", "河里的水发黑发臭", "作坊偷排污水", "车间的机器声音吵得睡不着", "有人焚烧垃圾冒黑烟",
        "工地旁边的搅拌站粉尘大", "空调外机嗡嗡响一整夜", "化工厂晚上偷排", "湖里的鱼死了一大片", "养殖场的臭味飘过来",
    )),
    "traffic": ("交通出行", (
        "路口的红绿灯坏了", "门口乱停车堵死了", "公交车半天不来", "出租车拒载", "消防通道被车占了", "早高峰堵得走不动",
        "网约车绕路多收钱", "公交站台的顶棚漏雨", "大货车闯红灯", "人行道上停满了车",
    )),
    "housing": ("住房建设", (
        "电梯三天两头坏", "物业费涨了服务没变", "楼顶漏水物业不管", "工地夜里施工", "外墙瓷砖往下掉", "维修基金用不了",
        "小区的下水道堵了", "开发商延期交房", "楼道灯坏了没人修", "老旧小区改造停工了",
    )),
    "labour": ("劳动社保", (
        "老板拖欠工资", "公司不交社保", "辞退不给补偿", "养老金少发了", "医保报销太麻烦", "加班没有加班费",
        "工伤认定不下来", "劳动合同不给签", "失业金怎么领", "技能培训在哪报名",
    )),
    "market": ("市场监管", (
        "买到了过期食品", "饭店后厨太脏", "商家缺斤少两", "健身卡老板跑路了", "网购买到假货", "价格标签和结账不一样",
        "药店卖过期药", "理发店办卡后关门", "无证经营的黑作坊", "预付卡退不了钱",
    )),
    "security": ("公共安全", (
        "邻居半夜唱歌吵闹", "电动车被偷了", "被电话诈骗了", "楼上往下扔东西", "狗不拴绳咬人", "广场舞音响太吵",
        "有人聚众赌博", "有人在小区门口打架", "身份证怎么补办", "户口迁移要什么材料",
    )),
}
CITY_SHARED = {
    ("urban", "market"): ("饭店门口又脏又乱", "小吃摊卫生太差"),
    ("environment", "housing"): ("工地的噪音和灰尘太大", "施工的声音吵得睡不着"),
    ("traffic", "urban"): ("路边摊和乱停的车把路堵了", "人行道被占了走不了"),
    ("security", "environment"): ("晚上太吵了睡不着", "噪音扰民没人管"),
    ("labour", "market"): ("培训机构收了钱跑了", "中介收了钱不给找工作"),
}


def _sentence(rng: random.Random, problem: str) -> str:
    """Set a problem phrase in a random frame, with the odd typo."""
    parts = [rng.choice(PLACES), problem, rng.choice(TIMES), rng.choice(IMPACTS), rng.choice(ASKS)]
    text = "，".join(p for p in parts if p)
    if rng.random() < 0.15:
        old, new = rng.choice(list(TYPOS.items()))
        text = text.replace(old, new)
    return text


def generate(
    departments: Mapping[str, tuple[str, Sequence[str]]],
    shared: Mapping[tuple[str, str], Sequence[str]],
    n: int,
    seed: int,
    *,
    noise: float = 0.03,
    shared_rate: float = 0.08,
) -> list[tuple[str, str]]:
    """Return n (text, department) rows: mostly a department's own phrases, some shared ones, some mislabelled."""
    rng = random.Random(seed)
    codes = list(departments)
    rows: list[tuple[str, str]] = []
    for i in range(n):
        code = codes[i % len(codes)]
        pairs = [pair for pair in shared if code in pair]
        if pairs and rng.random() < shared_rate:
            problem = rng.choice(shared[rng.choice(pairs)])
        else:
            problem = rng.choice(departments[code][1])
            if rng.random() < 0.3:  # a second phrase of the same department
                problem += "，还有" + rng.choice(departments[code][1])
        label = rng.choice(codes) if rng.random() < noise else code
        rows.append((_sentence(rng, problem), label))
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, rows: Sequence[tuple[str, str]]) -> Path:
    """Write rows as a text,department CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "department"])
        writer.writerows(rows)
    return path


def write_taxonomy(path: Path, departments: Mapping[str, tuple[str, Sequence[str]]], extra: str = "") -> Path:
    """Write the smallest taxonomy a district writes: code and name_zh per department, plus dispatch."""
    tables = [f'[[department]]\ncode = "{code}"\nname_zh = "{name}"\n' for code, (name, _p) in departments.items()]
    tables.append('[[department]]\ncode = "dispatch"\nname_zh = "区指挥中心"\n')
    path.write_text("\n".join(tables) + extra, encoding="utf-8")
    return path
