"""Reporter accounts: an enterprise that reports often proves who it is once (RC-1).

Anyone may ask for one: a username and password, the enterprise (name and unified
social credit code) or the entrepreneur, a contact, and one identity document (the
business licence, organisation code certificate or entrepreneur's identity). A
reviewer checks the document once and verifies or rejects the account. Once verified,
every report made through the account counts that identity proof (WS-5(二)), and
the account sees all its reports and their states in one list, without tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.models import User
from qinglang.auth.passwords import hash_password
from qinglang.auth.permissions import Permission, Role, require
from qinglang.auth.users import USERNAME, add_user
from qinglang.cases.models import Case
from qinglang.db.engine import Database
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.intake.identifiers import credit_code, email, phone
from qinglang.intake.models import Evidence, Report, ReporterAccount, ReportEvidence
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.policy.model import EvidencePurpose, Pack

PENDING = "pending"
VERIFIED = "verified"
REJECTED = "rejected"
KINDS = ("enterprise", "entrepreneur")


@dataclass(frozen=True, slots=True)
class AccountRequest:
    username: str
    password: str
    kind: str
    right_holder_name: str
    credit_code: str | None
    contact_name: str
    contact_phone: str | None
    contact_email: str | None
    identity_evidence_id: str
    identity_type: str


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One line of a reporter account's list of reports."""

    id: int
    tracking_no: str
    status: str
    category: str
    subtype: str
    received_at: datetime
    due_at: datetime | None
    case_id: int | None
    case_status: str | None
    missing: int


def _subject(account: ReporterAccount) -> Subject:
    return Subject.of(SubjectType.REPORTER_ACCOUNT, account.id)


def _checked(request: AccountRequest, pack: Pack) -> AccountRequest:
    problems: list[dict[str, str]] = []

    def problem(field: str, code: str, text: str) -> None:
        problems.append({"field": field, "code": code, "problem": text})

    if not USERNAME.match(request.username):
        problem("username", "invalid_username", "2 to 64 lower-case letters, digits, _ . -")
    if request.kind not in KINDS:
        problem("kind", "invalid_kind", "enterprise or entrepreneur")
    if not request.right_holder_name.strip():
        problem("right_holder_name", "required", "the enterprise's or entrepreneur's name")
    code = credit_code(request.credit_code) if request.credit_code else None
    if request.kind == "enterprise" and code is None:
        problem("credit_code", "invalid_credit_code", "a unified social credit code that checks")
    if not request.contact_name.strip():
        problem("contact_name", "required", "who to contact")
    tel = phone(request.contact_phone) if request.contact_phone else None
    mail = email(request.contact_email) if request.contact_email else None
    if request.contact_phone and tel is None:
        problem("contact_phone", "invalid_phone", "not a phone number that can be reached")
    if request.contact_email and mail is None:
        problem("contact_email", "invalid_email", "not an e-mail address")
    if tel is None and mail is None and not (request.contact_phone or request.contact_email):
        problem("contact_phone", "reporter_contact_missing", "a phone number or an e-mail")
    kind = pack.evidence_type(request.identity_type)
    if kind is None or kind.purpose is not EvidencePurpose.IDENTITY:
        problem("identity_type", "invalid_identity_type", "an identity document type")
    if problems:
        raise InvalidInput(
            "; ".join(f"{p['field']}: {p['problem']}" for p in problems),
            code=problems[0]["code"],
            details={"problems": problems},
        )
    return AccountRequest(
        username=request.username,
        password=request.password,
        kind=request.kind,
        right_holder_name=request.right_holder_name.strip(),
        credit_code=code,
        contact_name=request.contact_name.strip(),
        contact_phone=tel,
        contact_email=mail,
        identity_evidence_id=request.identity_evidence_id,
        identity_type=request.identity_type,
    )


