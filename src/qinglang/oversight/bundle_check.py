"""Checking a signed ledger export offline: no database, only the bundle and a public key.

A bundle (see :mod:`qinglang.oversight.exports`) is a directory::

    manifest.json   what is in it: range, filters, counts, chain ends, each file's SHA-256
    manifest.sig    Ed25519 over manifest.json's exact bytes (64 raw bytes)
    entries.jsonl   one ledger entry a line, every column as stored (payload as hashed)
    evidence.jsonl  each evidence item the entries refer to: id, sha256, size, media_type
    files/<sha256>  with --with-files: those files, named by their hash

:func:`check_bundle` checks, in this order, and stops at the first problem, which it
names with a stable code: the signature (``signature_invalid``), the manifest's form
(``manifest_invalid``), each entry line against its own hash (``line_altered``, with
the line number), the links between consecutive entries of an unfiltered export
(``chain_broken``; a filtered export's entries are not contiguous, so it says the links
were not checkable), each file against the manifest (``missing_file``,
``file_hash_mismatch``, ``unexpected_file``), the counts (``count_mismatch``), and that
every evidence item and file the entries refer to is there (``missing_evidence``,
``missing_file``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from qinglang.ledger.chain import entry_hash
from qinglang.oversight.signing import fingerprint, load_public_key

BUNDLE_FORMAT = "qinglang-ledger-export/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ENTRIES = "entries.jsonl"
EVIDENCE = "evidence.jsonl"
FILES_DIR = "files"
ENTRY_FIELDS = (
    "seq",
    "recorded_at",
    "actor",
    "event",
    "subject_type",
    "subject_id",
    "payload",
    "prev_hash",
    "hash",
)
EVIDENCE_FIELDS = ("id", "sha256", "size", "media_type")
_READ = 1024 * 1024
_EVIDENCE_KEY = '"evidence":'


def evidence_refs(subject_type: str, subject_id: str, payload: str) -> list[str]:
    """The evidence ids an entry names: its subject, or its payload's ``evidence``
    (a list of ids in ``report_received``, ``report_supplemented``,
    ``objection_received``; one id in ``snapshot_taken``)."""
    found = [subject_id] if subject_type == "evidence" else []
    if _EVIDENCE_KEY in payload:
        value = json.loads(payload).get("evidence")
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, str))
    return found


def sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    detail: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "file": self.file, "line": self.line}


@dataclass(frozen=True, slots=True)
class BundleCheck:
    """What :func:`check_bundle` found: counts checked, and the first problem if any."""

    problem: Problem | None
    entries: int = 0
    evidence: int = 0
    files: int = 0
    links_checked: bool = False
    signer: str | None = None  # the fingerprint the manifest names
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problem": self.problem.as_dict() if self.problem else None,
            "entries": self.entries,
            "evidence": self.evidence,
            "files": self.files,
            "links_checked": self.links_checked,
            "links_note": None if self.links_checked else links_note(self.manifest),
            "signer": self.signer,
            "range": self.manifest.get("range"),
            "filters": self.manifest.get("filters"),
        }


def links_note(manifest: Mapping[str, Any]) -> str | None:
    chain = manifest.get("chain")
    if isinstance(chain, Mapping) and chain.get("linked") is False:
        return str(chain.get("note") or "links between entries were not checkable")
    return None


class _Found(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _fail(code: str, detail: str, *, file: str | None = None, line: int | None = None) -> _Found:
    return _Found(Problem(code, detail, file, line))


@dataclass
class _State:
    manifest: dict[str, Any] = field(default_factory=dict)
    entries: int = 0
    evidence: int = 0
    files: int = 0
    links_checked: bool = False
    refs: set[str] = field(default_factory=set)


def check_bundle(directory: Path, *, public_key_pem: str) -> BundleCheck:
    """Check the bundle in ``directory`` with the signer's public key (PEM).

    Raises :class:`~qinglang.errors.InvalidInput` ``public_key_invalid`` for a key that
    is not an Ed25519 public key; every problem of the bundle is in the result.
    """
    key = load_public_key(public_key_pem)
    state = _State()
    try:
        _check(directory, key, public_key_pem, state)
        problem = None
    except _Found as found:
        problem = found.problem
    signer = state.manifest.get("signer", {})
    return BundleCheck(
        problem=problem,
        entries=state.entries,
        evidence=state.evidence,
        files=state.files,
        links_checked=state.links_checked,
        signer=signer.get("fingerprint") if isinstance(signer, dict) else None,
        manifest=state.manifest,
    )


def _check(directory: Path, key: Any, public_pem: str, state: _State) -> None:
    if not directory.is_dir():
        raise _fail("missing_file", f"{directory} is not a directory", file=str(directory))
    for name in (MANIFEST, SIGNATURE):
        if not (directory / name).is_file():
            raise _fail("missing_file", f"the bundle has no {name}", file=name)
    data = (directory / MANIFEST).read_bytes()
    signature = (directory / SIGNATURE).read_bytes()
    try:
        key.verify(signature, data)
    except InvalidSignature:
        raise _fail("signature_invalid", _why_unsigned(data, public_pem), file=SIGNATURE) from None
    state.manifest = _manifest(data)
    listed: dict[str, dict[str, Any]] = state.manifest["files"]
    _entries(directory, state, listed)
    for name in (ENTRIES, EVIDENCE):
        _file(directory, name, listed)
    _evidence(directory, state)
    for name in sorted(listed):
        if name.startswith(f"{FILES_DIR}/"):
            _file(directory, name, listed)
            state.files += 1
    _unexpected(directory, listed)
    counts = state.manifest["counts"]
    for what, found in (
        ("entries", state.entries),
        ("evidence", state.evidence),
        ("files", state.files),
    ):
        if counts.get(what) != found:
            raise _fail(
                "count_mismatch",
                f"the manifest counts {counts.get(what)} {what}; the bundle holds {found}",
                file=MANIFEST,
            )


def _why_unsigned(data: bytes, public_pem: str) -> str:
    """Why the signature fails: another key signed it, or manifest.json or manifest.sig
    was altered (the two cannot be told apart; the manifest's own claim can be read)."""
    given = fingerprint(public_pem)
    try:
        claimed = json.loads(data)["signer"]["fingerprint"]
    except (ValueError, KeyError, TypeError):
        claimed = None
    if isinstance(claimed, str) and claimed != given:
        return (
            f"manifest.sig does not verify with the key given ({given[:16]}…); the manifest "
            f"names the signer {claimed[:16]}… (another key, or an altered manifest)"
        )
    return (
        "manifest.sig does not verify manifest.json with the key given: the manifest or "
        "its signature was altered"
    )


def _manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _fail("manifest_invalid", "manifest.json is not JSON", file=MANIFEST) from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise _fail(
            "manifest_invalid", f"manifest.json is not a {BUNDLE_FORMAT} manifest", file=MANIFEST
        )
    shapes = {"files": dict, "counts": dict, "chain": dict, "evidence_unavailable": list}
    for name, kind in shapes.items():
        if not isinstance(manifest.get(name), kind):
            raise _fail("manifest_invalid", f"manifest.json lacks {name!r}", file=MANIFEST)
    for name, entry in manifest["files"].items():
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or ".." in Path(name).parts
            or Path(name).is_absolute()
        ):
            raise _fail("manifest_invalid", f"manifest.json lists {name!r} oddly", file=MANIFEST)
    return manifest


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)


