"""``/api/v1/tokens``: issue and revoke API tokens (one's own; administrators: anyone's)."""

from __future__ import annotations

from fastapi import APIRouter, status

from qinglang.auth import tokens
from qinglang.auth.models import ApiToken
from qinglang.web.api.v1.schemas import ERRORS, TokenCreate, TokenIssued, TokenOut
from qinglang.web.deps import ApiActor, DatabaseDep

router = APIRouter(prefix="/tokens", tags=["tokens"])


def _out(token: ApiToken) -> TokenOut:
    return TokenOut.model_validate(token)


@router.get("", response_model=list[TokenOut], responses=ERRORS, summary="Tokens you may manage")
def list_tokens(actor: ApiActor, database: DatabaseDep) -> list[TokenOut]:
    return [_out(t) for t in tokens.list_tokens(database, actor=actor)]


@router.post(
    "",
    response_model=TokenIssued,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Issue a token (the secret is in this response only)",
)
def create_token(body: TokenCreate, actor: ApiActor, database: DatabaseDep) -> TokenIssued:
    issued = tokens.create_token(
        database,
        actor=actor,
        username=body.username or actor.name,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    return TokenIssued(**_out(issued.token).model_dump(), token=issued.secret)


@router.delete("/{token_id}", response_model=TokenOut, responses=ERRORS, summary="Revoke a token")
def revoke_token(token_id: int, actor: ApiActor, database: DatabaseDep) -> TokenOut:
    return _out(tokens.revoke_token(database, actor=actor, token_id=token_id))
