from warnings_app.models.accounts import EnrolmentCode, RoleGrant
from warnings_app.models.api import IdempotencyKey
from warnings_app.models.bundles import EvidenceBundle
from warnings_app.models.campaigns import Campaign, LadderStep
from warnings_app.models.companies import Company, Contact, Tag
from warnings_app.models.letters import LetterTemplate, TemplateVersion
from warnings_app.models.licences import (
    Licence,
    LicenceFlag,
    LicenceMatter,
    LicenceReminder,
    LicenceUse,
    LicenceWork,
    MatterDocument,
    MatterMove,
    MatterNote,
    MatterStage,
)
from warnings_app.models.notices import DeliveryAttempt, FollowUp, Notice, PrintBatch
from warnings_app.models.preferences import (
    AICrawler,
    Artist,
    Preference,
    PreferenceLink,
    PreferenceReceipt,
    PreferenceStatement,
    ReservationPublication,
    WorkPreference,
)
from warnings_app.models.reports import DailySnapshot, FigureCell, FigureSummary
from warnings_app.models.responses import DemandAnswer, Response, ResponseAttachment
from warnings_app.models.rights import EvidenceItem, Principal, Work
from warnings_app.models.system import AuditAnchor, AuditEvent, Heartbeat, ReferenceCounter
from warnings_app.models.tokens import ApiToken
from warnings_app.models.usage import UsageFinding, UsageReport, UsageRow

__all__ = [
    "AICrawler",
    "ApiToken",
    "Artist",
    "AuditAnchor",
    "AuditEvent",
    "Campaign",
    "Company",
    "Contact",
    "DailySnapshot",
    "DeliveryAttempt",
    "DemandAnswer",
    "EnrolmentCode",
    "EvidenceBundle",
    "EvidenceItem",
    "FigureCell",
    "FigureSummary",
    "FollowUp",
    "Heartbeat",
    "IdempotencyKey",
    "LadderStep",
    "LetterTemplate",
    "Licence",
    "LicenceFlag",
    "LicenceMatter",
    "LicenceReminder",
    "LicenceUse",
    "LicenceWork",
    "MatterDocument",
    "MatterMove",
    "MatterNote",
    "MatterStage",
    "Notice",
    "Preference",
    "PreferenceLink",
    "PreferenceReceipt",
    "PreferenceStatement",
    "Principal",
    "PrintBatch",
    "ReferenceCounter",
    "ReservationPublication",
    "Response",
    "ResponseAttachment",
    "RoleGrant",
    "Tag",
    "TemplateVersion",
    "UsageFinding",
    "UsageReport",
    "UsageRow",
    "Work",
    "WorkPreference",
]
