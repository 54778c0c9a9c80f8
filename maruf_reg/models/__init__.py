"""Typed models, one module per capability; import them from here."""

from maruf_reg.models.auth import ApiToken, Role, StaffUser
from maruf_reg.models.badges import BadgePrint
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.checkin import CheckInPoint, Direction, FullPolicy, Outcome, PointKind, Scan
from maruf_reg.models.files import StoredFile, StoredFileChunk
from maruf_reg.models.jobs import AuditLog, Job, JobStatus, WorkerPresence
from maruf_reg.models.messages import (
    DeliveryStatus,
    Message,
    MessageDelivery,
    MessageKind,
    MessageState,
)
from maruf_reg.models.people import (
    NAME_MAX,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    SpeakerInvitation,
)
from maruf_reg.models.program import (
    Forum,
    RoleKind,
    Room,
    Session,
    SessionKind,
    SessionRole,
    Theme,
)
from maruf_reg.models.questions import (
    CHOICE_KINDS,
    Answer,
    AnswerChoice,
    Question,
    QuestionKind,
    QuestionOption,
)

__all__ = [
    "CHOICE_KINDS",
    "NAME_MAX",
    "Answer",
    "AnswerChoice",
    "ApiToken",
    "AuditLog",
    "BadgePrint",
    "Category",
    "CheckInPoint",
    "DeliveryStatus",
    "Direction",
    "Forum",
    "FullPolicy",
    "Job",
    "JobStatus",
    "Message",
    "MessageDelivery",
    "MessageKind",
    "MessageState",
    "Outcome",
    "Person",
    "PointKind",
    "Question",
    "QuestionKind",
    "QuestionOption",
    "Registration",
    "RegistrationStatus",
    "Role",
    "RoleKind",
    "Room",
    "Scan",
    "Seat",
    "SeatStatus",
    "Session",
    "SessionKind",
    "SessionRole",
    "SpeakerInvitation",
    "StaffUser",
    "StoredFile",
    "StoredFileChunk",
    "Theme",
    "UTCDateTime",
    "WorkerPresence",
    "utcnow",
]
