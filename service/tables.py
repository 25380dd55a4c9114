"""Import every table model so that ``SQLModel.metadata`` knows all tables (Alembic, tests)."""

from dispatch.incidents.models import (
    Activation,
    Dispatch,
    GradeChange,
    Incident,
    LogEntry,
    Report,
    Task,
)
from dispatch.warnings.models import EscalationTask, Feedback, Recipient, Warning
from plans.drills.models import CorrectiveAction, Drill, DrillExercise, Finding
from plans.library.models import Plan, PlanVersion
from plans.resources import models as resource_models  # noqa: F401  (resource tables)
from rosters.models import (
    CalendarFeed,
    DutyHandover,
    DutyLeave,
    DutyOverride,
    DutyPost,
    DutyRotation,
    DutySchedule,
    DutyShift,
    DutySwap,
    KeyPeriod,
)
from service.audit.models import AuditEntry
from service.auth.models import ApiToken, LoginFailure, RoleGrant, User
from service.clock.models import Timer
from service.files.models import StoredFile, StoredFileData
from service.notify.models import Channel, Delivery, SendSlot
from service.orgs.models import Org
from service.people.models import Person
from service.realtime.models import OutboxEvent

__all__ = [
    "Activation",
    "ApiToken",
    "AuditEntry",
    "CalendarFeed",
    "Channel",
    "CorrectiveAction",
    "Delivery",
    "Dispatch",
    "Drill",
    "DrillExercise",
    "DutyHandover",
    "DutyLeave",
    "DutyOverride",
    "DutyPost",
    "DutyRotation",
    "DutySchedule",
    "DutyShift",
    "DutySwap",
    "EscalationTask",
    "Feedback",
    "Finding",
    "GradeChange",
    "Incident",
    "KeyPeriod",
    "LogEntry",
    "LoginFailure",
    "Org",
    "OutboxEvent",
    "Person",
    "Plan",
    "PlanVersion",
    "Recipient",
    "Report",
    "RoleGrant",
    "SendSlot",
    "StoredFile",
    "StoredFileData",
    "Task",
    "Timer",
    "User",
    "Warning",
]
