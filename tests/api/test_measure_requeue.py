"""A measure the platform refused is sent again by an approver once the cause is fixed:
the same message id, delivered once, each step in the ledger."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from qinglang.db.engine import Database
from qinglang.errors import InvalidInput
from qinglang.measures.outbox import deliver_due
from qinglang.platform.adapter import MeasureMessage
from qinglang.platform.demo import DemoPlatform
from tests.api.test_cases_api import claim_and_assess, open_case
from tests.api.test_cases_api import people as people  # the fixture
from tests.measuresutil import CountingAdapter

People = dict[str, dict[str, str]]


def decided_removal(client: TestClient, people: People) -> tuple[int, int]:
    case_id = open_case(client, people)
    assessed = claim_and_assess(client, people, case_id)
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert proposed.status_code == 200, proposed.text
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    return case_id, view["measures"][0]["id"]


def measures_of(client: TestClient, people: People, case_id: int) -> list[dict[str, Any]]:
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    found: list[dict[str, Any]] = view["measures"]
    return found


def test_a_refused_measure_is_sent_again_and_applied_once(
    client: TestClient, database: Database, people: People
) -> None:
    case_id, measure_id = decided_removal(client, people)
    refusing = True

    def refuse(_message: MeasureMessage) -> Exception | None:
        return InvalidInput("no such post here", code="target_not_found") if refusing else None

    platform = CountingAdapter(DemoPlatform(database, "http://test"), down=refuse)
    assert deliver_due(database, platform, worker="t", batch=10).refused == 1
    assert measures_of(client, people, case_id)[0]["status"] == "failed"
    assert deliver_due(database, platform, worker="t", batch=10).claimed == 0  # final

    refusing = False  # the platform side is fixed
    sent = client.post(
        f"/api/v1/cases/{case_id}/measures/{measure_id}/requeue",
        json={"reason": "平台已修复内容编号映射"},
        headers=people["wang"],
    )
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"id": measure_id, "status": "pending"}
    assert deliver_due(database, platform, worker="t", batch=10).delivered == 1
    assert measures_of(client, people, case_id)[0]["status"] == "applied"
    (message_id,) = platform.calls  # one message id throughout
    assert platform.calls[message_id] == 2
    assert platform.applied[message_id] == 1
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    events = [e["event"] for e in view["timeline"]]
    assert events.index("measure_delivery_failed") < events.index("measure_requeued")
    assert events.index("measure_requeued") < events.index("measure_delivered")
    assert "该内容已被删除" in client.get("/demo-site/posts/1").text


def test_only_a_refused_measure_by_an_approver_with_a_reason(
    client: TestClient, database: Database, people: People
) -> None:
    case_id, measure_id = decided_removal(client, people)
    path = f"/api/v1/cases/{case_id}/measures/{measure_id}/requeue"
    pending = client.post(path, json={"reason": "再试一次"}, headers=people["wang"])
    assert pending.status_code == 409
    assert pending.json()["error"]["code"] == "measure_not_refused"
    platform = CountingAdapter(
        DemoPlatform(database, "http://test"),
        down=lambda _m: InvalidInput("no such post", code="target_not_found"),
    )
    deliver_due(database, platform, worker="t", batch=10)
    reviewer = client.post(path, json={"reason": "再试一次"}, headers=people["li"])
    assert reviewer.status_code == 403
    empty = client.post(path, json={"reason": "  "}, headers=people["wang"])
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "reason_required"
    other = client.post(
        f"/api/v1/cases/{case_id + 99}/measures/{measure_id}/requeue",
        json={"reason": "x"},
        headers=people["wang"],
    )
    assert other.status_code == 404
    assert measures_of(client, people, case_id)[0]["status"] == "failed"  # nothing changed
