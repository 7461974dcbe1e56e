"""Legal holds (WS-28): keep a case's, a report's, an account's or a subject's data past
retention until the hold is released.

What a hold keeps (see :mod:`qinglang.oversight.retention` for the purge):

* ``case:N`` — the case and everything hanging off it (its reports, their evidence, …);
* ``report:TRACKING`` — the report, its evidence, and the case it joined (whole);
* ``account:N`` — every case about the platform account (its ``account:N`` target) or
  about one of its posts (``content:M`` targets), whole;
* ``subject:NAME`` — every case a report of the right holder NAME (credit code or name)
  joined, and every case about an account whose registered subject is NAME.

Placing and releasing each write one ledger entry about the held thing, in the same
transaction. Only holders of ``retention:manage`` (compliance officers) may do either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.models import Case
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.intake.models import Report
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.oversight.models import LegalHold
from qinglang.platform.models import PlatformAccount

KINDS = ("case", "report", "account", "subject")
_LEDGER_TYPES = {
    "case": SubjectType.CASE,
    "report": SubjectType.REPORT,
    "account": SubjectType.PLATFORM_ACCOUNT,
    "subject": SubjectType.ACCOUNT,
}
MAX_REASON = 2000


@dataclass(frozen=True, slots=True)
class HoldView:
    id: int
    subject_type: str
    subject_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None

    @property
    def active(self) -> bool:
        return self.released_at is None

    @property
    def ref(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"

    @classmethod
    def of(cls, hold: LegalHold) -> HoldView:
        return cls(
            id=hold.id,
            subject_type=hold.subject_type,
            subject_id=hold.subject_id,
            reason=hold.reason,
            placed_by=hold.placed_by,
            placed_at=hold.placed_at,
            released_at=hold.released_at,
            released_by=hold.released_by,
            release_reason=hold.release_reason,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "subject": self.ref,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "reason": self.reason,
            "placed_by": self.placed_by,
            "placed_at": self.placed_at.isoformat(),
            "active": self.active,
            "released_at": self.released_at.isoformat() if self.released_at else None,
            "released_by": self.released_by,
            "release_reason": self.release_reason,
        }


def parse_subject(ref: str) -> tuple[str, str]:
    """``case:7``, ``report:QL…``, ``account:3``, ``subject:NAME`` → (kind, id)."""
    kind, sep, ident = ref.strip().partition(":")
    if not sep or kind not in KINDS or not ident.strip():
        raise InvalidInput(
            f"{ref!r} is not a hold subject; use case:N, report:TRACKING, account:N "
            "or subject:NAME",
            code="invalid_hold_subject",
        )
    return kind, ident.strip()


def _reason(text: str, what: str) -> str:
    reason = text.strip()
    if not reason:
        raise InvalidInput(f"a {what} needs a reason", code="reason_required")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"a reason is at most {MAX_REASON} characters", code="reason_too_long")
    return reason


def _check_exists(uow: UnitOfWork, kind: str, ident: str) -> str:
    """The subject id as stored (and as the ledger names it); NotFound if there is none."""
    session = uow.session
    if kind == "case":
        if not ident.isdigit() or session.get(Case, int(ident)) is None:
            raise NotFound(f"no case {ident}", code="case_not_found")
        return str(int(ident))
    if kind == "report":
        found = session.scalar(select(Report.id).where(Report.tracking_no == ident))
        if found is None:
            raise NotFound(f"no report {ident}", code="report_not_found")
        return ident
    if kind == "account":
        if not ident.isdigit() or session.get(PlatformAccount, int(ident)) is None:
            raise NotFound(f"no platform account {ident}", code="account_not_found")
        return str(int(ident))
    if len(ident) > 128 or "\n" in ident:
        raise InvalidInput("a subject is one line of at most 128 characters", code="invalid_input")
    return ident


def place_hold(database: Database, *, actor: Actor, subject: str, reason: str) -> HoldView:
    """Place a hold on ``subject`` (see :func:`parse_subject`); one ledger entry."""
    require(actor, Permission.RETENTION_MANAGE)
    kind, ident = parse_subject(subject)
    text = _reason(reason, "hold")
    with database.unit_of_work() as uow:
        ident = _check_exists(uow, kind, ident)
        ledger.serialise_appends(uow)
        existing = uow.session.scalar(
            select(LegalHold.id).where(
                LegalHold.subject_type == kind,
                LegalHold.subject_id == ident,
                LegalHold.released_at.is_(None),
            )
        )
        if existing is not None:
            raise Conflict(
                f"{kind}:{ident} is already held (hold {existing})",
                code="already_held",
                details={"hold": existing},
            )
        hold = LegalHold(
            subject_type=kind,
            subject_id=ident,
            reason=text,
            placed_by=actor.ref,
            placed_at=uow.clock.now(),
        )
        uow.session.add(hold)
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.LEGAL_HOLD_PLACED,
            subject=Subject(type=_LEDGER_TYPES[kind], id=ident),
            payload={"hold": hold.id, "subject": f"{kind}:{ident}", "reason": text},
        )
        return HoldView.of(hold)


def release_hold(database: Database, *, actor: Actor, hold_id: int, reason: str) -> HoldView:
    """Release an active hold; its subject's data is purged once it has expired."""
    require(actor, Permission.RETENTION_MANAGE)
    text = _reason(reason, "release")
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        hold = uow.session.get(LegalHold, hold_id)
        if hold is None:
            raise NotFound(f"no legal hold {hold_id}", code="hold_not_found")
        if hold.released_at is not None:
            raise Conflict(f"legal hold {hold_id} was already released", code="hold_released")
        hold.released_at = uow.clock.now()
        hold.released_by = actor.ref
        hold.release_reason = text
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.LEGAL_HOLD_RELEASED,
            subject=Subject(type=_LEDGER_TYPES[hold.subject_type], id=hold.subject_id),
            payload={
                "hold": hold.id,
                "subject": f"{hold.subject_type}:{hold.subject_id}",
                "reason": text,
            },
        )
        return HoldView.of(hold)


def list_holds(
    database: Database, *, actor: Actor, include_released: bool = False
) -> list[HoldView]:
    """Active holds (all holds with ``include_released``), oldest first."""
    require(actor, Permission.RETENTION_MANAGE)
    query = select(LegalHold).order_by(LegalHold.id)
    if not include_released:
        query = query.where(LegalHold.released_at.is_(None))
    with database.unit_of_work(read_only=True) as uow:
        return [HoldView.of(hold) for hold in uow.session.scalars(query)]


def active_holds(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(kind, id) of every active hold, for the purge."""
    rows = uow.session.execute(
        select(LegalHold.subject_type, LegalHold.subject_id).where(LegalHold.released_at.is_(None))
    )
    return [(str(kind), str(ident)) for kind, ident in rows]
