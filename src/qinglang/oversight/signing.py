"""The platform's Ed25519 key that signs ledger exports (WS-28), kept as a PEM file.

The private key lives at ``settings.signing_key_path`` (``QINGLANG_SIGNING_KEY_FILE``),
mode 0600, and is never overwritten silently: :func:`create_key` refuses when a key is
there unless asked to rotate, and a rotation keeps the old public key beside the new
key (``<name>.retired-<fingerprint prefix>.pub.pem``) so older bundles still verify.
Creating a key is a ledger entry (``signing_key_created``) with its fingerprint.

A fingerprint is the SHA-256, in lower-case hex, of the public key's DER
SubjectPublicKeyInfo: the same value for the same key however its PEM is wrapped.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.errors import ConfigurationError, Conflict, InvalidInput
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.settings import Settings

KEY_FILE_MODE = 0o600
SUBJECT = Subject(type=SubjectType.SYSTEM, id="ledger-export-key")
_RETIRED = ".retired-"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    path: Path
    fingerprint: str
    public_pem: str
    retired: tuple[tuple[Path, str], ...] = ()  # older public keys kept beside it


def fingerprint(public_pem: str) -> str:
    """The SHA-256 (hex) of a PEM public key's DER SubjectPublicKeyInfo."""
    key = load_public_key(public_pem)
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def load_public_key(public_pem: str) -> Ed25519PublicKey:
    """Parse a PEM public key; :class:`InvalidInput` (``public_key_invalid``) if it is not
    an Ed25519 public key."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode("ascii", "replace"))
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(
            "not an Ed25519 public key in PEM form (-----BEGIN PUBLIC KEY-----)",
            code="public_key_invalid",
        )
    return key


def public_pem_of(key: Ed25519PrivateKey) -> str:
    """The public half of ``key`` in PEM."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _read_private(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            f"no ledger-export signing key at {path}; create one with `qinglang keys init` "
            "(QINGLANG_SIGNING_KEY_FILE says where it lives)",
            code="signing_key_missing",
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the signing key at {path}: {exc.strerror}", code="signing_key_unreadable"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(
            f"the file at {path} is not an unencrypted Ed25519 private key in PEM form",
            code="signing_key_invalid",
        )
    return key


def private_key(settings: Settings) -> Ed25519PrivateKey:
    """The signing key; :class:`ConfigurationError` ``signing_key_missing`` if there is none."""
    return _read_private(settings.signing_key_path)


def public_key_pem(settings: Settings) -> str | None:
    """The signing key's public half in PEM, or None when no key has been created yet."""
    path = settings.signing_key_path
    if not path.exists():
        return None
    return public_pem_of(_read_private(path))


def retired_keys(settings: Settings) -> tuple[tuple[Path, str], ...]:
    """Older public keys kept beside the key by rotations: (file, fingerprint), oldest first."""
    path = settings.signing_key_path
    if not path.parent.is_dir():
        return ()
    found = sorted(
        path.parent.glob(f"{path.name}{_RETIRED}*.pub.pem"), key=lambda p: p.stat().st_mtime_ns
    )
    return tuple((p, fingerprint(p.read_text(encoding="ascii"))) for p in found)


def key_info(settings: Settings) -> KeyInfo:
    """The key's public half and fingerprint (``signing_key_missing`` if there is none)."""
    public = public_pem_of(private_key(settings))
    return KeyInfo(
        path=settings.signing_key_path,
        fingerprint=fingerprint(public),
        public_pem=public,
        retired=retired_keys(settings),
    )


def _write_private(directory: Path, key: Ed25519PrivateKey) -> Path:
    """The key in a new file of mode 0600 beside where it goes (not yet in place)."""
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    handle, name = tempfile.mkstemp(dir=directory, prefix=".new-key-")
    try:
        os.fchmod(handle, KEY_FILE_MODE)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def create_key(
    database: Database, *, settings: Settings, actor: Actor, rotate: bool = False
) -> KeyInfo:
    """Create the signing key; with ``rotate``, replace it and keep its public half beside.

    Refuses (``signing_key_exists``) when a key is there and ``rotate`` is not set.
    """
    path = settings.signing_key_path
    old: Ed25519PrivateKey | None = _read_private(path) if path.exists() else None
    if old is not None and not rotate:
        raise Conflict(
            f"a signing key already exists at {path} (fingerprint "
            f"{fingerprint(public_pem_of(old))}); `qinglang keys init --rotate` replaces it "
            "and keeps its public key for older bundles",
            code="signing_key_exists",
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    public = public_pem_of(key)
    new_print = fingerprint(public)
    old_print = fingerprint(public_pem_of(old)) if old is not None else None
    staged = _write_private(path.parent, key)
    retired: Path | None = None
    try:
        with database.unit_of_work() as uow:
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.SIGNING_KEY_CREATED,
                subject=SUBJECT,
                payload={"fingerprint": new_print, "algorithm": "Ed25519", "replaces": old_print},
            )
            if old is not None and old_print is not None:
                retired = path.with_name(f"{path.name}{_RETIRED}{old_print[:16]}.pub.pem")
                retired.write_text(public_pem_of(old), encoding="ascii")
                os.replace(staged, path)
            else:
                try:
                    os.link(staged, path)  # never overwrites: fails if a key appeared meanwhile
                except FileExistsError:
                    raise Conflict(
                        f"a signing key appeared at {path} meanwhile", code="signing_key_exists"
                    ) from None
                staged.unlink()
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return KeyInfo(
        path=path, fingerprint=new_print, public_pem=public, retired=retired_keys(settings)
    )
