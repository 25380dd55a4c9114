"""The permissions and the user-facing messages of the resources domain, registered with
the service's tables (kept here so that other domains' additions do not collide)."""

from __future__ import annotations

from service.auth.permissions import EVERY_ROLE, PERMISSIONS, STAFF, Role
from service.i18n import MESSAGES

PERMISSIONS.update(
    {
        "resource.read": EVERY_ROLE,
        "resource.write": STAFF,  # experts, depots, the item catalogue
        "team.write": STAFF | {Role.team_leader},
        "stock.write": STAFF,  # ledger movements and minimum levels
    }
)

MESSAGES.update(
    {
        "team": ("救援队伍", "team"),
        "member": ("队员", "team member"),
        "expert": ("专家", "expert"),
        "depot": ("物资储备库", "depot"),
        "item": ("物资品目", "item"),
        "lot": ("物资批次", "lot"),
        "person_unknown_or_hidden": ("人员不存在或无权查看", "No such person"),
        "member_exists": ("该人员已是本队队员", "This person is already a member of the team"),
        "expert_exists": ("该人员已在专家库中", "This person is already in the expert pool"),
        "item_unknown": ("物资品目不存在", "No such item"),
        "item_exists": ("已有同名同规格的物资品目", "An item with this name and spec exists"),
        "depot_unknown": ("物资储备库不存在或无权查看", "No such depot"),
        "depot_exists": ("该组织已有同名储备库", "The org already has a depot of this name"),
        "depot_has_stock": (
            "储备库已有出入库记录，不能删除",
            "The depot has ledger movements and cannot be deleted",
        ),
        "item_in_use": ("该品目已有库存记录，不能改单位", "The item has stock; its unit is fixed"),
        "lot_unknown": ("该储备库中没有此批次", "No such lot in this depot"),
        "lot_other_item": ("该批次不是此物资", "The lot holds another item"),
        "batch_exists": (
            "批次号 {batch} 在该储备库中已存在",
            "Batch {batch} already exists in this depot",
        ),
        "batch_conflict": (
            "目标储备库已有批次号 {batch}，但物资或有效期不同",
            "The target depot has batch {batch} with another item or expiry date",
        ),
        "expiry_before_receipt": (
            "有效期不能早于入库日期",
            "The expiry date cannot be before the receipt date",
        ),
        "insufficient_stock": (
            "库存不足：现有 {available}，需要 {requested}",
            "Not enough stock: {available} held, {requested} requested",
        ),
        "same_depot": ("调出和调入不能是同一储备库", "Transfer needs two different depots"),
        "lot_not_expired": ("批次 {batch} 尚未过期", "Lot {batch} has not expired"),
        "nothing_expired": ("没有可报废的过期批次", "No expired lot holds stock"),
        "reason_required": ("盘点调整必须填写原因", "An adjustment needs a reason"),
        "quantity_nonzero": ("数量不能为 0", "The quantity cannot be 0"),
        "min_qty_needs_item": ("min_qty 需与 item_id 一起使用", "min_qty needs item_id"),
        "filter_kind": ("该筛选条件不适用于 {kind}", "This filter does not apply to {kind}"),
        "team_status_same": ("队伍已是该状态", "The team already has this status"),
        "cert_expiring_title": (
            "队员证书即将到期：{team}",
            "Certificates about to expire: {team}",
        ),
        "cert_expiring_text": (
            "{team} 有 {count} 份证书将在 {days} 天内到期：{list}",
            "{team} has {count} certificate(s) expiring within {days} days: {list}",
        ),
        "low_stock_title": ("库存低于下限：{depot}", "Stock below minimum: {depot}"),
        "low_stock_text": (
            "{depot} 有 {count} 种物资低于最低库存：{list}",
            "{depot} has {count} item(s) below their minimum: {list}",
        ),
        "lot_expiring_title": ("物资批次即将过期：{depot}", "Lots about to expire: {depot}"),
        "lot_expiring_text": (
            "{depot} 有 {count} 个批次将在 {days} 天内过期：{list}",
            "{depot} has {count} lot(s) expiring within {days} days: {list}",
        ),
        "file_too_large": ("文件过大", "The file is too large"),
        "file_unreadable": ("无法读取文件（需为 .xlsx 或 UTF-8 .csv）", "Unreadable file"),
        "file_has_problems": (
            "文件中有 {count} 处问题，未导入；请先预览（dry_run）修正",
            "The file has {count} problem(s) and was not imported; preview it with dry_run",
        ),
        "column_missing": ("缺少列：{column}", "Missing column: {column}"),
        "cell_required": ("必填", "Required"),
        "cell_invalid": ("取值无效：{value}", "Invalid value: {value}"),
        "org_not_found_by_name": ("组织 {value} 不存在或无权写入", "No writable org {value}"),
        "team_not_found_by_name": ("队伍 {value} 不存在", "No team {value}"),
        "depot_not_found_by_name": ("储备库 {value} 不存在", "No depot {value}"),
        "item_not_found_by_name": ("物资 {value} 不在品目中", "No item {value} in the catalogue"),
    }
)
