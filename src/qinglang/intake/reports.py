"""Receiving a report: check it, store it, group it into a case, answer the reporter.

One transaction per submission: the report, its targets and evidence items, its case
(opened or joined), the snapshots of what it names, and every ledger entry commit
together or not at all. Snapshots are fetched from the platform before the
transaction opens, so a slow platform never holds the database's write lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, Role, can
from qinglang.cases.models import Case
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from qinglang.intake import answers, grouping, idempotency, placement
from qinglang.intake.access import AccessTokens
from qinglang.intake.channels import Channel, Zone, open_zone, parse_channel
from qinglang.intake.completeness import Completeness, ReportFacts, check
from qinglang.intake.grouping import ResolvedTarget
from qinglang.intake.models import (
    Evidence,
    Report,
    ReporterAccount,
    ReportEvidence,
    ReportTarget,
)
from qinglang.intake.placement import report_subject
from qinglang.intake.snapshots import Snapshots
from qinglang.intake.standing import ReporterPolicy, check_allowed
from qinglang.intake.submission import EvidenceItemIn, SubmissionIn
from qinglang.intake.targets import TargetRules
from qinglang.intake.tracking import new_tracking_no
from qinglang.ledger import LedgerEvent
from qinglang.policy.campaigns import Campaign
from qinglang.policy.model import Pack

ACCEPTED = "accepted"
NEEDS_SUPPLEMENT = "needs_supplement"
CLOSED_INCOMPLETE = "closed_incomplete"
DUPLICATE = "duplicate"
PACK = "cac-ws-2023"
# Channels an integration may name; the public form and staff desks set the others.
_SELF_SERVICE = frozenset({Channel.API})
_STAFF_CHANNELS = frozenset({Channel.REGULATOR_TRANSFER, Channel.BULK_IMPORT})


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """The platform's intake choices (settings)."""

    supplement_days: int = 15
    duplicate_window: timedelta = timedelta(days=30)
    targets: TargetRules = field(default_factory=TargetRules)
    reporters: ReporterPolicy = field(default_factory=ReporterPolicy)