def _entries(directory: Path, state: _State, listed: Mapping[str, Any]) -> None:
    """Each entry against its own hash, and, unfiltered, each link and the chain's ends."""
    path = directory / ENTRIES
    if ENTRIES not in listed or not path.is_file():
        raise _fail("missing_file", f"the bundle has no {ENTRIES}", file=ENTRIES)
    chain = state.manifest["chain"]
    linked = chain.get("linked") is True
    expected_prev = chain.get("first_prev_hash")
    expected_seq = chain.get("first_seq")
    previous: int | None = None
    for number, raw in _lines(path):
        entry = _entry(raw, number)
        seq = entry["seq"]
        computed = entry_hash(
            seq,
            entry["recorded_at"],
            entry["actor"],
            entry["event"],
            entry["subject_type"],
            entry["subject_id"],
            entry["prev_hash"],
            entry["payload"],
        )
        if computed != entry["hash"]:
            raise _fail(
                "line_altered",
                f"entry {seq} does not match its own hash: the line was altered",
                file=ENTRIES,
                line=number,
            )
        if previous is not None and seq <= previous:
            raise _fail(
                "chain_broken", f"entry {seq} comes after {previous}", file=ENTRIES, line=number
            )
        if linked:
            if seq != expected_seq:
                raise _fail(
                    "chain_broken",
                    f"expected entry {expected_seq}, found {seq}: entries are missing",
                    file=ENTRIES,
                    line=number,
                )
            if entry["prev_hash"] != expected_prev:
                what = "the manifest's first prev_hash" if number == 1 else "the entry before it"
                raise _fail(
                    "chain_broken",
                    f"entry {seq} does not point at {what}",
                    file=ENTRIES,
                    line=number,
                )
            expected_prev, expected_seq = entry["hash"], seq + 1
        previous = seq
        state.refs.update(
            evidence_refs(entry["subject_type"], entry["subject_id"], entry["payload"])
        )
        state.entries += 1
    if linked:
        ends = (chain.get("last_seq"), chain.get("last_hash"))
        found = (previous, expected_prev) if previous is not None else (None, None)
        if ends != found:
            raise _fail(
                "chain_broken",
                f"the manifest says the export ends at entry {ends[0]}; "
                f"{ENTRIES} ends at {found[0]}",
                file=ENTRIES,
            )
    state.links_checked = linked