def request_account(
    database: Database, *, actor: Actor, request: AccountRequest, pack: Pack, owner: str
) -> ReporterAccount:
    """Ask for a reporter account; it is ``pending`` until a reviewer checks the document.

    ``owner`` is who uploaded the identity document (see ``Evidence.owner``).
    """
    checked = _checked(request, pack)
    password_hash = hash_password(checked.password)
    with database.unit_of_work() as uow:
        evidence = uow.session.get(Evidence, checked.identity_evidence_id)
        if evidence is None or evidence.owner != owner:
            raise InvalidInput("upload the identity document first", code="unknown_evidence")
        used = (
            uow.session.scalars(
                select(ReportEvidence.id).where(ReportEvidence.evidence_id == evidence.id)
            ).first()
            or uow.session.scalars(
                select(ReporterAccount.id).where(
                    ReporterAccount.identity_evidence_id == evidence.id
                )
            ).first()
        )
        if used is not None:
            raise Conflict(
                "this file is already attached elsewhere", code="evidence_already_attached"
            )
        user = add_user(
            uow,
            actor=actor,
            username=checked.username,
            password_hash=password_hash,
            roles=frozenset({Role.REPORTER}),
            display_name=checked.right_holder_name,
        )
        account = ReporterAccount(
            user_id=user.id,
            kind=checked.kind,
            right_holder_name=checked.right_holder_name,
            right_holder_credit_code=checked.credit_code,
            contact_name=checked.contact_name,
            contact_phone=checked.contact_phone,
            contact_email=checked.contact_email,
            identity_evidence_id=evidence.id,
            identity_type=checked.identity_type,
            status=PENDING,
            created_at=uow.clock.now(),
        )
        uow.session.add(account)
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REPORTER_ACCOUNT_REQUESTED,
            subject=_subject(account),
            payload={
                "user": user.id,
                "kind": account.kind,
                "right_holder_name": account.right_holder_name,
                "credit_code": account.right_holder_credit_code,
                "identity_evidence": evidence.id,
                "identity_sha256": evidence.sha256,
                "identity_type": account.identity_type,
            },
        )
        return account


def decide_account(
    database: Database, *, actor: Actor, account_id: int, verify: bool, note: str = ""
) -> ReporterAccount:
    """A reviewer's check of the identity document: ``verified`` or ``rejected``."""
    require(actor, Permission.REPORTER_ACCOUNTS_VERIFY)
    note = note.strip()[:500]
    if not verify and not note:
        raise InvalidInput("say why the account is rejected", code="reason_required")
    with database.unit_of_work() as uow:
        account = uow.session.get(ReporterAccount, account_id, with_for_update=True)
        if account is None:
            raise NotFound(f"no reporter account {account_id}", code="reporter_account_not_found")
        if account.status != PENDING:
            raise Conflict(
                f"this account is already {account.status}", code="reporter_account_decided"
            )
        account.status = VERIFIED if verify else REJECTED
        account.decided_at = uow.clock.now()
        account.decided_by = actor.ref
        account.decision_note = note or None
        ledger.append(
            uow,
            actor=actor,
            event=(
                LedgerEvent.REPORTER_ACCOUNT_VERIFIED
                if verify
                else LedgerEvent.REPORTER_ACCOUNT_REJECTED
            ),
            subject=_subject(account),
            payload={"note": account.decision_note},
        )
        return account


def list_accounts(
    database: Database, *, actor: Actor, status: str | None = None
) -> list[tuple[ReporterAccount, str]]:
    """Reporter accounts with their usernames, pending first, for the reviewer."""
    require(actor, Permission.REPORTER_ACCOUNTS_VERIFY)
    query = select(ReporterAccount, User.username).join(User, User.id == ReporterAccount.user_id)
    if status is not None:
        query = query.where(ReporterAccount.status == status)
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.execute(query.order_by(ReporterAccount.created_at)).all()
    order = {PENDING: 0, VERIFIED: 1, REJECTED: 2}
    return sorted(((a, u) for a, u in rows), key=lambda r: order.get(r[0].status, 3))


def account_of(database: Database, *, user_id: int) -> ReporterAccount | None:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalars(
            select(ReporterAccount).where(ReporterAccount.user_id == user_id)
        ).first()


def reports_of(
    database: Database, *, account_id: int, limit: int = 200, before: int | None = None
) -> list[ReportLine]:
    """The account's reports, newest first (keyset: pass the last line's id as ``before``)."""
    query = (
        select(Report, Case.status, Case.due_at)
        .outerjoin(Case, Case.id == Report.case_id)
        .where(Report.reporter_account_id == account_id)
        .order_by(Report.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Report.id < before)
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.execute(query).all()
    return [
        ReportLine(
            id=r.id,
            tracking_no=r.tracking_no,
            status=r.status,
            category=r.category,
            subtype=r.subtype,
            received_at=r.received_at,
            due_at=due if r.status == "accepted" else None,
            case_id=r.case_id,
            case_status=case_status,
            missing=len(r.missing),
        )
        for r, case_status, due in rows
    ]
