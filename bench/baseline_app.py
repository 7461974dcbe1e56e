"""The baseline for ``bench/intake.py``: the least an intake endpoint could do.

A FastAPI app on the same server stack as Qinglang (uvicorn, as ``qinglang serve``
runs it) and the same database, through the same engine (``create_engine_for``: the
same SQLite pragmas and ``BEGIN IMMEDIATE``, the same PostgreSQL pool). ``POST
/baseline`` takes the very JSON body a report is, inserts one row holding it in one
transaction, and answers 201 with the row's id. No authentication, validation, ledger
or grouping: what intake adds on top of this is what the benchmark's ratio measures.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, Table, Text

from qinglang.db.engine import create_engine_for
from qinglang.settings import Settings

METADATA = MetaData()
ROWS = Table(
    "bench_baseline_rows",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
)


def create_table(engine: Engine) -> None:
    """Create the baseline's own table (the benchmark calls this before serving)."""
    METADATA.create_all(engine)


def create_baseline_app(settings: Settings) -> FastAPI:
    engine = create_engine_for(settings)
    insert = ROWS.insert()
    app = FastAPI(title="intake baseline", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/baseline", status_code=201)
    def receive(body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        with engine.begin() as connection:
            result = connection.execute(
                insert,
                {"received_at": datetime.now(UTC), "body": json.dumps(body, ensure_ascii=False)},
            )
            row_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
        return JSONResponse({"id": row_id}, status_code=201)

    return app
