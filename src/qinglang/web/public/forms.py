"""Reading the public forms: problems beside their fields, uploads kept across re-renders.

Messages are English message ids, translated when the page is rendered; ``_`` here
only marks them (the test of the catalogs finds them by it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.errors import DomainError, InvalidInput
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.models import Evidence
from qinglang.intake.store import EvidenceStore
from qinglang.intake.submission import MAX_STATEMENT, MAX_TARGETS
from qinglang.intake.targets import TargetRules, normalise_url
from qinglang.policy.model import EvidencePurpose, Pack

_ACCOUNT_PREFIXES = ("account:", "账号:", "账号：")
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")


def _(message: str) -> str:
    """Marks a message id; the page translates it."""
    return message


# Messages for the problem codes of intake's checks (qinglang.intake.submission etc.).
CODE_MESSAGES = {
    "invalid_phone": _("This phone number cannot be reached; check it."),
    "invalid_email": _("This is not an e-mail address."),
    "invalid_credit_code": _(
        "This is not a unified social credit code (its check character does not match)."
    ),
    "too_many_targets": _("At most %(max)s addresses or ids in one report."),
    "statement_too_long": _("The statement is at most %(max)s characters."),
    "invalid_target_url": _("Line %(line)s is not an address that can be reported."),
    "invalid_target": _("Line %(line)s is neither an address nor a platform id."),
    "file_too_large": _("The file is larger than %(limit)s."),
    "unsupported_media_type": _(
        "This kind of file is not accepted (by its content). "
        "Accepted: PDF, JPEG, PNG, WebP, GIF, MP4, plain text."
    ),
    "empty_file": _("The file is empty."),
    "invalid_filename": _("The file name may not contain path separators or control characters."),
    "evidence_type_required": _("Choose what this file is."),
    "right_holder_mismatch": _(
        "A reporter account reports for its own enterprise only: "
        "use the account's unified social credit code."
    ),
    "required": _("This field is required."),
    "unknown_reporter_kind": _("Choose who is reporting."),
    "invalid_username": _(
        "2 to 64 lower-case letters, digits, _ . or -, starting with a letter or digit."
    ),
    "username_taken": _("This username is taken."),
    "password_too_short": _("A password needs at least 10 characters."),
    "password_too_long": _("A password has at most 256 characters."),
    "passwords_differ": _("The two passwords differ."),
    "reporter_contact_missing": _("Give a phone number or an e-mail address."),
    "invalid_identity_type": _("Choose the kind of identity document."),
    "unknown_evidence": _("Upload the file again."),
    "evidence_already_attached": _("This file is already attached elsewhere; upload it again."),
}
_FALLBACK = _("This value is not valid.")
_STATUS_BY_CODE = {"file_too_large": 413, "unsupported_media_type": 415}


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the form field it belongs beside ("" for the whole form)
    msgid: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    code: str = ""


class Problems:
    """Every problem of one form, all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.status = 422

    def add(self, field: str, code: str, msgid: str | None = None, **values: Any) -> None:
        self.items.append(Problem(field, msgid or CODE_MESSAGES.get(code, _FALLBACK), values, code))
        status = _STATUS_BY_CODE.get(code)
        if status is not None and (self.status == 422 or status == 413):
            self.status = status

    def __bool__(self) -> bool:
        return bool(self.items)

    def order(self, fields: Sequence[str]) -> Problems:
        """The problems in the order of ``fields`` on the page (files count as ``evidence``)."""

        def position(problem: Problem) -> int:
            name = problem.field
            if name.startswith(("file_", "kept.")):
                name = "evidence"
            return fields.index(name) if name in fields else len(fields)

        self.items.sort(key=position)
        return self

    def of(self, name: str) -> list[Problem]:
        return [p for p in self.items if p.field == name]

    def add_invalid(
        self,
        exc: InvalidInput,
        fields: dict[str, str],
        *,
        default: str = "",
        required: dict[str, str] | None = None,
    ) -> None:
        """The problems of an :class:`InvalidInput` from ``parse`` or a service, by field.

        A field that already has a problem (found by the page itself) gets no second
        one; ``required`` gives a field's own message for a generic problem.
        """
        problems = exc.details.get("problems")
        if not isinstance(problems, list) or not problems:
            problems = [{"field": exc.code, "code": exc.code}]
        for problem in problems:
            code = str(problem.get("code", ""))
            where = _field_for(str(problem.get("field", "")), fields, default)
            if where and self.of(where):
                continue
            own = (required or {}).get(where) if code not in CODE_MESSAGES else None
            self.add(where, code, own, **_values(code))


def _values(code: str) -> dict[str, Any]:
    return {
        "too_many_targets": {"max": MAX_TARGETS},
        "statement_too_long": {"max": MAX_STATEMENT},
    }.get(code, {})


