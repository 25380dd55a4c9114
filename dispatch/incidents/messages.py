"""What incidents say to people, in zh-CN and English (see ``service.i18n``)."""

from service.i18n import register

register(
    {
        "in_future": ("不能晚于当前时间", "cannot be in the future"),
        "not_null": ("不能为空", "cannot be null"),
        "reported_before_occurred": ("接报时间不能早于发生时间", "reported before it occurred"),
        "org_or_location_required": (
            "请选择属地单位，或给出事发位置（经纬度）以推荐最近的乡镇",
            "Give the jurisdiction org, or lat/lon to suggest the nearest township",
        ),
        "grade_reason_required": ("人工认定等级须填写理由", "A manual grade needs a reason"),
        "incident_closed": (
            "事件已结案，不能修改；请先重新打开",
            "The incident is closed; reopen it first",
        ),
        "final_report_missing": (
            "尚未报送终报，不能结案",
            "The final report has not been sent; the incident cannot be closed",
        ),
        "report_level_missing": ("首报须指明报送层级", "An initial report needs its level"),
        "report_level_not_required": (
            "{grade} 事故无须报送至 {level}",
            "A {grade} accident is not reported to level {level}",
        ),
        "report_level_only_initial": (
            "只有首报按层级报送；续报、终报、补报不填层级",
            "Only initial reports have a level",
        ),
        "report_already_sent": (
            "{level} 首报已报送",
            "The initial report to {level} was sent already",
        ),
        "initial_report_first": ("请先报送首报", "Send the initial report first"),
        "final_report_sent": ("终报已报送", "The final report has been sent already"),
        "supplement_after_final": (
            "补报须在终报之后",
            "A supplementary report follows the final one",
        ),
        "plan_level_unknown": (
            "预案中没有 {level} 级响应",
            "The plan has no level {level} response",
        ),
        "plan_not_published": (
            "《{plan}》尚无已发布的版本，不能启动",
            "The plan {plan} has no published version to activate",
        ),
        "plan_already_active": ("《{plan}》已启动", "The plan {plan} is active already"),
        "activation_ended": ("该预案响应已终止", "This plan activation has ended"),
        "task_cancelled": ("该任务已取消", "This task was cancelled"),
        "team_unknown": ("救援队伍不存在或无权调派", "No such team, or not yours to dispatch"),
        "team_busy": (
            "{team} 当前状态为 {status}，不能调派",
            "{team} is {status} and cannot be dispatched",
        ),
        "dispatch_one_kind": (
            "请给出队伍（team_id），或物资（depot_id、item_id、quantity）",
            "Give team_id, or depot_id, item_id and quantity",
        ),
        "dispatch_ended": ("该调派已{status}", "This dispatch is {status} already"),
        "dispatch_move": (
            "调派状态不能从 {status} 改为 {to}",
            "A dispatch cannot go from {status} to {to}",
        ),
        "material_not_returnable": (
            "物资不能“返回”；未用物资请在储备库入库",
            "Materials do not return; receive unused stock back at the depot",
        ),
        "idempotency_key_missing": (
            "缺少 Idempotency-Key 请求头",
            "The Idempotency-Key header is required",
        ),
        "idempotency_key_invalid": (
            "Idempotency-Key 须为不超过 {max} 个字符的 ASCII 可见字符",
            "The Idempotency-Key must be printable ASCII of at most {max} characters",
        ),
        "idempotency_key_reused": (
            "Idempotency-Key {key} 已用于另一份不同的报警内容",
            "The Idempotency-Key {key} was already used with a different body",
        ),
    }
)