class Intake:
    """Report intake over one database, its policy packs and the platform's adapter.

    ``pack`` is the default (the enterprise zone's and the campaigns'); ``packs`` adds
    the packs whose own zones take reports, such as GD-1's rapid channel.
    """

    def __init__(
        self,
        database: Database,
        *,
        pack: Pack,
        campaigns: Mapping[str, Campaign],
        snapshots: Snapshots,
        tokens: AccessTokens,
        rules: IntakeRules = IntakeRules(),
        packs: Mapping[str, Pack] | None = None,
    ) -> None:
        self.packs: dict[str, Pack] = {**(packs or {}), pack.id: pack}
        for each in self.packs.values():
            if each.time_limits is None:
                raise ValueError(f"pack {each.id} has no time limits (WS-3)")
        self.database = database
        self.pack = pack
        self.campaigns = campaigns
        self.snapshots = snapshots
        self.tokens = tokens
        self.rules = rules

    def pack_for(self, pack_id: str) -> Pack:
        """The pack a report or case was classified by."""
        found = self.packs.get(pack_id)
        if found is None:
            raise NotFound(f"the policy pack {pack_id!r} is not loaded", code="pack_not_loaded")
        return found

    # -- submission -------------------------------------------------------------------

    def submit(
        self,
        *,
        actor: Actor,
        submission: SubmissionIn,
        channel: Channel | None = None,
        idempotency_key: str | None = None,
        fingerprint: str = "",
        form: str | None = None,
    ) -> dict[str, Any]:
        """Receive ``submission``; the answer ``POST /api/v1/reports`` gives (201 body).

        ``channel`` is set by the caller for the public form; otherwise the body's
        channel is checked against what ``actor`` may use.
        """
        if idempotency_key is not None:
            earlier = idempotency.replay(
                self.database, self.tokens, actor, idempotency_key, fingerprint
            )
            if earlier is not None:
                return earlier
        now = self.database.clock.now()
        used = (
            parse_channel(channel.value, regulator_reference=submission.regulator_reference)
            if channel is not None
            else self._channel(actor, submission)
        )
        zone = open_zone(submission.zone, at=now, campaigns=self.campaigns, packs=self.packs)
        pack = self.pack_for(zone.pack) if zone.pack is not None else self.pack
        if submission.campaign and (
            zone.campaign is None or zone.campaign.id != submission.campaign
        ):
            raise InvalidInput(
                f"campaign {submission.campaign!r} does not run in zone {zone.code!r}",
                code="campaign_zone_mismatch",
            )
        targets = grouping.resolve_all(submission.targets, self.rules.targets)
        account = self._reporter_account(actor)
        completeness = check(self._facts(submission, account), pack)
        taken = self.snapshots.take(targets) if completeness.complete else []
        try:
            with self.database.unit_of_work() as uow:
                ledger.serialise_appends(uow)  # intake is serialised: grouping cannot race
                report, token = self._store(
                    uow, actor, submission, used, zone, pack, targets, account, completeness
                )
                self.attach(
                    uow, report, submission.evidence, owners_for(actor, report, form), completeness
                )
                placement.place(uow, self, actor, report, targets, completeness, taken)
                answer = answers.receipt(
                    report,
                    self._case(uow, report),
                    duplicate_of=self._first_of(uow, report),
                    not_counted=list(completeness.not_counted)
                    if report.status != DUPLICATE
                    else [],
                )
                if idempotency_key is not None:
                    idempotency.remember(uow, actor, idempotency_key, fingerprint, report, answer)
        except BaseException:
            self.snapshots.discard(taken)
            raise
        return answer | {"access_token": token}

    def _channel(self, actor: Actor, submission: SubmissionIn) -> Channel:
        used = parse_channel(submission.channel, regulator_reference=submission.regulator_reference)
        if used in _SELF_SERVICE:
            return used
        if used in _STAFF_CHANNELS and can(actor, Permission.REPORTS_TRANSFER):
            return used
        raise PermissionDenied(
            f"the channel {used.value!r} cannot be used here",
            code="channel_not_allowed",
            details={"channel": used.value},
        )

    def _reporter_account(self, actor: Actor) -> ReporterAccount | None:
        if actor.user_id is None or Role.REPORTER.value not in actor.roles:
            return None  # only reporter accounts have one: no extra read for anyone else
        with self.database.unit_of_work(read_only=True) as uow:
            return uow.session.scalars(
                select(ReporterAccount).where(ReporterAccount.user_id == actor.user_id)
            ).first()

    def _facts(self, submission: SubmissionIn, account: ReporterAccount | None) -> ReportFacts:
        types = [item.type for item in submission.evidence]
        if account is not None and account.status == "verified":
            types.append(account.identity_type)  # checked once, counted for every report
        return ReportFacts(
            category=submission.category,
            subtype=submission.subtype,
            statement=submission.statement,
            delegated=submission.delegated,
            reporter_name=submission.reporter.name,
            reporter_phone=submission.reporter.phone,
            reporter_email=submission.reporter.email,
            targets=tuple(str(t.url or t.content_id or t.account_id) for t in submission.targets),
            evidence_types=tuple(types),
            declaration_accepted=bool(submission.declaration and submission.declaration.accepted),
        )

    def _store(
        self,
        uow: UnitOfWork,
        actor: Actor,
        submission: SubmissionIn,
        channel: Channel,
        zone: Zone,
        pack: Pack,
        targets: Sequence[ResolvedTarget],
        account: ReporterAccount | None,
        completeness: Completeness,
    ) -> tuple[Report, str]:
        now = uow.clock.now()
        campaign = zone.campaign
        holder = submission.right_holder
        if (
            account is not None
            and account.status == "verified"
            and holder.credit_code
            and holder.credit_code != account.right_holder_credit_code
        ):
            raise InvalidInput(
                "a reporter account reports for its own enterprise only",
                code="right_holder_mismatch",
            )
        declaration = submission.declaration
        tracking_no = new_tracking_no(now)
        token, digest = self.tokens.issue(tracking_no)
        report = Report(
            tracking_no=tracking_no,
            access_digest=digest,
            status=ACCEPTED if completeness.complete else NEEDS_SUPPLEMENT,
            pack=pack.id,
            category=submission.category,
            subtype=submission.subtype,
            channel=channel.value,
            zone=submission.zone,
            campaign=campaign.id if campaign else None,
            regulator_reference=(
                submission.regulator_reference if channel is Channel.REGULATOR_TRANSFER else None
            ),
            reporter_kind=submission.reporter.kind.value,
            reporter_name=submission.reporter.name,
            reporter_phone=submission.reporter.phone,
            reporter_email=submission.reporter.email,
            reporter_key=grouping.reporter_key(
                account_id=account.id if account else None,
                right_holder=holder.credit_code or holder.name,
                phone=submission.reporter.phone,
                email=submission.reporter.email,
            ),
            right_holder_name=holder.name,
            right_holder_credit_code=holder.credit_code,
            delegated=submission.delegated,
            agent_name=submission.agent.name if submission.agent else None,
            statement=submission.statement,
            involves_minor=submission.involves_minor,
            declaration_version=declaration.version if declaration else None,
            declaration_accepted_at=(
                (declaration.accepted_at or now) if declaration and declaration.accepted else None
            ),
            missing=answers.missing_json(completeness),
            received_at=now,
            accepted_at=now if completeness.complete else None,
            supplement_due_at=(
                None if completeness.complete else now + timedelta(days=self.rules.supplement_days)
            ),
            reporter_account_id=account.id if account else None,
            submitted_by=actor.ref,
        )
        standing = check_allowed(uow, report.reporter_key)  # WS-18: refused reporters stop here
        uow.memo["deprioritised"] = standing is not None and standing.level == "deprioritised"
        uow.session.add(report)
        uow.session.flush()
        uow.session.add_all(
            ReportTarget(
                report_id=report.id, position=i, kind=t.kind, given=t.given, target_key=t.key
            )
            for i, t in enumerate(targets)
        )
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REPORT_RECEIVED,
            subject=report_subject(report),
            payload={
                "channel": report.channel,
                "zone": report.zone,
                "campaign": report.campaign,
                "regulator_reference": report.regulator_reference,
                "category": report.category,
                "subtype": report.subtype,
                "reporter_kind": report.reporter_kind,
                "pack": report.pack,
                "involves_minor": report.involves_minor,
                "targets": [t.key for t in targets],
                "evidence": [item.id for item in submission.evidence],
                "declaration_version": report.declaration_version,
            },
        )
        return report, token

    def attach(
        self,
        uow: UnitOfWork,
        report: Report,
        items: Sequence[EvidenceItemIn],
        owners: set[str],
        completeness: Completeness,
        *,
        attached_in: str = "submission",
    ) -> None:
        """Attach evidence items: they must exist, be the sender's, and be unattached."""
        if not items:
            return
        ids = [item.id for item in items]
        found = {e.id: e for e in uow.session.scalars(select(Evidence).where(Evidence.id.in_(ids)))}
        taken = set(
            uow.session.scalars(
                select(ReportEvidence.evidence_id).where(ReportEvidence.evidence_id.in_(ids))
            )
        )
        unknown = [i for i in ids if i not in found or found[i].owner not in owners]
        if unknown:
            raise InvalidInput(
                "unknown evidence: upload each file first, with the same credentials",
                code="unknown_evidence",
                details={"evidence": unknown},
            )
        if taken:
            raise Conflict(
                "evidence already attached to another report",
                code="evidence_already_attached",
                details={"evidence": sorted(taken)},
            )
        now = uow.clock.now()
        uow.session.add_all(
            ReportEvidence(
                report_id=report.id,
                evidence_id=item.id,
                type=item.type,
                counted=item.type not in completeness.not_counted,
                attached_at=now,
                attached_in=attached_in,
            )
            for item in items
        )

    def _first_of(self, uow: UnitOfWork, report: Report) -> str | None:
        if report.duplicate_of is None:
            return None
        first = uow.session.get(Report, report.duplicate_of)
        return first.tracking_no if first else None

    def _case(self, uow: UnitOfWork, report: Report) -> Case | None:
        return uow.session.get(Case, report.case_id) if report.case_id is not None else None


def owners_for(actor: Actor, report: Report, form: str | None = None) -> set[str]:
    """Whose uploads may be attached to ``report`` by ``actor`` (``form``: the public
    form's session nonce, under which its files were uploaded)."""
    owners = {f"report:{report.tracking_no}"}
    if actor.user_id is not None:
        owners.add(f"user:{actor.user_id}")
    if form is not None:
        owners.add(f"form:{form}")
    return owners
