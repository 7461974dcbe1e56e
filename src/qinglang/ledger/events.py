"""The codes a ledger entry uses: what happened (event) and to what (subject)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# No control characters: the canonical encoding is line-based (see chain.py).
_SUBJECT_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")


class LedgerEvent(StrEnum):
    """What happened. A code never changes meaning; new ones are added at the end."""

    # users, roles and access
    USER_CREATED = "user_created"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_ROLES_CHANGED = "user_roles_changed"
    USER_PASSWORD_CHANGED = "user_password_changed"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_LOCKED = "login_locked"
    # the platform Qinglang governs (the demo platform, or a real one's mirror)
    PLATFORM_ACCOUNT_CREATED = "platform_account_created"
    PLATFORM_POST_CREATED = "platform_post_created"
    PLATFORM_MEASURE_APPLIED = "platform_measure_applied"
    DEMO_DATA_SEEDED = "demo_data_seeded"
    # intake
    EVIDENCE_UPLOADED = "evidence_uploaded"
    REPORT_RECEIVED = "report_received"
    REPORT_ACCEPTED = "report_accepted"
    REPORT_NEEDS_SUPPLEMENT = "report_needs_supplement"
    REPORT_SUPPLEMENTED = "report_supplemented"
    REPORT_CLOSED_INCOMPLETE = "report_closed_incomplete"
    REPORT_DUPLICATE = "report_duplicate"
    SNAPSHOT_TAKEN = "snapshot_taken"
    SNAPSHOT_FAILED = "snapshot_failed"
    # cases
    CASE_OPENED = "case_opened"
    REPORT_JOINED_CASE = "report_joined_case"
    CASE_CLOCK_PAUSED = "case_clock_paused"
    CASE_CLOCK_RESUMED = "case_clock_resumed"
    CASE_CLOSED_INCOMPLETE = "case_closed_incomplete"
    # reporter accounts
    REPORTER_ACCOUNT_REQUESTED = "reporter_account_requested"
    REPORTER_ACCOUNT_VERIFIED = "reporter_account_verified"
    REPORTER_ACCOUNT_REJECTED = "reporter_account_rejected"
    # review and decision (WS-19 to WS-27)
    CASE_CLAIMED = "case_claimed"
    CASE_RELEASED = "case_released"
    CASE_FACTS_RECORDED = "case_facts_recorded"
    CASE_PROPOSED = "case_proposed"
    CASE_APPROVED = "case_approved"
    CASE_RETURNED = "case_returned"
    CASE_SENT_TO_REGULATOR = "case_sent_to_regulator"
    REGULATOR_REVIEW_APPROVED = "regulator_review_approved"
    REGULATOR_REVIEW_REJECTED = "regulator_review_rejected"
    REGULATOR_COMMENTED = "regulator_commented"
    CASE_DECIDED = "case_decided"
    CASE_REOPENED = "case_reopened"
    CASE_DEADLINE_NEAR = "case_deadline_near"
    CASE_DEADLINE_PASSED = "case_deadline_passed"
    # measures and their delivery to the platform
    MEASURE_RECORDED = "measure_recorded"
    MEASURE_DELIVERED = "measure_delivered"
    MEASURE_DELIVERY_FAILED = "measure_delivery_failed"
    MEASURE_EXPIRED = "measure_expired"
    MEASURE_REVOKED = "measure_revoked"
    MEASURE_REQUEUED = "measure_requeued"  # a refused delivery sent again by a person
    # notices and objections (WS-24)
    NOTICE_SENT = "notice_sent"
    OBJECTION_RECEIVED = "objection_received"
    OBJECTION_DECIDED = "objection_decided"
    # malicious reports (WS-18)
    REPORTER_WARNED = "reporter_warned"
    REPORTER_RESTRICTED = "reporter_restricted"
    EVIDENCE_MARKED_FORGED = "evidence_marked_forged"
    EVIDENCE_VIEWED = "evidence_viewed"  # an identity document or masked file opened
    SECOND_REVIEW_DRAWN = "second_review_drawn"  # WS-27 internal supervision
    SECOND_REVIEW_RECORDED = "second_review_recorded"
    # the regulator's side (WS-28, WS-29): retention, exports, inspections, reports
    LEGAL_HOLD_PLACED = "legal_hold_placed"
    LEGAL_HOLD_RELEASED = "legal_hold_released"
    RETENTION_PURGED = "retention_purged"
    SIGNING_KEY_CREATED = "signing_key_created"
    LEDGER_EXPORTED = "ledger_exported"
    REGULATOR_QUERIED = "regulator_queried"
    REGULATOR_DOWNLOADED = "regulator_downloaded"
    CHANGE_REFUSED = "change_refused"
    INSPECTION_DRAWN = "inspection_drawn"
    PERIODIC_REPORT_GENERATED = "periodic_report_generated"


class SubjectType(StrEnum):
    """What an entry is about."""

    SYSTEM = "system"
    USER = "user"
    API_TOKEN = "api_token"
    PLATFORM_ACCOUNT = "platform_account"
    PLATFORM_POST = "platform_post"
    REPORT = "report"
    CASE = "case"
    ACCOUNT = "account"
    MEASURE = "measure"
    EVIDENCE = "evidence"
    CAMPAIGN = "campaign"
    REPORTER_ACCOUNT = "reporter_account"


@dataclass(frozen=True, slots=True)
class Subject:
    type: SubjectType
    id: str

    def __post_init__(self) -> None:
        if not _SUBJECT_ID.match(self.id):
            raise ValueError(
                "a subject id is 1 to 128 characters on one line, no control characters"
            )

    @classmethod
    def of(cls, type_: SubjectType, id_: int | str) -> Subject:
        return cls(type=type_, id=str(id_))

    @property
    def ref(self) -> str:
        return f"{self.type.value}:{self.id}"
