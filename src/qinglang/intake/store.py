"""The evidence store: files kept once by SHA-256 under the data directory.

Writing is atomic (a temporary file renamed into place), and the same bytes are kept
once however often they are uploaded. An S3-compatible store can replace this class.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Stored:
    sha256: str
    size: int
    created: bool  # False when these bytes were already in the store
    head: bytes  # the first bytes, for sniffing the media type


class TooBig(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit} bytes")
        self.limit = limit


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, source: BinaryIO, *, limit: int, head_bytes: int = 64 * 1024) -> Stored:
        """Copy ``source`` in, hashing as it goes; :class:`TooBig` past ``limit`` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooBig(limit)
                    if len(head) < head_bytes:
                        head += chunk[: head_bytes - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            sha256 = digest.hexdigest()
            final = self.path_for(sha256)
            if final.exists():
                os.unlink(temporary)
                # Stamp it as just written: the retention sweep takes only files older than
                # its cutoff, so bytes uploaded again are never swept before their row lands.
                os.utime(final)
                return Stored(sha256=sha256, size=size, created=False, head=head)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, final)
            return Stored(sha256=sha256, size=size, created=True, head=head)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def discard(self, sha256: str) -> None:
        """Remove a stored file (only when no evidence row refers to it)."""
        self.path_for(sha256).unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")
