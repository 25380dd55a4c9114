"""The demo county: 阳城县 (Yangcheng County, Jincheng, Shanxi).

Township names are real; coordinates are approximate and division codes are
illustrative. Every person's name (张某甲 …) and phone number (139 0000 xxxx) is fake.
"""

from __future__ import annotations

COUNTY = {
    "name": "阳城县",
    "kind": "county",
    "division_code": "140522",
    "lat": 35.486,
    "lon": 112.414,
}

# (name, code suffix, lat, lon)
TOWNSHIPS = [
    ("凤城镇", "100", 35.486, 112.414),
    ("北留镇", "101", 35.575, 112.522),
    ("润城镇", "102", 35.533, 112.540),
    ("町店镇", "103", 35.523, 112.338),
    ("芹池镇", "104", 35.598, 112.295),
    ("次营镇", "105", 35.432, 112.300),
    ("横河镇", "106", 35.300, 112.220),
    ("河北镇", "107", 35.372, 112.255),
    ("蟒河镇", "108", 35.245, 112.370),
    ("东冶镇", "109", 35.373, 112.560),
    ("白桑乡", "200", 35.425, 112.463),
    ("寺头乡", "201", 35.430, 112.380),
    ("西河乡", "202", 35.558, 112.460),
    ("演礼乡", "203", 35.510, 112.262),
    ("固隆乡", "204", 35.615, 112.390),
    ("董封乡", "205", 35.338, 112.435),
    ("驾岭乡", "206", 35.668, 112.318),
]

# township name -> [(village name, lat, lon)]
VILLAGES = {
    "凤城镇": [("东关社区", 35.489, 112.425), ("西关村", 35.484, 112.401)],
    "北留镇": [("皇城村", 35.575, 112.531), ("郭峪村", 35.571, 112.535)],
    "润城镇": [("上庄村", 35.540, 112.560), ("屯城村", 35.527, 112.549)],
    "蟒河镇": [("桑林村", 35.240, 112.385)],
    "横河镇": [("受益村", 35.295, 112.231)],
}

DEPARTMENTS = [
    "县应急管理局",
    "县水务局",
    "县自然资源局",
    "县林业局",
    "县气象局",
    "县消防救援大队",
    "县公安局",
    "县卫生健康局",
    "县交通运输局",
    "县住房和城乡建设局",
    "县工业和信息化局",
]

# the special command HQs of seed 001 §31 ("五个'双指挥长'应急指挥部")
COMMANDS = [
    "县防汛抗旱指挥部",
    "县森林草原防灭火指挥部",
    "县抗震救灾指挥部",
    "县地质灾害应急指挥部",
    "县安全生产应急救援指挥部",
]

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
STEMS = "甲乙丙丁戊己庚辛壬癸"

# (title, tags) of the people kept for each kind of org
STAFF = {
    "county": [
        ("副县长（带班领导）", ["带班领导"]),
        ("县政府办副主任（带班领导）", ["带班领导"]),
        ("总值班员", ["值班员"]),
        ("值班员", ["值班员"]),
        ("值班员", ["值班员"]),
    ],
    "township": [
        ("镇长（带班领导）", ["带班领导"]),
        ("副镇长（带班领导）", ["带班领导"]),
        ("应急办主任", ["值班员"]),
        ("值班员", ["值班员"]),
    ],
    "village": [("村党支部书记", ["基层责任人"]), ("村委会主任", ["基层责任人"])],
    "department": [("局长", ["带班领导"]), ("值班员", ["值班员"])],
    "command": [("指挥部办公室主任", ["值班员"])],
}

DEMO_PASSWORD = "yingji-demo"  # noqa: S105  demo data only; printed for the newcomer

# username -> (roles, org name or None for every org, whose person: (org name, staff index))
USERS = {
    "admin": (["admin"], None, None),
    "duty": (["duty_officer"], "阳城县", ("阳城县", 2)),
    "leader": (["leader"], "阳城县", ("阳城县", 0)),
    "team": (["team_leader"], "阳城县", ("县消防救援大队", 0)),
    "drill": (["drill_coordinator"], "阳城县", ("县应急管理局", 0)),
    "viewer": (["viewer"], "阳城县", ("县应急管理局", 1)),
    "fengcheng": (["duty_officer"], "凤城镇", ("凤城镇", 2)),
    "beiliu": (["duty_officer"], "北留镇", ("北留镇", 2)),
    # village responsible persons called by the demo warning: the phone page (/m)
    "dongguan": (["team_leader"], "东关社区", ("东关社区", 0)),
    "xiguan": (["team_leader"], "西关村", ("西关村", 0)),
}
