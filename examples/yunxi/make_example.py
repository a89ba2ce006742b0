"""Write the invented example district 云溪区 (every name, place, person and phone number here is made up).

    .venv/bin/python examples/yunxi/make_example.py     # rewrites the files next to this script

The boundaries are nested Voronoi cells clipped to an irregular district outline (streets, then
communities inside each street, then grids inside each community), so they nest exactly, never overlap
and leave no gaps, with the uneven shapes of real ones. Roads are polylines across the district; each
grid a road passes through gets a section of its house numbers. The output is deterministic.
"""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping

HERE = Path(__file__).resolve().parent
LON0, LAT0 = 118.71, 32.03  # somewhere plausible; the district itself is invented
KM_LON, KM_LAT = 1 / (111.32 * math.cos(math.radians(LAT0))), 1 / 110.57  # degrees per km

STREETS = [
    ("jc", "江城街道", [("binjiang", "滨江社区"), ("wanghu", "望湖社区"), ("wutong", "梧桐社区"), ("xiangyang", "向阳社区")]),
    ("bs", "白沙街道", [("baisha", "白沙社区"), ("jingui", "金桂社区"), ("bishui", "碧水社区"), ("xinglin", "杏林社区")]),
    ("ml", "梅岭街道", [("meiling", "梅岭社区"), ("qingfeng", "青枫社区"), ("liuwan", "柳湾村"), ("shimen", "石门村")]),
]
COMPOUND_NAMES = [
    "锦绣花园", "阳光新城", "碧水湾", "翠湖苑", "梧桐里", "枫丹小区", "金桂园", "南湖新村", "星河湾", "书香门第",
    "御景华庭", "春江花月", "紫荆苑", "青枫家园", "银杏小区", "鹭湖名苑", "梅岭新村", "丽景湾", "东方明珠苑", "香樟园",
    "滨江一号", "望湖公寓", "向阳小区", "杏林雅苑", "白沙新村", "碧桂园", "海棠湾", "玉兰苑", "凤凰城", "龙湖天街",
    "云溪人家", "和谐家园", "康居小区", "幸福里", "静安苑", "江南名府", "水岸星城", "绿城桂花园", "月光小区", "世纪花园",
    "新华小区", "城东新村", "铁路新村", "粮食局宿舍", "棉纺厂宿舍", "教师新村", "汽配城小区", "金色港湾", "蓝天小区", "百合苑",
    "荷塘月色", "半山花园", "万科城", "保利香槟", "中海国际", "恒大名都", "融创玖园", "招商雍华府", "绿地世纪城", "朗诗熙园",
    "天润城", "文华苑", "翰林院小区", "状元府", "学府花园", "馨园", "康乐新村", "福润家园", "怡景苑", "嘉禾园",
    "明月山庄", "清风苑", "松涛园", "竹韵小区", "兰亭序", "桃源居", "石榴园", "葡萄园小区", "桂林苑", "荷花池小区",
    "朝阳小区", "红旗新村", "胜利小区", "光明新村", "东风小区", "前进新村", "建国小区", "跃进宿舍", "解放新村", "团结小区",
    "安居苑", "乐居园", "宜居小区", "悦居花园", "雅居乐", "逸品苑", "尚城", "印象江南", "左岸公馆", "右岸名邸",
    "枫林晚", "秋水苑", "晴川阁小区", "听涛苑", "观澜苑", "揽月府", "临江花园", "滨湖世家", "沁园", "颐和园小区",
    "紫金苑", "金鼎花园", "银河湾", "铂金时代", "翡翠城", "玛瑙苑", "珍珠园", "琥珀小区", "水晶城", "钻石公寓",
    "春晖苑", "夏荷园", "秋实小区", "冬青苑", "四季花城", "万象城", "千禧园", "百花苑", "十里桃花", "九龙湾",
    "八一新村", "七里香小区", "六合苑", "五福家园", "四方小区", "三山新村", "二桥小区", "一品江山", "杨柳新村", "石门新村",
    "柳湾家园", "梅园新村", "白鹭洲", "燕子矶小区", "龙潭新村", "凤栖苑", "麒麟花园", "玄武小区", "朱雀苑", "青龙湾",
    "白虎小区", "太平新村", "长乐苑", "永安小区", "延寿新村",
]
SPLIT_COMPOUNDS = ["锦绣花园", "阳光新城", "南湖新村", "凤凰城"]  # listed as two building ranges in two grids
TWIN_NAMES = ["建设小区", "电力宿舍"]  # each names two compounds in different communities: the resident is asked which
ALIASES = {
    "棉纺厂宿舍": ["棉纺宿舍", "纺织厂宿舍"],
    "粮食局宿舍": ["粮食宿舍"],
    "东方明珠苑": ["明珠苑"],
    "滨江一号": ["滨江1号"],
    "龙湖天街": ["天街"],
    "绿城桂花园": ["绿城"],
    "碧桂园": ["碧桂园小区"],
    "江南名府": ["名府"],
    "铁路新村": ["铁路宿舍", "铁路局宿舍"],
    "教师新村": ["教师宿舍"],
    "八一新村": ["部队大院"],
    "翰林院小区": ["翰林院"],
}
ROADS = [  # name, polyline in km from the district's south-west corner
    ("长江路", [(0.2, 1.2), (3.0, 1.5), (6.5, 1.1), (9.8, 1.6)]),
    ("黄河路", [(0.3, 3.1), (4.0, 3.3), (9.6, 3.0)]),
    ("云溪大道", [(0.4, 5.0), (5.0, 5.2), (9.4, 4.8)]),
    ("人民路", [(1.2, 0.3), (1.5, 3.0), (1.1, 6.4)]),
    ("解放路", [(3.6, 0.2), (3.4, 3.5), (3.8, 6.8)]),
    ("建设路", [(6.1, 0.4), (6.3, 4.0), (5.9, 6.6)]),
    ("中山路", [(8.4, 0.5), (8.1, 3.2), (8.6, 5.8)]),
    ("梅岭路", [(5.2, 5.6), (7.0, 6.2), (9.0, 5.9)]),
    ("白沙路", [(4.6, 0.4), (5.4, 2.0), (7.6, 2.4)]),
    ("滨江路", [(0.2, 0.6), (2.5, 0.5), (4.4, 0.9)]),
]
LANDMARK_KINDS = [  # (name pattern, category, aliases pattern)
    ("{c}小学", "学校", ["{c}小"]),
    ("{c}农贸市场", "菜市场", ["{c}菜市场", "{c}菜场"]),
    ("{c}卫生服务站", "医疗", ["{c}卫生站", "{c}社区医院"]),
]
DISTRICT_LANDMARKS = [
    ("云溪区人民医院", "医院", ["区医院", "区人民医院"]),
    ("云溪区第一中学", "学校", ["云溪一中", "一中"]),
    ("云溪区第二中学", "学校", ["云溪二中", "二中"]),
    ("云溪体育中心", "体育", ["体育馆", "体育中心"]),
    ("云溪公园", "公园", []),
    ("梅岭森林公园", "公园", ["梅岭公园"]),
    ("白沙长途汽车站", "交通", ["汽车站", "长途站"]),
    ("云溪区政府", "机关", ["区政府"]),
    ("江城广场", "广场", []),
    ("金桂购物中心", "商场", ["金桂商场"]),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕文斌晓东晓燕小红俊峰"


def km(x: float, y: float) -> tuple[float, float]:
    """Return the (lon, lat) of a point given in km from the district's south-west corner."""
    return LON0 + x * KM_LON, LAT0 + y * KM_LAT


def outline(rng: random.Random) -> Polygon:
    """Return an irregular district outline about 10 km by 7 km."""
    points = []
    for i in range(48):
        angle = 2 * math.pi * i / 48
        wobble = 1 + 0.10 * math.sin(3 * angle + 0.7) + 0.06 * math.sin(7 * angle) + rng.uniform(-0.03, 0.03)
        points.append(km(5 + 5.0 * wobble * math.cos(angle), 3.5 + 3.5 * wobble * math.sin(angle)))
    return Polygon(points)


def cells(area: Any, count: int, rng: random.Random) -> list[Any]:
    """Split AREA into COUNT irregular cells: relaxed Voronoi cells of random seeds, clipped to it."""
    minx, miny, maxx, maxy = area.bounds
    seeds: list[tuple[float, float]] = []
    while len(seeds) < count:
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if area.contains(Point(p)):
            seeds.append(p)
    for _ in range(3):  # Lloyd relaxation: cells of more even size
        parts = [c.intersection(area) for c in shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area.envelope.buffer(0.05)).geoms]
        seeds = [(p.centroid.x, p.centroid.y) for p in sorted(parts, key=lambda c: (round(c.centroid.y, 6), round(c.centroid.x, 6))) if not p.is_empty][:count]
    regions = [c.intersection(area) for c in shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area.envelope.buffer(0.05)).geoms]
    regions = [shapely.make_valid(r) for r in regions if not r.is_empty]
    regions = [max(r.geoms, key=lambda g: g.area) if r.geom_type != "Polygon" else r for r in regions]
    return sorted(regions, key=lambda c: (-round(c.centroid.y, 4), round(c.centroid.x, 4)))  # north-west first


