"""``/api/v1/reports`` over HTTP: submission, completeness, grouping, tracking, supplements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from qinglang.actor import Actor
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.intake.models import Report
from qinglang.intake.tracking import parse_tracking_no
from qinglang.ledger import LedgerEntry
from tests.api.conftest import add_user, bearer
from tests.reporting import PACK, submission, upload


@pytest.fixture
def headers(database: Database) -> dict[str, str]:
    add_user(database, "intake-bot", "reviewer")
    return bearer(database, "intake-bot", "reports:submit")


def post(client: TestClient, headers: dict[str, str], body: Any, **extra: str) -> Any:
    return client.post("/api/v1/reports", json=body, headers=headers | extra)


def events_about(database: Database, subject_id: str, kind: str = "report") -> list[str]:
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(LedgerEntry.event)
                .where(LedgerEntry.subject_type == kind, LedgerEntry.subject_id == subject_id)
                .order_by(LedgerEntry.seq)
            )
        )


def counts(database: Database) -> tuple[int, int]:
    with database.unit_of_work(read_only=True) as uow:
        reports = uow.session.scalar(select(func.count()).select_from(Report)) or 0
        entries = uow.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    return reports, entries


def test_a_complete_report_is_accepted_and_opens_a_case(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    answer = post(client, headers, submission(client, headers))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "accepted"
    assert body["missing"] == []
    assert parse_tracking_no(body["tracking_no"]) == body["tracking_no"]
    assert len(body["access_token"]) >= 40
    assert body["case_id"] is not None
    assert body["due_at"] is not None  # 7 working days for a rumour report via the API
    assert events_about(database, body["tracking_no"]) == [
        "report_received",
        "report_accepted",
        "report_joined_case",
    ]
    assert events_about(database, str(body["case_id"]), "case") == ["case_opened"]


@pytest.mark.parametrize("category", [c.code for c in PACK.categories])
def test_every_category_accepts_a_report_with_its_own_evidence(
    category: str, client: TestClient, headers: dict[str, str]
) -> None:
    for subtype in PACK.category(category).subtypes:  # type: ignore[union-attr]
        body = submission(
            client,
            headers,
            category=category,
            subtype=subtype.code,
            url=f"https://x.example.cn/{category}/{subtype.code}",
        )
        answer = post(client, headers, body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "accepted", (category, subtype.code, answer.json())


@pytest.mark.parametrize("category", [c.code for c in PACK.categories])
def test_every_category_with_only_a_licence(
    category: str, client: TestClient, headers: dict[str, str]
) -> None:
    """Identity-only categories are complete with the licence; listed-type ones lack evidence."""
    body = submission(client, headers, category=category, evidence_types=("business_licence",))
    answer = post(client, headers, body).json()
    rule = PACK.category(category).evidence_rule.value  # type: ignore[union-attr]
    if rule == "identity_only":
        assert answer["status"] == "accepted"
    else:
        assert answer["status"] == "needs_supplement"
        assert [m["item"] for m in answer["missing"]] == ["preliminary_evidence"]
        assert answer["missing"][0]["code"] == "preliminary_evidence_missing"
        assert answer["missing"][0]["message"]["zh-CN"]
        assert answer["missing"][0]["message"]["en"]
        assert answer["due_at"] is None  # the clock waits for the supplement
        assert answer["supplement_due_at"] is not None


def test_every_missing_item_is_listed_at_once(client: TestClient, headers: dict[str, str]) -> None:
    body = {
        "reporter": {"kind": "agent", "name": ""},
        "right_holder": {"name": "示例科技有限公司"},
        "delegated": True,
        "category": "rumour",
        "subtype": "other",
    }
    answer = post(client, headers, body)
    assert answer.status_code == 201, answer.text
    items = [m["item"] for m in answer.json()["missing"]]
    assert items == [
        "statement",
        "right_holder_proof",
        "agent_proof",
        "reporter_contact",
        "target_locator",
        "preliminary_evidence",
        "declaration",
    ]


def test_a_delegated_report_without_power_of_attorney_lacks_agent_proof(
    client: TestClient, headers: dict[str, str]
) -> None:
    body = submission(
        client,
        headers,
        category="insult",
        evidence_types=("business_licence", "agent_identity"),
        delegated=True,
        agent={"name": "李律师"},
    )
    answer = post(client, headers, body).json()
    assert [m["item"] for m in answer["missing"]] == ["agent_proof"]
    assert "授权委托书" in answer["missing"][0]["message"]["zh-CN"]


def test_evidence_of_a_type_the_category_does_not_accept_is_kept_not_counted(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    body = submission(
        client, headers, category="rumour", evidence_types=("business_licence", "retraction_letter")
    )
    answer = post(client, headers, body).json()
    assert answer["status"] == "needs_supplement"
    assert [n["type"] for n in answer["not_counted"]] == ["retraction_letter"]
    state = client.get(
        f"/api/v1/reports/{answer['tracking_no']}",
        headers={"X-Access-Token": answer["access_token"]},
    ).json()
    kept = {e["type"]: e["counted"] for e in state["evidence"]}
    assert kept == {"business_licence": True, "retraction_letter": False}


def _bad(client: TestClient, headers: dict[str, str], case: str) -> tuple[Any, dict[str, str]]:
    body = submission(client, headers)
    extra: dict[str, str] = {}
    if case == "no_category":
        del body["category"]
    elif case == "empty_category":
        body["category"] = ""
    elif case == "no_reporter":
        del body["reporter"]
    elif case == "unknown_category":
        body["category"] = "gossip"
    elif case == "unknown_subtype":
        body["subtype"] = "whatever"
    elif case == "subtype_of_other":
        body["subtype"] = "abuse"  # an insult subtype
    elif case == "credit_code":
        body["right_holder"]["credit_code"] = "91110000600037341A"
    elif case == "phone":
        body["reporter"]["phone"] = "12345"
    elif case == "email":
        body["reporter"]["email"] = "not-an-address"
    elif case == "targets":
        body["targets"] = [{"url": f"https://x.example.cn/{i}"} for i in range(101)]
    elif case == "statement":
        body["statement"] = "长" * 20_001
    elif case == "unknown_evidence":
        body["evidence"][0]["id"] = "0" * 32
    elif case == "unknown_evidence_type":
        body["evidence"][0]["type"] = "horoscope"
    elif case == "two_target_kinds":
        body["targets"] = [{"url": "https://x.example.cn/1", "content_id": "1"}]
    elif case == "bad_url":
        body["targets"] = [{"url": "ftp://x.example.cn/1"}]
    elif case == "channel":
        body["channel"] = "pigeon"
    elif case == "web_form_channel":
        body["channel"] = "web_form"
    elif case == "transfer_without_reference":
        body["channel"] = "regulator_transfer"
    elif case == "zone":
        body["zone"] = "nowhere"
    elif case == "closed_zone":
        body["zone"] = "asian_games_zone"
    elif case == "reporter_kind":
        body["reporter"]["kind"] = "alien"
    return body, extra


BAD = [
    ("no_category", 422, "invalid_request"),
    ("empty_category", 422, "invalid_request"),
    ("no_reporter", 422, "invalid_request"),
    ("unknown_category", 422, "unknown_category"),
    ("unknown_subtype", 422, "unknown_subtype"),
    ("subtype_of_other", 422, "subtype_of_other_category"),
    ("credit_code", 422, "invalid_credit_code"),
    ("phone", 422, "invalid_phone"),
    ("email", 422, "invalid_email"),
    ("targets", 422, "too_many_targets"),
    ("statement", 422, "statement_too_long"),
    ("unknown_evidence", 422, "unknown_evidence"),
    ("unknown_evidence_type", 422, "unknown_evidence_type"),
    ("two_target_kinds", 422, "invalid_request"),
    ("bad_url", 422, "invalid_target_url"),
    ("channel", 422, "unknown_channel"),
    ("web_form_channel", 403, "channel_not_allowed"),
    ("transfer_without_reference", 422, "regulator_reference_required"),
    ("zone", 422, "unknown_zone"),
    ("closed_zone", 409, "zone_closed"),
    ("reporter_kind", 422, "unknown_reporter_kind"),
]


@pytest.mark.parametrize(("case", "status", "code"), BAD)
def test_bad_reports_are_refused_with_a_code_and_leave_nothing(
    case: str,
    status: int,
    code: str,
    client: TestClient,
    headers: dict[str, str],
    database: Database,
) -> None:
    body, extra = _bad(client, headers, case)
    before = counts(database)
    answer = post(client, headers, body, **extra)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert counts(database) == before


def test_malformed_json_and_the_wrong_content_type(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    before = counts(database)
    broken = client.post(
        "/api/v1/reports",
        content=b'{"category": ',
        headers=headers | {"Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "malformed_json"
    form = client.post("/api/v1/reports", data={"category": "rumour"}, headers=headers)
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_content_type"
    assert client.post("/api/v1/reports", json=[1, 2], headers=headers).status_code == 422
    assert counts(database) == before


def test_evidence_already_attached_to_another_report_is_refused(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    first = submission(client, headers)
    assert post(client, headers, first).status_code == 201
    second = submission(client, headers, url="https://other.example.cn/2")
    second["evidence"] = first["evidence"]
    before = counts(database)
    answer = post(client, headers, second)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "evidence_already_attached"
    assert counts(database) == before


def test_someone_elses_evidence_cannot_be_attached(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    add_user(database, "other-bot", "reviewer")
    theirs = bearer(database, "other-bot", "reports:submit")
    body = submission(client, headers)
    body["evidence"][0]["id"] = upload(client, theirs)
    answer = post(client, headers, body)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "unknown_evidence"


def test_submitting_needs_a_token_with_reports_submit(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    body = submission(client, headers)
    assert client.post("/api/v1/reports", json=body).status_code == 401
    add_user(database, "watcher", "regulator")
    answer = post(client, bearer(database, "watcher", "ledger:read"), body)
    assert answer.status_code == 403


def test_idempotency_key_same_body_same_answer_different_body_409(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    body = submission(client, headers)
    first = post(client, headers, body, **{"Idempotency-Key": "order-7"})
    assert first.status_code == 201
    before = counts(database)
    again = post(client, headers, body, **{"Idempotency-Key": "order-7"})
    assert again.status_code == 201
    assert again.json() == first.json()  # the access token too
    assert counts(database) == before
    changed = dict(body, statement="另一份举报")
    clash = post(client, headers, changed, **{"Idempotency-Key": "order-7"})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "idempotency_key_reused"
    assert counts(database) == before
    bad = post(client, headers, body, **{"Idempotency-Key": "a b"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_idempotency_key"


def test_tracking_needs_the_access_token_and_reveals_nothing(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = post(client, headers, submission(client, headers)).json()
    number = answer["tracking_no"]
    ok = client.get(f"/api/v1/reports/{number}", headers={"X-Access-Token": answer["access_token"]})
    assert ok.status_code == 200
    state = ok.json()
    assert state["status"] == "accepted"
    assert state["case"]["report_count"] == 1
    assert state["due_at"] == answer["due_at"]
    wrong = client.get(f"/api/v1/reports/{number}", headers={"X-Access-Token": "x" * 43})
    other = "QL-20261124-00000000-" + "0"
    unknown_number = parse_tracking_no(number)[:-1]
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "report_not_found"
    missing = client.get(f"/api/v1/reports/{number}")
    assert missing.status_code == 401
    typo = client.get(f"/api/v1/reports/{unknown_number}X", headers={"X-Access-Token": "x"})
    assert typo.status_code in (404, 422)
    del other


def test_supplementing_completes_a_report_and_starts_the_clock(
    client: TestClient, headers: dict[str, str], database: Database, clock: FixedClock
) -> None:
    body = submission(client, headers, evidence_types=("business_licence",))
    answer = post(client, headers, body).json()
    assert answer["status"] == "needs_supplement"
    token = {"X-Access-Token": answer["access_token"]}
    number = answer["tracking_no"]
    clock.advance(timedelta(days=3))
    uploaded = client.post(
        f"/api/v1/reports/{number}/evidence",
        files={"file": ("辟谣.png", upload_bytes(), "image/png")},
        headers=token,
    )
    assert uploaded.status_code == 201, uploaded.text
    supplemented = client.post(
        f"/api/v1/reports/{number}/supplements",
        json={"evidence": [{"id": uploaded.json()["id"], "type": "official_debunk"}]},
        headers=token,
    )
    assert supplemented.status_code == 200, supplemented.text
    state = supplemented.json()
    assert state["status"] == "accepted"
    assert state["missing"] == []
    assert state["due_at"] is not None
    assert events_about(database, number)[-2:] == ["report_supplemented", "report_accepted"]
    assert events_about(database, str(answer["case_id"]), "case") == [
        "case_opened",
        "case_clock_resumed",
    ]
    again = client.post(
        f"/api/v1/reports/{number}/supplements", json={"statement": "补充"}, headers=token
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "report_not_awaiting_supplement"


def upload_bytes() -> bytes:
    from tests.reporting import png

    return png()


def test_a_supplement_with_a_wrong_token_is_404(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = post(client, headers, submission(client, headers, evidence_types=())).json()
    wrong = client.post(
        f"/api/v1/reports/{answer['tracking_no']}/supplements",
        json={"statement": "x"},
        headers={"X-Access-Token": "wrong"},
    )
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "report_not_found"


def test_the_deadline_closes_an_incomplete_report_with_a_notice(
    client: TestClient, headers: dict[str, str], database: Database, clock: FixedClock
) -> None:
    answer = post(client, headers, submission(client, headers, evidence_types=())).json()
    assert answer["status"] == "needs_supplement"
    clock.advance(timedelta(days=16))
    from qinglang.intake.followups import close_overdue

    intake = client.app.state.intake  # type: ignore[attr-defined]
    closed = close_overdue(intake, actor=Actor.system("worker"))
    assert closed == [answer["tracking_no"]]
    state = client.get(
        f"/api/v1/reports/{answer['tracking_no']}",
        headers={"X-Access-Token": answer["access_token"]},
    ).json()
    assert state["status"] == "closed_incomplete"
    assert "补正期限" in state["notice"]["zh-CN"]
    assert state["case"]["status"] == "closed_incomplete"
    assert close_overdue(intake, actor=Actor.system("worker")) == []


def test_reports_on_the_same_content_join_one_case(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    add_user(database, "other-bot", "reviewer")
    theirs = bearer(database, "other-bot", "reports:submit")
    first = post(
        client, headers, submission(client, headers, url="https://www.news.example.cn/a/1/")
    ).json()
    second_body = submission(client, theirs, url="http://m.news.example.cn/a/1?utm_source=wx#top")
    second_body["right_holder"] = {"name": "另一家公司"}
    second = post(client, theirs, second_body).json()
    assert second["status"] == "accepted"
    assert second["case_id"] == first["case_id"]
    state = client.get(
        f"/api/v1/reports/{second['tracking_no']}",
        headers={"X-Access-Token": second["access_token"]},
    ).json()
    assert state["case"]["report_count"] == 2


def test_the_same_reporter_again_within_the_window_is_a_duplicate(
    client: TestClient, headers: dict[str, str], database: Database, clock: FixedClock
) -> None:
    first = post(client, headers, submission(client, headers)).json()
    clock.advance(timedelta(days=2))
    again = post(client, headers, submission(client, headers)).json()
    assert again["status"] == "duplicate"
    assert again["duplicate_of"] == first["tracking_no"]
    assert again["case_id"] == first["case_id"]
    assert events_about(database, again["tracking_no"]) == ["report_received", "report_duplicate"]
    other_category = post(client, headers, submission(client, headers, category="insult")).json()
    assert other_category["status"] == "accepted"  # another category is another report
    clock.advance(timedelta(days=31))
    later = post(client, headers, submission(client, headers)).json()
    assert later["status"] == "accepted"
    assert later["case_id"] == first["case_id"]


def test_a_reporter_account_lists_its_own_reports_without_tokens(
    client: TestClient, headers: dict[str, str], database: Database
) -> None:
    import io

    from qinglang.actor import ANONYMOUS
    from qinglang.intake.evidence import upload_evidence
    from qinglang.intake.reporter_accounts import AccountRequest, decide_account, request_account
    from tests.reporting import CREDIT_CODE, png

    intake = client.app.state.intake  # type: ignore[attr-defined]
    licence = upload_evidence(
        database,
        actor=ANONYMOUS,
        store=intake.snapshots.store,
        source=io.BytesIO(png()),
        filename="licence.png",
        limit=1_000_000,
        owner="form:reg",
    )
    account = request_account(
        database,
        actor=ANONYMOUS,
        request=AccountRequest(
            username="acme",
            password="a long enough password",
            kind="enterprise",
            right_holder_name="示例科技有限公司",
            credit_code=CREDIT_CODE,
            contact_name="王经理",
            contact_phone=None,
            contact_email="wang@example.cn",
            identity_evidence_id=licence.id,
            identity_type="business_licence",
        ),
        pack=intake.pack,
        owner="form:reg",
    )
    decide_account(database, actor=Actor.system("test"), account_id=account.id, verify=True)
    mine = bearer(database, "acme", "reports:submit")
    body = submission(client, mine, evidence_types=("official_debunk",))
    answer = post(client, mine, body).json()
    assert answer["status"] == "accepted"  # the verified licence counted
    listed = client.get("/api/v1/reports", headers=mine).json()
    assert listed["account"]["status"] == "verified"
    assert [r["tracking_no"] for r in listed["reports"]] == [answer["tracking_no"]]
    assert client.get("/api/v1/reports", headers=headers).status_code == 404


def test_a_report_naming_something_new_besides_an_old_target_is_not_a_duplicate(
    client: TestClient, headers: dict[str, str]
) -> None:
    first = post(client, headers, submission(client, headers)).json()
    body = submission(client, headers)
    body["targets"].append({"url": "https://news.example.cn/a/2"})
    second = post(client, headers, body).json()
    assert second["status"] == "accepted"
    assert second["case_id"] == first["case_id"]  # it joins the case about the old target
