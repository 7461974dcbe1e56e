"""Access tokens for reporters: derived from the server secret, stored only as a digest.

A report's token is HMAC-SHA256(secret, tracking number), so the same token can be
shown again when an ``Idempotency-Key`` retry repeats the first answer, without the
token ever being stored. The database keeps its SHA-256 digest, and a look-up
compares digests in constant time; a wrong token gets the same answer as an unknown
tracking number (404), revealing nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from qinglang.intake.tracking import token_digest, token_matches


class AccessTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"qinglang-report-access\n" + secret.encode()).digest()

    def reissue(self, tracking_no: str) -> str:
        mac = hmac.new(self._key, tracking_no.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def issue(self, tracking_no: str) -> tuple[str, str]:
        """(token shown to the reporter, digest to store)."""
        token = self.reissue(tracking_no)
        return token, token_digest(token)

    @staticmethod
    def matches(token: str, digest: str) -> bool:
        return token_matches(token, digest)
