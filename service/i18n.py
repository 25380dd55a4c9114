"""Messages the API shows to people, in zh-CN (default) and English.

Keys are stable codes; problem+json carries the code beside the message so that a
client may translate again. Pydantic's own error types are translated by their type.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

ZH = "zh-CN"
EN = "en"
LANGUAGES = (ZH, EN)

current_language: ContextVar[str] = ContextVar("current_language", default=ZH)

MESSAGES: dict[str, tuple[str, str]] = {
    # titles by HTTP status
    "status_400": ("请求有误", "Bad request"),
    "status_401": ("未登录或登录已失效", "Not authenticated"),
    "status_403": ("无权执行此操作", "Forbidden"),
    "status_404": ("未找到", "Not found"),
    "status_405": ("不支持该请求方法", "Method not allowed"),
    "status_409": ("与现有数据冲突", "Conflict"),
    "status_413": ("请求内容过大", "Content too large"),
    "status_415": ("不支持的内容类型", "Unsupported media type"),
    "status_422": ("输入数据不合规", "Invalid input"),
    "status_429": ("请求过于频繁", "Too many requests"),
    "status_500": ("服务器内部错误", "Internal server error"),
    "status_503": ("服务暂时不可用", "Service unavailable"),
    # details
    "validation_failed": ("{count} 处输入不合规", "{count} field(s) are invalid"),
    "not_found": ("{kind} 不存在或无权查看", "{kind} does not exist or is not visible to you"),
    "route_not_found": ("接口不存在", "No such endpoint"),
    "method_not_allowed": ("该接口不支持此请求方法", "This endpoint does not accept this method"),
    "bad_credentials": ("用户名或密码错误", "Wrong username or password"),
    "bad_token": ("令牌无效或已过期，请重新登录", "The token is invalid or expired; log in again"),
    "user_inactive": ("账号已停用", "This account is disabled"),
    "login_throttled": (
        "登录失败次数过多，请 {retry_after} 秒后再试",
        "Too many failed logins; try again in {retry_after} s",
    ),
    "role_required": ("需要以下角色之一：{roles}", "One of these roles is required: {roles}"),
    "database_unavailable": ("数据库暂时无法连接", "The database cannot be reached right now"),
    "internal_error": ("服务器内部错误，已记录", "An internal error occurred and was logged"),
    "integrity_conflict": ("与现有数据冲突", "The change conflicts with existing data"),
    "invalid_json": ("请求体不是合法的 JSON", "The request body is not valid JSON"),
    # domain rules
    "org_unknown": ("上级组织不存在", "No such organisation"),
    "org_cycle": (
        "不能把组织移到它自己或其下级之下",
        "An organisation cannot be moved under itself or one of its descendants",
    ),
    "org_has_children": (
        "该组织还有 {count} 个下级组织，不能删除",
        "The organisation still has {count} child organisation(s) and cannot be deleted",
    ),
    "org_has_people": (
        "该组织还有 {count} 名人员，不能删除",
        "The organisation still has {count} person(s) and cannot be deleted",
    ),
    "org_has_users": (
        "该组织还关联 {count} 个账号，不能删除",
        "The organisation still has {count} user account(s) and cannot be deleted",
    ),
    "org_root_scope": (
        "只有全局管理员可以创建顶级组织",
        "Only an administrator of every organisation may create a top-level one",
    ),
    "org_code_taken": ("区划代码 {value} 已被使用", "Division code {value} is already used"),
    "division_code": (
        "区划代码应为 6、9 或 12 位数字",
        "A division code is 6, 9 or 12 digits",
    ),
    "timezone_unknown": ("未知时区：{value}", "Unknown time zone: {value}"),
    "lat_lon_pair": ("经度和纬度须同时填写", "lat and lon must be given together"),
    "phone_invalid": (
        "电话号码格式不正确：{value}（手机号 11 位，座机带区号，如 0356-1234567）",
        "Not a valid Chinese phone number: {value} (mobile: 11 digits; "
        "landline with area code, e.g. 0356-1234567)",
    ),
    "phone_duplicate": ("电话号码重复：{value}", "Phone number listed twice: {value}"),
    "person_unknown": ("人员不存在", "No such person"),
    "superior_self": ("上级不能是本人", "A person cannot be their own superior"),
    "superior_cycle": ("上级关系形成了循环", "The superior chain would form a cycle"),
    "person_has_users": (
        "该人员还关联登录账号，不能删除",
        "The person is linked to a login account and cannot be deleted",
    ),
    "person_is_superior": (
        "该人员是 {count} 人的上级，不能删除",
        "The person is the superior of {count} person(s) and cannot be deleted",
    ),
    "username_taken": ("用户名 {username} 已存在", "Username {username} is already taken"),
    "username_format": (
        "用户名只能包含字母、数字、点、下划线和连字符（3–64 位）",
        "Usernames use letters, digits, '.', '_' and '-' (3–64 characters)",
    ),
    "password_weak": (
        "密码至少 {min} 位",
        "The password needs at least {min} characters",
    ),
    "grant_out_of_scope": (
        "不能授予超出自身管辖范围的权限",
        "You cannot grant a role outside your own scope",
    ),
    "person_linked": (
        "该人员已关联其他登录账号",
        "This person is already linked to another login account",
    ),
    "cannot_delete_self": ("不能删除自己的账号", "You cannot delete your own account"),
    "token_unknown": ("令牌不存在", "No such token"),
    "expires_past": ("过期时间必须晚于当前时间", "The expiry must be in the future"),
    "range_order": ("结束时间必须晚于开始时间", "The end must be after the start"),
    "channel_owner": (
        "person_id 和 org_id 须且只能填写一个",
        "Give exactly one owner: person_id or org_id",
    ),
    "url_invalid": (
        "应为以 http:// 或 https:// 开头的完整地址",
        "Must be a full address starting with http:// or https://",
    ),
    "channel_secret_unused": (
        "{kind} 通道不使用密钥（只有 webhook 和 dingtalk 通道签名）",
        "A {kind} channel uses no secret (only webhook and dingtalk channels sign)",
    ),
    "channel_disabled": ("该通道已停用", "The channel is disabled"),
    "channel_test_title": ("应急平台测试消息", "Yingji test message"),
    "channel_test_text": (
        "这是发往通道 {channel} 的测试消息，由 {user} 发起。收到即表示通道可用。",
        "A test message to channel {channel}, sent by {user}. If it arrived, the channel works.",
    ),
    # pydantic error types
    "missing": ("必填", "Field required"),
    "string_type": ("应为文本", "Must be text"),
    "string_too_short": ("至少 {min_length} 个字符", "At least {min_length} character(s)"),
    "string_too_long": ("最多 {max_length} 个字符", "At most {max_length} character(s)"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "too_short": ("至少 {min_length} 项", "At least {min_length} item(s)"),
    "too_long": ("最多 {max_length} 项", "At most {max_length} item(s)"),
    "int_type": ("应为整数", "Must be an integer"),
    "int_parsing": ("应为整数", "Must be an integer"),
    "int_from_float": ("应为整数", "Must be an integer"),
    "float_type": ("应为数字", "Must be a number"),
    "float_parsing": ("应为数字", "Must be a number"),
    "bool_type": ("应为 true 或 false", "Must be true or false"),
    "bool_parsing": ("应为 true 或 false", "Must be true or false"),
    "greater_than": ("应大于 {gt}", "Must be greater than {gt}"),
    "greater_than_equal": ("应不小于 {ge}", "Must be at least {ge}"),
    "less_than": ("应小于 {lt}", "Must be less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "Must be at most {le}"),
    "enum": ("应为以下之一：{expected}", "Must be one of: {expected}"),
    "literal_error": ("应为以下之一：{expected}", "Must be one of: {expected}"),
    "list_type": ("应为列表", "Must be a list"),
    "dict_type": ("应为对象", "Must be an object"),
    "model_type": ("应为对象", "Must be an object"),
    "model_attributes_type": ("应为对象", "Must be an object"),
    "datetime_parsing": (
        "时间格式不正确，应为 ISO 8601，例如 2026-07-01T08:30:00+08:00",
        "Not an ISO 8601 time, e.g. 2026-07-01T08:30:00+08:00",
    ),
    "datetime_type": ("应为时间", "Must be a date-time"),
    "datetime_from_date_parsing": ("时间格式不正确", "Not a valid date-time"),
    "timezone_aware": ("时间须带时区偏移，例如 +08:00", "The time needs a UTC offset, e.g. +08:00"),
    "date_parsing": ("日期格式不正确，应为 YYYY-MM-DD", "Not a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("日期格式不正确，应为 YYYY-MM-DD", "Not a date (YYYY-MM-DD)"),
    "extra_forbidden": ("不允许的字段", "Unknown field"),
    "json_invalid": ("不是合法的 JSON", "Not valid JSON"),
    "finite_number": ("应为有限数字", "Must be a finite number"),
    "value_error": ("{error}", "{error}"),
    "nul_character": ("不能包含空字符（NUL）", "Must not contain a NUL character"),
    "time_range": ("时间应在 {min} 年至 {max} 年之间", "The time must lie between {min} and {max}"),
    "timezone_naive": ("时间须带时区偏移，例如 +08:00", "The time needs a UTC offset, e.g. +08:00"),
    # duty roster
    "end_before_start": ("结束时间须晚于开始时间", "Must end after it starts"),
    "duplicate_items": ("列表中有重复项", "Lists an item twice"),
    "clock_time": ("应为时刻 HH:MM，例如 08:30", "Must be a time of day HH:MM, e.g. 08:30"),
    "range_too_long": ("时间范围不能超过 {days} 天", "The range may span at most {days} days"),
    "person_outside_org": (
        "该人员不属于 {org} 及其下级单位",
        "This person does not belong to {org} or an organisation below it",
    ),
    "post_unknown": ("该单位没有这个值班岗位", "The organisation has no such duty post"),
    "post_exists": ("岗位 {key} 已存在", "The post {key} already exists"),
    "leader_exactly_one": (
        "带班领导岗位任何时刻必须恰好一人",
        "The leader post holds exactly one person at any moment",
    ),
    "max_below_min": ("最多人数不能小于最少人数", "The maximum cannot be below the minimum"),
    "leader_post_required": ("带班领导岗位不能删除", "The leader post cannot be deleted"),
    "post_has_shifts": (
        "该岗位已有班次记录，不能删除（历史班次不可更改）",
        "The post has shifts on record and cannot be deleted (the past never changes)",
    ),
    "replaces_self": ("替班人与被替人不能是同一人", "A person cannot replace themself"),
    "replaces_required": (
        "该岗位可有多人，请指定被替换的人员",
        "This post holds several people: name the person being replaced",
    ),
    "override_too_long": ("替班时长不能超过 {days} 天", "An override may last at most {days} days"),
    "override_in_past": ("已结束的替班不能删除", "An override that has ended cannot be deleted"),
    "period_too_long": ("重要时段不能超过一年", "A key period may last at most a year"),
    "duty_post_crowded": (
        "同一时段该岗位人数超过上限（见 shifts 中冲突的两个班次）",
        "Too many people on the post at once (the two clashing shifts are in 'shifts')",
    ),
    "duty_person_overlap": (
        "同一人员会同时排在两个重叠的班次上（见 shifts）",
        "A person would be on two overlapping shifts (both are in 'shifts')",
    ),
    "holidays_unpublished": (
        "{year} 年法定节假日尚未公布，该年排班为暂定，请在日历更新后核对",
        "The {year} statutory holidays are not published yet; that year's roster is "
        "provisional until the calendar is updated",
    ),
    "checkin_not_open": (
        "只能在班次开始前 30 分钟至班次结束之间签到",
        "Check-in is open from 30 minutes before the shift starts until it ends",
    ),
    "checkin_missed_title": ("值班未签到", "Duty check-in missed"),
    "checkin_missed_text": (
        "{org}：{name} 的班次（{start} 开始）尚未签到，请立即到岗。",
        "{org}: {name} has not checked in for the shift starting {start}.",
    ),
    "handover_exists": ("该班次已交班", "This shift has already been handed over"),
    "handover_not_started": ("班次尚未开始，不能交班", "The shift has not started yet"),
    "shift_unknown": ("班次不存在或无权查看", "No such shift, or not visible to you"),
    "shift_started": ("班次已开始，不能再换班", "The shift has already started"),
    "swap_with_self": ("不能和自己换班", "A swap needs another person"),
    "swap_shift_not_theirs": (
        "该班次不属于对方或不在同一单位",
        "That shift is not the other person's, or not in the same organisation",
    ),
    "swap_other_post": ("只能与同一岗位的班次互换", "Only shifts of the same post can be swapped"),
    "swap_not_yours": ("只有换班当事人可以执行此操作", "Only the people in the swap may do this"),
    "swap_state": (
        "换班申请当前状态为 {state}，不能执行此操作",
        "The swap is {state}; this step is not possible",
    ),
    "swap_self_approval": (
        "换班的申请人和对方不能自己批准换班",
        "The requester and the counterpart of a swap cannot approve it",
    ),
    "swap_shift_changed": (
        "申请后班次已变更（时间或人员不同），请重新申请换班",
        "A shift of the swap changed after the request (time or person); request it again",
    ),
    "roster_clash_text": (
        "{org} 值班表无法按规则生成（{problem}），未来班次未更新，请检查轮班规则。",
        "{org}: the duty roster cannot be built from its rules ({problem}); "
        "its future shifts were not updated. Check the rotations.",
    ),
    "swap_too_late": (
        "班次已开始，不能再批准换班",
        "The shift has started; the swap can no longer be approved",
    ),
    "swap_title": ("换班", "Duty swap"),
    "swap_requested": (
        "{requester} 请求与 {counterpart} 换班（{start}）",
        "{requester} asks {counterpart} to swap the shift of {start}",
    ),
    "swap_accepted": (
        "{counterpart} 已同意与 {requester} 换班（{start}），待领导审批",
        "{counterpart} accepted the swap with {requester} ({start}); a leader decides",
    ),
    "swap_approved": (
        "{requester} 与 {counterpart} 的换班（{start}）已批准",
        "The swap of {requester} and {counterpart} ({start}) is approved",
    ),
    "swap_rejected": (
        "{requester} 与 {counterpart} 的换班（{start}）未获同意",
        "The swap of {requester} and {counterpart} ({start}) was rejected",
    ),
    "swap_cancelled": (
        "{requester} 已取消换班申请（{start}）",
        "{requester} cancelled the swap request ({start})",
    ),
    "nobody": ("无", "nobody"),
    "gaps_title": ("{org} 值班表有空缺", "{org}: gaps in the duty roster"),
    "gaps_text": (
        "{org} 未来 {days} 天内有 {count} 处值班空缺，最早从 {first} 开始，请及时排班。",
        "{org} has {count} gap(s) in the next {days} days, the first from {first}.",
    ),
    "daily_report_title": ("每日调度：{period} {day}", "Daily dispatch report: {period} {day}"),
    "daily_report_text": (
        "{period} · {org}\n带班领导：{leader}\n值班员：{officers}\n"
        "已签到 {checked}/{total}\n未来 3 天空缺 {gaps} 处",
        "{period} · {org}\nLeader on duty: {leader}\nDuty officers: {officers}\n"
        "Checked in {checked}/{total}\nGaps in the next 3 days: {gaps}",
    ),
    # warnings
    "level_red": ("红色", "red"),
    "level_orange": ("橙色", "orange"),
    "level_yellow": ("黄色", "yellow"),
    "level_blue": ("蓝色", "blue"),
    "warning_call_title": ("【{level}预警】{title}", "[{level} warning] {title}"),
    "warning_call_text": (
        "{content}\n请在 {minutes} 分钟内确认收到（叫应）。",
        "{content}\nConfirm receipt within {minutes} min.",
    ),
    "warning_escalated_title": ("预警未应答：{title}", "Unanswered warning: {title}"),
    "warning_escalated_text": (
        "{name}（{phones}）未确认收到预警，请立即联系并确认。",
        "{name} ({phones}) has not answered the warning; reach them now and confirm.",
    ),
    "warning_updated_text": ("预警已更新：{title}", "The warning was updated: {title}"),
    "warning_lifted_text": ("预警已解除：{title}", "The warning was lifted: {title}"),
    "warning_cancelled_text": ("预警已取消：{title}", "The warning was cancelled: {title}"),
    "no_recipients": ("按所给人员和规则没有找到任何接收人", "The people and rules name nobody"),
    "expired": ("失效时间已过", "The expiry time has passed"),
    "warning_not_draft": (
        "预警当前状态为 {status}，不能发布",
        "The warning is {status}; it cannot be issued",
    ),
    "warning_not_issued": ("预警尚未发布", "The warning has not been issued"),
    "warning_ended": ("预警已{status}，不能再更改", "The warning is {status} and cannot change"),
    "ack_not_yours": (
        "只能本人应答，或由值班员代为记录",
        "Only the person, or a duty officer on their behalf, can answer",
    ),
    "feedback_before_ack": ("请先确认收到预警再反馈", "Answer the warning before reporting back"),
    "polygon_open": ("多边形首尾两点必须相同", "The first and last points must be the same"),
    "cap_too_large": ("CAP 文件过大", "The CAP file is too large"),
    "cap_unsafe": ("CAP 文件含有不允许的 DTD 或实体", "The CAP file contains a DTD or entities"),
    "cap_not_xml": ("不是合法的 XML：{error}", "Not well-formed XML: {error}"),
    "cap_schema": ("不符合 CAP 1.2 规范：{error}", "Not valid CAP 1.2: {error}"),
    "cap_no_info": ("CAP 消息缺少 info 部分", "The CAP message has no info block"),
    "cap_polygon": ("多边形坐标格式不正确", "The polygon is not a list of lat,lon pairs"),
    "calendar_one_of": ("请给出 org_id 或 person_id 其中之一", "Give either org_id or person_id"),
    "schedule_missing": ("请先设置该单位的班次（交接班时间）", "Set the org's shift pattern first"),
    "sheet_not_xlsx": (
        "文件不是有效的 Excel（.xlsx）文件",
        "The file is not an Excel (.xlsx) workbook",
    ),
    "sheet_too_large": ("文件过大", "The file is too large"),
    "sheet_header": (
        "第一行须有“日期”“岗位”“人员”三列",
        "The first row needs the columns date, post and person",
    ),
    "sheet_too_many_rows": ("超过 {max} 行", "More than {max} rows"),
    "sheet_bad_date": ("日期无法识别，应为日期或 YYYY-MM-DD", "Not a date (YYYY-MM-DD)"),
    "sheet_other_month": ("{day} 不在所导入的月份内", "{day} is not in the month being imported"),
    "person_ambiguous": (
        "有多人同名，请改用手机号",
        "Several people have this name; use the phone",
    ),
    "sheet_duplicate": ("与前面某行重复", "Repeats an earlier row"),
    "sheet_overlap": (
        "与第 {other} 行冲突（同一岗位同一天只能一人，或同一人同一天两个岗位）",
        "Clashes with line {other} (one person per post and day, one post per person and day)",
    ),
    "sheet_uncovered_day": ("{day} 没有安排 {post}", "{day} has nobody on {post}"),
    "sheet_has_problems": (
        "表中有 {count} 处问题，未导入；请先预览（dry_run）修正",
        "The sheet has {count} problem(s) and was not imported; preview it with dry_run",
    ),
    "shutting_down": ("服务正在重启，请重试", "The service is restarting; try again"),
}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """A domain's own messages (zh-CN, en), added when its module is imported; a code
    already taken by another domain is a programming error."""
    taken = messages.keys() & MESSAGES.keys()
    if taken:
        raise ValueError(f"message codes already registered: {sorted(taken)}")
    MESSAGES.update(messages)


def pick_language(accept_language: str | None) -> str:
    """The first of our languages the client prefers (q-values respected)."""
    if not accept_language:
        return ZH
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        if tag.startswith("zh"):
            return ZH
        if tag.startswith("en"):
            return EN
    return ZH


def translate(code: str, language: str | None = None, **params: Any) -> str | None:
    pair = MESSAGES.get(code)
    if pair is None:
        return None
    template = pair[1] if (language or current_language.get()) == EN else pair[0]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def t(code: str, **params: Any) -> str:
    """Translate into the current request's language; the code itself when unknown."""
    return translate(code, **params) or code