def rounded(geometry: Any) -> dict[str, Any]:
    """Return a geometry as GeoJSON with coordinates rounded to 7 places."""
    return dict(json.loads(json.dumps(mapping(shapely.transform(geometry, lambda p: np.round(p, 7))))))


def build_units(rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, str]]:
    """Return the features, the grid geometries by code and each grid's community code."""
    district = outline(rng)
    features = [{"type": "Feature", "properties": {"code": "yunxi", "name": "云溪区", "level": "district", "parent": ""}, "geometry": rounded(district)}]
    grids: dict[str, Any] = {}
    community_of: dict[str, str] = {}
    for street_area, (street, street_name, communities) in zip(cells(district, 3, rng), STREETS, strict=True):
        features.append({"type": "Feature", "properties": {"code": street, "name": street_name, "level": "street", "parent": "yunxi"}, "geometry": rounded(street_area)})
        for community_area, (community, community_name) in zip(cells(street_area, 4, rng), communities, strict=True):
            features.append({"type": "Feature", "properties": {"code": community, "name": community_name, "level": "community", "parent": street}, "geometry": rounded(community_area)})
            for number, grid_area in enumerate(cells(community_area, rng.choice([4, 5, 5, 6]), rng), start=1):
                code = f"{community}-{number:02d}"
                grids[code] = grid_area
                community_of[code] = community
                features.append({"type": "Feature", "properties": {"code": code, "name": f"{community_name}第{number}网格", "level": "grid", "parent": community}, "geometry": rounded(grid_area)})
    return features, grids, community_of


