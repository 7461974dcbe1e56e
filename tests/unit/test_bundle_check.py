"""verify-export's check, offline: each way a bundle can be wrong is named by its code."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qinglang.errors import InvalidInput
from qinglang.ledger.chain import GENESIS_HASH, canonical_json, entry_hash
from qinglang.oversight.bundle_check import check_bundle
from qinglang.oversight.exports import EvidenceItem, manifest_bytes, write_bundle
from qinglang.oversight.signing import fingerprint, public_pem_of

KEY = Ed25519PrivateKey.generate()
PUBLIC = public_pem_of(KEY)
FILE_BYTES = b"\x89PNG evidence bytes"


def _rows(count: int, *, start: int = 1, prev: str = GENESIS_HASH) -> list[tuple[Any, ...]]:
    rows = []
    for seq in range(start, start + count):
        payload = canonical_json({"n": seq, "evidence": ["ev1"] if seq == 2 else []})
        at = f"2026-11-{seq % 28 + 1:02d}T02:00:00.000000Z"
        digest = entry_hash(
            seq, at, "user:li", "report_received", "report", f"QL-{seq}", prev, payload
        )
        rows.append(
            (seq, at, "user:li", "report_received", "report", f"QL-{seq}", payload, prev, digest)
        )
        prev = digest
    return rows


def bundle(
    tmp_path: Path, *, rows: list[tuple[Any, ...]] | None = None, linked: bool = True
) -> Path:
    source = tmp_path / "store-file"
    source.write_bytes(FILE_BYTES)
    sha = hashlib.sha256(FILE_BYTES).hexdigest()
    out = tmp_path / "bundle"
    out.mkdir()
    write_bundle(
        out,
        entries=_rows(5) if rows is None else rows,
        evidence=lambda ids: [EvidenceItem(i, sha, len(FILE_BYTES), "image/png") for i in ids],
        files=lambda _sha: source,
        key=KEY,
        linked=linked,
        description={"range": {"from": "2026-11-01", "to": "2026-11-30"}, "filters": {}},
    )
    return out


def flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def resign(out: Path, change: dict[str, Any]) -> None:
    manifest = json.loads((out / "manifest.json").read_text()) | change
    data = manifest_bytes(manifest)
    (out / "manifest.json").write_bytes(data)
    (out / "manifest.sig").write_bytes(KEY.sign(data))


def code_of(out: Path, public: str = PUBLIC) -> str | None:
    result = check_bundle(out, public_key_pem=public)
    return result.problem.code if result.problem else None


def test_a_sound_bundle_verifies_with_its_links(tmp_path: Path) -> None:
    result = check_bundle(bundle(tmp_path), public_key_pem=PUBLIC)
    assert result.ok, result.problem
    assert (result.entries, result.evidence, result.files) == (5, 1, 1)
    assert result.links_checked is True
    assert result.signer == fingerprint(PUBLIC)


def test_an_altered_entry_line_is_named_with_its_line_number(tmp_path: Path) -> None:
    out = bundle(tmp_path)
    lines = (out / "entries.jsonl").read_bytes().splitlines(keepends=True)
    offset = sum(len(line) for line in lines[:2]) + lines[2].index(b'"actor":"user:li"') + 12
    flip(out / "entries.jsonl", offset)
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.problem is not None
    assert (result.problem.code, result.problem.file, result.problem.line) == (
        "line_altered",
        "entries.jsonl",
        3,
    )


def test_a_line_that_no_longer_parses_is_an_altered_line(tmp_path: Path) -> None:
    out = bundle(tmp_path)
    flip(out / "entries.jsonl", 0)  # the opening brace
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.problem is not None
    assert (result.problem.code, result.problem.line) == ("line_altered", 1)


def test_a_removed_entry_breaks_the_chain(tmp_path: Path) -> None:
    rows = _rows(5)
    out = bundle(tmp_path, rows=rows[:2] + rows[3:])
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.problem is not None
    assert (result.problem.code, result.problem.line) == ("chain_broken", 3)


def test_the_first_entry_must_follow_the_manifests_prev_hash(tmp_path: Path) -> None:
    out = bundle(tmp_path, rows=_rows(3, start=10, prev="a" * 64))
    assert code_of(out) is None
    resign(
        out,
        {
            "chain": json.loads((out / "manifest.json").read_text())["chain"]
            | {"first_prev_hash": "b" * 64}
        },
    )
    assert code_of(out) == "chain_broken"


def test_a_filtered_bundle_checks_hashes_but_says_links_were_not_checkable(tmp_path: Path) -> None:
    rows = _rows(5)
    out = bundle(tmp_path, rows=[rows[0], rows[3]], linked=False)
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.ok, result.problem
    assert result.links_checked is False
    assert "cannot be checked" in str(result.as_dict()["links_note"])


@pytest.mark.parametrize("part", ["evidence.jsonl", "files"])
def test_an_altered_file_is_named(tmp_path: Path, part: str) -> None:
    out = bundle(tmp_path)
    target = out / part if part != "files" else next((out / "files").iterdir())
    flip(target, 3)
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.problem is not None
    assert result.problem.code == "file_hash_mismatch"
    assert result.problem.file == target.relative_to(out).as_posix()


@pytest.mark.parametrize("part", ["manifest.json", "manifest.sig"])
def test_an_altered_manifest_or_signature_fails_the_signature(tmp_path: Path, part: str) -> None:
    out = bundle(tmp_path)
    flip(out / part, 20)
    assert code_of(out) == "signature_invalid"


def test_another_key_fails_the_signature_and_says_whose_it_is(tmp_path: Path) -> None:
    other = public_pem_of(Ed25519PrivateKey.generate())
    result = check_bundle(bundle(tmp_path), public_key_pem=other)
    assert result.problem is not None
    assert result.problem.code == "signature_invalid"
    assert "names the signer" in result.problem.detail


def test_a_public_key_that_is_not_one_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_bundle(Path("."), public_key_pem="not a key")
    assert refused.value.code == "public_key_invalid"


@pytest.mark.parametrize("name", ["entries.jsonl", "manifest.sig", "files"])
def test_a_missing_file_is_named(tmp_path: Path, name: str) -> None:
    out = bundle(tmp_path)
    target = out / name if name != "files" else next((out / "files").iterdir())
    target.unlink()
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.problem is not None
    assert result.problem.code == "missing_file"


def test_a_file_the_manifest_does_not_list_is_named(tmp_path: Path) -> None:
    out = bundle(tmp_path)
    (out / "files" / "extra").write_bytes(b"planted")
    assert code_of(out) == "unexpected_file"


def test_a_signed_manifest_of_another_format_is_invalid(tmp_path: Path) -> None:
    out = bundle(tmp_path)
    resign(out, {"format": "something-else/9"})
    assert code_of(out) == "manifest_invalid"


def test_counts_that_disagree_with_the_bundle_are_named(tmp_path: Path) -> None:
    out = bundle(tmp_path)
    resign(out, {"counts": {"entries": 6, "evidence": 1, "files": 1}})
    assert code_of(out) == "count_mismatch"


def test_evidence_an_entry_names_must_be_listed(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    write_bundle(
        out,
        entries=_rows(3),
        evidence=lambda ids: [],
        files=None,
        key=KEY,
        linked=True,
        description={},
    )
    # The exporter lists what it could not find; remove that and the gap is named.
    assert code_of(out) is None
    resign(out, {"evidence_unavailable": []})
    assert code_of(out) == "missing_evidence"


def test_an_empty_bundle_is_signed_and_verifies(tmp_path: Path) -> None:
    out = bundle(tmp_path, rows=[])
    result = check_bundle(out, public_key_pem=PUBLIC)
    assert result.ok, result.problem
    assert (result.entries, result.evidence, result.files) == (0, 0, 0)
