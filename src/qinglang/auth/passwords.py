"""Password hashing with argon2id (argon2-cffi's current recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from qinglang.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256
_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("qinglang-dummy-password")


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_LENGTH} characters", code="password_too_short"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            f"a password has at most {MAX_LENGTH} characters", code="password_too_long"
        )


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