_decode = json.JSONDecoder().decode
_FIELD_SET = frozenset(ENTRY_FIELDS)


def _entry(raw: bytes, number: int) -> dict[str, Any]:
    try:
        entry = _decode(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
        entry = None
    if (
        type(entry) is not dict
        or entry.keys() != _FIELD_SET
        or type(entry["seq"]) is not int
        or not all(type(entry[name]) is str for name in ENTRY_FIELDS[1:])
    ):
        raise _fail(
            "line_altered", "the line is not a ledger entry any more", file=ENTRIES, line=number
        )
    return entry


def _file(directory: Path, name: str, listed: Mapping[str, Any]) -> None:
    path = directory / name
    if name not in listed:
        raise _fail("manifest_invalid", f"manifest.json does not list {name}", file=MANIFEST)
    if not path.is_file():
        raise _fail("missing_file", f"the bundle has no {name}", file=name)
    digest, _size = sha256_file(path)
    if digest != listed[name]["sha256"]:
        raise _fail(
            "file_hash_mismatch",
            f"{name} does not match its SHA-256 in the manifest: the file was altered",
            file=name,
        )
    if name.startswith(f"{FILES_DIR}/") and Path(name).name != digest:
        raise _fail("file_hash_mismatch", f"{name} is not named by its hash", file=name)


def _evidence(directory: Path, state: _State) -> None:
    """Evidence lines (already matched to the manifest's hash), and every one referred to."""
    items: dict[str, dict[str, Any]] = {}
    for number, raw in _lines(directory / EVIDENCE):
        try:
            item = json.loads(raw)
        except ValueError:
            item = None
        if not isinstance(item, dict) or not all(name in item for name in EVIDENCE_FIELDS):
            raise _fail("evidence_invalid", "not an evidence item", file=EVIDENCE, line=number)
        items[str(item["id"])] = item
    state.evidence = len(items)
    unavailable = set(state.manifest["evidence_unavailable"])
    absent = sorted(state.refs - set(items) - unavailable)
    if absent:
        raise _fail(
            "missing_evidence",
            f"entries refer to evidence {', '.join(absent[:5])} that {EVIDENCE} does not list",
            file=EVIDENCE,
        )
    if not state.manifest.get("with_files"):
        return
    listed = state.manifest["files"]
    lost = set(state.manifest.get("files_unavailable") or ())
    for item in items.values():
        name = f"{FILES_DIR}/{item['sha256']}"
        if item["sha256"] not in lost and (name not in listed or not (directory / name).is_file()):
            raise _fail("missing_file", f"evidence {item['id']} has no file {name}", file=name)


def _unexpected(directory: Path, listed: Mapping[str, Any]) -> None:
    known = {MANIFEST, SIGNATURE, *listed}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name not in known:
            raise _fail(
                "unexpected_file", f"{name} is in the bundle but not in its manifest", file=name
            )
