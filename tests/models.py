"""All storage models, imported so that ``Base.metadata`` is complete."""

from __future__ import annotations

from sqlalchemy import MetaData

from qinglang.auth import models as _auth  # noqa: F401
from qinglang.cases import models as _cases  # noqa: F401
from qinglang.db.base import Base
from qinglang.intake import models as _intake  # noqa: F401
from qinglang.ledger import models as _ledger  # noqa: F401
from qinglang.measures import models as _measures  # noqa: F401
from qinglang.notices import models as _notices  # noqa: F401
from qinglang.oversight import models as _oversight  # noqa: F401
from qinglang.platform import models as _platform  # noqa: F401


def metadata() -> MetaData:
    return Base.metadata