def _field_for(where: str, fields: dict[str, str], default: str) -> str:
    """The form field of a problem's dotted path (longest known prefix wins)."""
    parts = where.split(".")
    for end in range(len(parts), 0, -1):
        found = fields.get(".".join(parts[:end]))
        if found is not None:
            return found
    return default


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KiB"
    return f"{size} B"


# -- targets ----------------------------------------------------------------------------


def read_targets(
    raw: str, rules: TargetRules, problems: Problems, field_name: str = "targets"
) -> list[dict[str, str]]:
    """One address, platform content id, or ``account:<id>`` per line."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) > MAX_TARGETS:
        problems.add(field_name, "too_many_targets", max=MAX_TARGETS)
        return []
    targets: list[dict[str, str]] = []
    for number, line in enumerate(lines, start=1):
        account = next(
            (line[len(p) :].strip() for p in _ACCOUNT_PREFIXES if line.startswith(p)), None
        )
        if account is not None:
            if _is_id(account):
                targets.append({"account_id": account})
            else:
                problems.add(field_name, "invalid_target", line=number)
        elif _is_id(line):
            targets.append({"content_id": line})
        else:
            try:
                if any(c.isspace() for c in line):  # normalise_url lets a host with spaces by
                    raise InvalidInput("spaces in an address", code="invalid_target_url")
                normalise_url(line, rules=rules)
            except InvalidInput:
                problems.add(field_name, "invalid_target_url", line=number)
                continue
            targets.append({"url": line})
    return targets


def _is_id(value: str) -> bool:
    return 0 < len(value) <= 64 and set(value) <= _ID_CHARS


# -- evidence -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kept:
    """A file already uploaded for this form, shown by its name and kept as hidden fields."""

    id: str
    type: str
    display_name: str
    size: int
    media_type: str


def evidence_choices(pack: Pack, *, identity_only: bool = False) -> list[tuple[str, list[Any]]]:
    """The pack's evidence types a person may choose, grouped by purpose."""
    order = [
        (EvidencePurpose.IDENTITY, _("Identity")),
        (EvidencePurpose.DELEGATION, _("Delegation")),
        (EvidencePurpose.PRELIMINARY, _("Preliminary evidence")),
    ]
    if identity_only:
        order = order[:1]
    return [
        (name, [t for t in pack.evidence_types if t.purpose is purpose]) for purpose, name in order
    ]


def choosable(pack: Pack, code: str, *, identity_only: bool = False) -> bool:
    found = pack.evidence_type(code)
    if found is None or found.purpose is EvidencePurpose.SNAPSHOT:
        return False
    return found.purpose is EvidencePurpose.IDENTITY or not identity_only


def kept_files(
    database: Database,
    form: FormData,
    *,
    owner: str,
    pack: Pack,
    problems: Problems,
    identity_only: bool = False,
) -> list[Kept]:
    """The files this form uploaded before (hidden ``kept_id``/``kept_type``), less the
    ones the reporter chose to drop; ids that are not this form's are ignored."""
    ids = texts(form, "kept_id")
    types = texts(form, "kept_type")
    dropped = set(texts(form, "kept_drop"))
    wanted = [(i, t) for i, t in zip(ids, types, strict=False) if i and i not in dropped]
    if not wanted:
        return []
    with database.unit_of_work(read_only=True) as uow:
        rows = {
            e.id: e
            for e in uow.session.scalars(
                select(Evidence).where(
                    Evidence.id.in_([i for i, _t in wanted]), Evidence.owner == owner
                )
            )
        }
    kept: list[Kept] = []
    for evidence_id, kind in wanted:
        row = rows.get(evidence_id)
        if row is None:
            continue
        kept.append(Kept(row.id, kind, row.display_name, row.size, row.media_type))
        if not choosable(pack, kind, identity_only=identity_only):
            problems.add(f"kept.{row.id}", "evidence_type_required")
    return kept


def upload_files(
    form: FormData,
    *,
    database: Database,
    store: EvidenceStore,
    actor: Actor,
    owner: str,
    limit: int,
    pack: Pack,
    problems: Problems,
    slots: Iterable[int],
    identity_only: bool = False,
) -> list[Kept]:
    """Store every chosen file (``file_N`` with its type ``type_N``); the ones stored.

    A file that fails is named beside its slot; the ones that succeed are kept, so
    the reporter never uploads them again.
    """
    stored: list[Kept] = []
    for slot in slots:
        upload = form.get(f"file_{slot}")
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        kind = text(form, f"type_{slot}")
        try:
            evidence = upload_evidence(
                database,
                actor=actor,
                store=store,
                source=upload.file,
                filename=upload.filename,
                limit=limit,
                owner=owner,
            )
        except DomainError as exc:
            problems.add(f"file_{slot}", exc.code, limit=human_size(limit))
            continue
        item = Kept(evidence.id, kind, evidence.display_name, evidence.size, evidence.media_type)
        stored.append(item)
        if not choosable(pack, kind, identity_only=identity_only):
            problems.add(f"kept.{item.id}", "evidence_type_required")
    return stored
