"""The plan library's permissions and messages, registered with the platform on import
(kept here so that the platform files stay untouched by this domain)."""

from __future__ import annotations

from service.auth.permissions import EVERY_ROLE, PERMISSIONS, STAFF, Role
from service.i18n import MESSAGES

PERMISSIONS.update(
    {
        "plan.read": EVERY_ROLE,
        "plan.write": STAFF,  # plans, drafts, attachments, submit, publish, withdraw
        "plan.approve": frozenset({Role.admin, Role.leader}),
        "plan.file": STAFF,  # record a filing (备案), over the parent org
    }
)

MESSAGES.update(
    {
        "plan_version_locked": (
            "预案第 {number} 版已提交（{status}），不能再修改；请新建修订稿",
            "Version {number} was submitted ({status}) and cannot change; start a new draft",
        ),
        "plan_version_state": (
            "预案第 {number} 版当前状态为 {status}，不能执行此操作（{action}）",
            "Version {number} is {status}; {action} is not possible now",
        ),
        "plan_version_open": (
            "第 {number} 版尚在办理（{status}），同一时间只能有一份未发布的版本",
            "Version {number} is still open ({status}); one unpublished version at a time",
        ),
        "plan_self_approval": (
            "不能审批自己起草或提交的版本（须由另一位领导审批）",
            "You cannot approve a version you drafted or submitted (another leader must)",
        ),
        "plan_filing_parent_org": (
            "备案须由上级单位（{org}）的人员登记",
            "The filing must be recorded by a user of the parent organisation ({org})",
        ),
        "plan_filing_root": (
            "顶级单位的预案备案须由全局管理员登记",
            "A top-level organisation's filing is recorded by an administrator of every org",
        ),
        "plan_filing_before_approval": (
            "备案日期不能早于批准日期（{day}）",
            "The filing date cannot be before the approval date ({day})",
        ),
        "plan_filing_future": ("备案日期不能晚于今天", "The filing date cannot be in the future"),
        "plan_parent_self": ("上级预案不能是本预案", "A plan cannot be its own parent plan"),
        "plan_parent_cycle": ("上级预案关系形成了循环", "The parent plans would form a cycle"),
        "plan_unknown": ("预案不存在或无权查看", "No such plan, or not visible to you"),
        "plan_version_unknown": ("该版本不存在", "No such version"),
        "level_duplicate": ("响应级别 {level} 重复", "Response level {level} is listed twice"),
        "key_duplicate": ("标识 {key} 重复", "The key {key} is used twice"),
        "revision_triggers_required": (
            "修订已发布的预案须说明修订原因（revision_triggers）",
            "Revising a published plan needs its revision triggers",
        ),
        "attachment_unknown": ("附件不存在", "No such attachment"),
        "plan_filing_overdue_title": ("预案备案逾期：{title}", "Plan filing overdue: {title}"),
        "plan_filing_overdue_text": (
            "《{title}》第 {number} 版已于 {approved} 批准，应在 {due} 前向上级备案，现已逾期。",
            "Version {number} of “{title}” was approved on {approved} and was due for filing "
            "by {due}; it is overdue.",
        ),
        "plan_review_title": ("预案评估到期：{title}", "Plan evaluation due: {title}"),
        "plan_review_due_text": (
            "《{title}》应在 {due} 前完成评估（还有 {days} 天）。",
            "“{title}” is due for evaluation by {due} ({days} days left).",
        ),
        "plan_review_overdue_text": (
            "《{title}》的评估已于 {due} 到期，已逾期 {days} 天，请尽快组织评估修订。",
            "“{title}” was due for evaluation on {due}, {days} days ago.",
        ),
        "plan_not_published": ("该预案尚无已发布的版本", "The plan has no published version"),
    }
)