def grid_at(grids: dict[str, Any], point: Point) -> str | None:
    """Return the grid holding a point."""
    return next((code for code, area in grids.items() if area.contains(point)), None)


def road_sections(grids: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the road sections: for every road, one row per grid it crosses, with its house numbers (10 m a number)."""
    rows = []
    for name, path in ROADS:
        line = LineString([km(x, y) for x, y in path])
        metres = line.length / KM_LON * 1000
        steps = [i / 400 for i in range(401)]
        current, start = None, 0.0
        pieces: list[tuple[str, float, float]] = []
        for t in steps:
            code = grid_at(grids, line.interpolate(t, normalized=True))
            if code != current:
                if current is not None:
                    pieces.append((current, start, t))
                current, start = code, t
        if current is not None:
            pieces.append((current, start, 1.0))
        for code, t0, t1 in pieces:
            low, high = int(t0 * metres / 10) + 1, max(int(t1 * metres / 10), int(t0 * metres / 10) + 2)
            rows.append({"kind": "road", "name": name, "grid": code, "from": low, "to": high, "parity": ""})
    return rows


def people_name(rng: random.Random, used: set[str]) -> str:
    """Return an invented person's name not used yet."""
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        if name not in used:
            used.add(name)
            return name


def main() -> None:
    """Write units.geojson, places.csv, departments.toml, people.csv and CANONICAL_PLACES.csv."""
    rng = random.Random(20261203)
    features, grids, community_of = build_units(rng)
    (HERE / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    codes = sorted(grids)
    names = list(COMPOUND_NAMES)
    rng.shuffle(names)
    places: list[dict[str, Any]] = []
    for code in codes:  # two or three compounds in every grid
        for _ in range(rng.choice([2, 2, 3])):
            name = names.pop()
            if name in SPLIT_COMPOUNDS:
                continue
            places.append({"kind": "compound", "name": name, "grid": code, "aliases": "|".join(ALIASES.get(name, []))})
    neighbours = [(a, b) for a in codes for b in codes if a < b and grids[a].touches(grids[b]) and grids[a].intersection(grids[b]).length > 0.002]
    rng.shuffle(neighbours)
    for name, (a, b) in zip(SPLIT_COMPOUNDS, neighbours, strict=False):
        split = rng.choice([8, 10, 12, 16])
        places.append({"kind": "building", "name": name, "grid": a, "from": 1, "to": split})
        places.append({"kind": "building", "name": name, "grid": b, "from": split + 1, "to": split + rng.choice([8, 12, 14])})
    for name in TWIN_NAMES:
        first = rng.choice(codes)
        second = rng.choice([c for c in codes if community_of[c] != community_of[first]])
        places += [{"kind": "compound", "name": name, "grid": first}, {"kind": "compound", "name": name, "grid": second}]
    places += road_sections(grids)
    for _, _, communities in STREETS:
        for community, community_name in communities:
            short = community_name.removesuffix("社区").removesuffix("村")
            for pattern, category, aliases in LANDMARK_KINDS if not community_name.endswith("村") else LANDMARK_KINDS[1:]:
                mine = [c for c in codes if community_of[c] == community]
                area = grids[rng.choice(mine)]
                point = area.representative_point()
                places.append({"kind": "landmark", "name": pattern.format(c=short), "grid": "", "category": category, "aliases": "|".join(a.format(c=short) for a in aliases), "lon": round(point.x, 6), "lat": round(point.y, 6)})
    for name, category, aliases in DISTRICT_LANDMARKS:
        code = rng.choice(codes)
        point = grids[code].representative_point()
        places.append({"kind": "landmark", "name": name, "grid": code, "category": category, "aliases": "|".join(aliases), "lon": round(point.x, 6), "lat": round(point.y, 6)})
    for number, (name, _) in enumerate(ROADS[:6]):  # bus stops where two roads cross
        other = ROADS[(number + 3) % len(ROADS)][0]
        crossing = LineString([km(x, y) for x, y in dict(ROADS)[name]]).intersection(LineString([km(x, y) for x, y in dict(ROADS)[other]]))
        if crossing.geom_type == "Point" and grid_at(grids, crossing):
            places.append({"kind": "landmark", "name": f"{name}{other}站", "grid": grid_at(grids, crossing), "category": "公交站", "aliases": f"{name}{other}口站|{name}{other}路口", "lon": round(crossing.x, 6), "lat": round(crossing.y, 6)})
    write_places(places, grids)
    write_departments()
    write_people(rng, features)


def write_places(places: list[dict[str, Any]], grids: dict[str, Any]) -> None:
    """Write places.csv and CANONICAL_PLACES.csv (name, grid, kind: what an evaluator may see)."""
    header = ["code", "kind", "name", "aliases", "grid", "from", "to", "parity", "category", "lon", "lat"]
    with (HERE / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        for number, place in enumerate(places, start=1):
            writer.writerow({"code": f"YX{number:04d}", **{k: place.get(k, "") for k in header[1:]}})
    with (HERE / "CANONICAL_PLACES.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["name", "grid", "kind"])
        for place in places:
            grid = place["grid"] or grid_at(grids, Point(place["lon"], place["lat"]))
            name = place["name"]
            if place["kind"] == "building":
                name = f"{name}{place['from']}-{place['to']}栋"
            elif place["kind"] == "road":
                name = f"{name}{place['from']}-{place['to']}号"
            writer.writerow([name, grid, place["kind"]])


DEPARTMENTS = [
    ("chengguan", "云溪区城市管理局", 48), ("shengtai", "云溪区生态环境分局", 72), ("zhujian", "云溪区住房和城乡建设局", 72),
    ("shizheng", "云溪区市政设施管理处", 48), ("gongshui", "云溪水务有限公司", 24), ("gongdian", "云溪供电营业部", 24),
    ("ranqi", "云溪燃气服务中心", 12), ("gongan", "云溪公安分局", 24), ("jiaojing", "云溪交警大队", 48),
    ("jiaotong", "云溪区交通运输局", 72), ("shichang", "云溪区市场监督管理局", 72), ("renshe", "云溪区人力资源和社会保障局", 120),
    ("weijian", "云溪区卫生健康委员会", 72), ("jiaoyu", "云溪区教育局", 120), ("minzheng", "云溪区民政局", 120),
]


def write_departments() -> None:
    """Write departments.toml: the routing taxonomy's departments under the district's own names."""
    lines = ["# 云溪区 (invented): the district's departments, by the routing taxonomy's codes (nlp/data/taxonomy.toml).", ""]
    for code, name, hours in DEPARTMENTS:
        lines += ["[[department]]", f'code = "{code}"', f'name = "{name}"', 'head_unit = "yunxi"', "community_level = false", f"sla_hours = {hours}", ""]
    lines += ["[[department]]", 'code = "shequ"', 'name = "社区居委会"', 'head_unit = "yunxi"', "community_level = true", "sla_hours = 48", ""]
    lines += ["[[department]]", 'code = "dispatch"', 'name = "云溪区群众工作指挥中心"', 'head_unit = "yunxi"', "community_level = false", 'kind = "command_center"', "sla_hours = 24", ""]
    (HERE / "departments.toml").write_text("\n".join(lines), encoding="utf-8")


def write_people(rng: random.Random, features: list[dict[str, Any]]) -> None:
    """Write people.csv: a head for every street, community and department, a member for every grid, the center's staff."""
    used: set[str] = set()
    rows: list[list[str]] = []

    def add(role: str, unit: str, head: bool) -> None:
        rows.append([people_name(rng, used), f"139{len(rows) + 1:08d}", role, unit, "yes" if head else ""])

    add("leader", "yunxi", True)
    add("admin", "yunxi", False)
    for feature in features:
        level, code = feature["properties"]["level"], feature["properties"]["code"]
        if level == "street":
            add("street", code, True)
            add("leader", code, False)
        elif level == "community":
            add("community", code, True)
            add("community", code, False)
        elif level == "grid":
            add("grid_member", code, False)
    for code, _, _ in DEPARTMENTS:
        add("department", code, True)
    add("command_center", "dispatch", True)
    add("command_center", "dispatch", False)
    with (HERE / "people.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["name", "phone", "role", "unit", "head"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
