"""Drills' permissions and messages, registered with the platform on import."""

from __future__ import annotations

from service.auth.permissions import EVERY_ROLE, PERMISSIONS, STAFF, Role
from service.i18n import MESSAGES

PERMISSIONS.update(
    {
        "drill.read": EVERY_ROLE,
        # schedule, run (exercise warnings and incidents), evaluate, follow up
        "drill.write": STAFF | {Role.drill_coordinator},
    }
)

MESSAGES.update(
    {
        "drill_state": (
            "演练当前状态为 {status}，不能执行此操作（{action}）",
            "The drill is {status}; {action} is not possible now",
        ),
        "drill_not_in_progress": (
            "只有进行中的演练才能发布演练预警或演练事件（当前：{status}）",
            "Exercise warnings and incidents are issued only while the drill is in progress "
            "(now: {status})",
        ),
        "drill_not_completed": (
            "演练尚未结束（当前：{status}），不能评估",
            "The drill has not completed (now: {status}) and cannot be evaluated",
        ),
        "drill_actions_open": (
            "还有 {count} 项整改措施未完成，不能关闭演练",
            "{count} corrective action(s) are still open; the drill cannot be closed",
        ),
        "drill_plan_not_published": (
            "只能演练已发布的预案版本（第 {number} 版当前为 {status}）",
            "Only a published plan version can be drilled (version {number} is {status})",
        ),
        "drill_plan_required": ("指定演练级别时须指定预案版本", "A level needs a plan version"),
        "drill_level_unknown": (
            "该预案版本没有 {level} 级响应",
            "The plan version has no response level {level}",
        ),
        "drill_participant_outside": (
            "参演对象不在组织单位（{org}）的管辖范围内",
            "The participant lies outside the organiser's area ({org})",
        ),
        "drill_no_plan": ("该演练没有关联预案", "The drill tests no plan"),
        "drill_revision_open": (
            "该问题已开启预案修订（第 {number} 版）",
            "This finding already opened a revision (version {number})",
        ),
        "drill_criteria_missing": (
            "评估须为每一项评分：{criteria}",
            "The evaluation needs a score for each criterion: {criteria}",
        ),
        "team_unknown_drill": ("救援队伍不存在或无权查看", "No such team, or not visible to you"),
        "finding_unknown": ("问题不存在", "No such finding"),
        "drill_reminder_title": ("演练提醒：{title}", "Drill reminder: {title}"),
        "drill_reminder_text": (
            "《{title}》将于 {start}（{when}）在{location}开始，请按时参加。",
            "“{title}” starts {start} ({when}) at {location}; please take part.",
        ),
        "drill_notice_title": ("演练通知：{title}", "Drill notice: {title}"),
        "drill_notice_text": (
            "您被列为《{title}》的参演人员：{start} 至 {end}，地点：{location}。",
            "You take part in “{title}”: {start} to {end}, at {location}.",
        ),
        "drill_cancelled_text": (
            "《{title}》已取消：{reason}",
            "“{title}” was cancelled: {reason}",
        ),
        "drill_action_title": ("演练整改：{text}", "Drill corrective action: {text}"),
        "drill_action_due_text": (
            "整改措施“{text}”（{drill}）应于 {due} 完成。",
            "The corrective action “{text}” ({drill}) is due on {due}.",
        ),
        "drill_action_overdue_text": (
            "整改措施“{text}”（{drill}）已于 {due} 到期，尚未完成。",
            "The corrective action “{text}” ({drill}) was due on {due} and is not done.",
        ),
    }
)
