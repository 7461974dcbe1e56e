"""``GET /api/v1/statistics``: compliance and regulators read the figures; bad input is a 422."""

from __future__ import annotations

from fastapi.testclient import TestClient

from qinglang.db.engine import Database
from tests.api.conftest import add_user, bearer
from tests.api.test_cases_api import people
from tests.integration.test_statistics import walked

__all__ = ["people", "walked"]  # fixtures used by name


def test_compliance_and_regulators_read_the_figures(
    walked: dict[str, int], client: TestClient, database: Database
) -> None:
    add_user(database, "he", "compliance")
    add_user(database, "gov", "regulator")
    for user in ("he", "gov"):
        answer = client.get(
            "/api/v1/statistics",
            params={"campaign": "2023-asian-games", "from": "2023-09-01", "to": "2023-09-30"},
            headers=bearer(database, user, "statistics:read"),
        )
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert found["campaign"] == "2023-asian-games"
        assert (found["items_removed"], found["accounts_muted_or_demonetised"]) == (1, 1)
    everything = client.get(
        "/api/v1/statistics",
        params={"from": "2023-09-01", "to": "2023-09-30"},
        headers=bearer(database, "he", "statistics:read"),
    ).json()
    assert everything["campaign"] is None
    assert everything["reports_received"] == 4
    assert everything["reversals"] == 1


def test_a_reviewer_or_a_reporter_may_not(client: TestClient, database: Database) -> None:
    add_user(database, "li", "reviewer")
    add_user(database, "firm", "reporter")
    for user, scope in (("li", "reports:read"), ("firm", "reports:submit")):
        answer = client.get("/api/v1/statistics", headers=bearer(database, user, scope))
        assert answer.status_code == 403
    assert client.get("/api/v1/statistics").status_code == 401


def test_bad_dates_and_unknown_campaigns_are_422_with_their_code(
    client: TestClient, database: Database
) -> None:
    add_user(database, "he", "compliance")
    headers = bearer(database, "he", "statistics:read")
    for params, code in (
        ({"from": "2023-02-30"}, "invalid_date"),
        ({"to": "yesterday"}, "invalid_date"),
        ({"from": "2023-9-1"}, "invalid_date"),
        ({"from": "2023-09-02", "to": "2023-09-01"}, "invalid_period"),
        ({"campaign": "no-such-campaign"}, "unknown_campaign"),
    ):
        answer = client.get("/api/v1/statistics", params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["error"]["code"] == code


def test_by_default_this_month_so_far(client: TestClient, database: Database) -> None:
    add_user(database, "he", "compliance")
    found = client.get(
        "/api/v1/statistics", headers=bearer(database, "he", "statistics:read")
    ).json()
    assert (found["from"], found["to"]) == ("2026-11-01", "2026-11-24")  # the test clock
