"""The public pages for reporters: /report, /track and reporter accounts, without JavaScript.

Every test runs on SQLite and PostgreSQL. Each bad input named in issue 3 (item 10)
has a test that shows the message a reporter reads, in zh-CN, beside its field.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from qinglang import ledger
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.intake.models import Report
from qinglang.intake.tracking import new_tracking_no
from qinglang.settings import Settings
from qinglang.web.app import create_app
from qinglang.web.console.i18n import Catalogs
from qinglang.web.public import reporter_pages
from tests.api.conftest import add_user, csrf_of, sign_in
from tests.reporting import CREDIT_CODE, PACK, png

WEB = Path(__file__).resolve().parents[2] / "src" / "qinglang" / "web"
TRACKING = re.compile(r'<output class="big" id="tracking-no">(QL-[0-9A-Z*~$=-]+)</output>')
TOKEN = re.compile(r'<output class="big token" id="access-token">([A-Za-z0-9_-]+)</output>')
PNG = "image/png"


def fields(**override: Any) -> dict[str, Any]:
    """A complete rumour report as the form posts it (files given separately)."""
    data: dict[str, Any] = {
        "reporter_kind": "enterprise",
        "reporter_name": "王经理",
        "reporter_phone": "13800138000",
        "reporter_email": "",
        "holder_name": "示例科技有限公司",
        "credit_code": CREDIT_CODE,
        "category": "rumour",
        "subtype": "rumour.product_quality_defamation",
        "statement": "该文章捏造我公司产品质量问题，与事实不符。",
        "targets": "https://news.example.cn/a/1",
        "declaration": "1",
    }
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def uploads(*types: str) -> dict[str, Any]:
    """One PNG per type, in file slots 1, 2 …"""
    out: dict[str, Any] = {}
    for slot, kind in enumerate(types, start=1):
        out[f"file_{slot}"] = (f"{kind}.png", png(), PNG)
        out[f"type_{slot}"] = (None, kind)
    return out


def post(client: TestClient, path: str, data: dict[str, Any], files: Any = None) -> Response:
    page = client.get("/track" if path.startswith("/track") else path.split("?")[0])
    return client.post(path, data={**data, "csrf_token": csrf_of(page.text)}, files=files)


def report(client: TestClient, files: Any = None, **override: Any) -> Response:
    if files is None:
        files = uploads("business_licence", "official_debunk")
    return post(client, "/report", fields(**override), files)


def keys_of(page: Response) -> tuple[str, str]:
    number, token = TRACKING.search(page.text), TOKEN.search(page.text)
    assert number, page.text
    assert token, page.text
    return number.group(1), token.group(1)


def report_count(database: Database) -> int:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(Report)) or 0


def kept_ids(html: str) -> list[str]:
    return re.findall(r'name="kept_id" value="([0-9a-f]{32})"', html)


@pytest.fixture
def small(settings: Settings, database: Database) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"evidence_max_bytes": 1000})
    with TestClient(create_app(limited, database=database)) as c:
        yield c


# -- the form ---------------------------------------------------------------------------


def test_the_form_is_chinese_first_with_every_category_and_subtype(client: TestClient) -> None:
    page = client.get("/report")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert "涉企举报专区" in html
    assert "<script" not in html
    assert "诋毁企业产品服务质量的" in html
    assert "第十条(六)" in html
    for category in PACK.categories:
        assert f'value="{category.code}"' in html
        assert category.basis.article in html
        for subtype in category.subtypes:
            assert f'value="{category.code}.{subtype.code}"' in html
    assert "营业执照" in html
    assert 'name="type_1"' in html
    assert "本人（本单位）郑重保证" in html
    assert "版本 2023-08" in html
    controls = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html)
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    assert controls
    assert set(controls) <= labelled
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_english_on_request(client: TestClient) -> None:
    page = client.get("/report?lang=en")
    assert '<html lang="en">' in page.text
    assert "Enterprise report zone" in page.text
    assert "Submit the report" in page.text
    assert "Enterprise report zone" in client.get("/track").text  # remembered


def test_a_complete_report_shows_its_tracking_number_and_token_once(
    client: TestClient, database: Database
) -> None:
    page = report(client)
    assert page.status_code == 200, page.text
    number, token = keys_of(page)
    assert "已受理" in page.text
    assert "北京时间" in page.text  # the due time, in China time
    assert "访问码只显示这一次" in page.text
    assert page.headers["cache-control"] == "no-store"
    with database.unit_of_work(read_only=True) as uow:
        stored = uow.session.scalars(select(Report)).one()
    assert (stored.tracking_no, stored.channel, stored.status) == (number, "web_form", "accepted")
    assert token not in client.get("/report").text


def test_every_problem_is_shown_at_once_and_nothing_is_stored(
    client: TestClient, database: Database
) -> None:
    page = report(
        client,
        files={},
        holder_name="",
        credit_code="91110000600037341X",
        reporter_phone="12",
        reporter_email="not-mail",
        subtype="insult.abuse",
        targets="https://news.example.cn/a/1\nftp://bad.example/x",
        statement="",
        declaration=None,
        reporter_name="<script>alert(1)</script>",
    )
    assert page.status_code == 422
    html = page.text
    for message in (
        "请填写权利人名称（企业或企业家）。",
        "这不是有效的统一社会信用代码（校验位不符）。",
        "电话号码无法识别，请核对。",
        "电子邮箱格式不正确。",
        "所选具体情形不属于所选类别，请在该类别下选择。",
        "第 2 行不是可举报的网址。",
    ):
        assert message in html
    assert "尚缺以下受理条件（第五条）" in html  # the missing items, in the same answer
    assert "请填写举报事项与理由。" in html
    assert "请阅读并确认举报真实性、合法性保证。" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert 'aria-invalid="true"' in html
    assert "仍然提交，稍后补正" not in html  # not while a field is wrong
    assert report_count(database) == 0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"holder_name": ""}, "请填写权利人名称（企业或企业家）。"),
        ({"credit_code": "91110000600037341X"}, "这不是有效的统一社会信用代码（校验位不符）。"),
        ({"category": "", "subtype": ""}, "请选择举报类别。"),
        ({"subtype": ""}, "请选择具体情形。"),
        ({"subtype": "insult.abuse"}, "所选具体情形不属于所选类别"),
        ({"subtype": "product_quality_defamation", "category": "insult"}, "所选具体情形不属于"),
        ({"category": "gossip", "subtype": "gossip.x"}, "没有这个类别。"),
        ({"reporter_phone": "12345"}, "电话号码无法识别，请核对。"),
        ({"reporter_email": "a@"}, "电子邮箱格式不正确。"),
        ({"reporter_kind": "robot"}, "请选择举报人身份。"),
        ({"targets": "just words here"}, "第 1 行不是可举报的网址。"),
        ({"targets": "account:bad id!"}, "第 1 行既不是网址，也不是平台编号。"),
        ({"targets": "\n".join(str(n) for n in range(101))}, "一件举报最多填写 100 个网址或编号。"),
        ({"statement": "长" * 20_001}, "举报事项与理由最多 20000 字。"),
        ({"delegated": "1", "agent_name": ""}, "请填写代理人姓名。"),
    ],
)
def test_each_bad_field_is_named_beside_it(
    client: TestClient, database: Database, override: dict[str, str], message: str
) -> None:
    page = report(client, **override)
    assert page.status_code == 422, page.text
    assert message in page.text
    assert 'class="problem"' in page.text
    assert report_count(database) == 0


@pytest.mark.parametrize(
    ("upload", "status", "message"),
    [
        (("big.png", b"\x89PNG" + b"0" * 2000, PNG), 413, "文件超过 1000 B 的上限。"),
        (
            ("page.png", b"<html><script>x</script></html>", PNG),
            415,
            "不接受此类文件（按内容识别）",
        ),
        (("empty.png", b"", PNG), 422, "文件为空。"),
    ],
)
def test_bad_files_are_named_beside_their_slot(
    small: TestClient,
    database: Database,
    upload: tuple[str, bytes, str],
    status: int,
    message: str,
) -> None:
    files = uploads("business_licence") | {"file_2": upload, "type_2": (None, "official_debunk")}
    page = report(small, files=files)
    assert page.status_code == status
    assert message in page.text
    assert 'id="f-file_2"' in page.text
    assert len(kept_ids(page.text)) == 1  # the good file is kept, not uploaded again
    assert "business_licence.png" in page.text
    assert report_count(database) == 0


def test_a_form_over_the_size_of_all_its_files_is_refused_with_a_page(small: TestClient) -> None:
    files = {"file_1": ("huge.png", b"0" * (2 * 1024 * 1024), PNG)}
    page = report(small, files=files)
    assert page.status_code == 413
    assert "表单所附文件超过上限" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_only_missing_items_offer_submit_anyway(client: TestClient, database: Database) -> None:
    first = report(client, files=uploads("business_licence"), statement="", declaration=None)
    assert first.status_code == 200
    html = first.text
    assert "仍然提交，稍后补正" in html
    assert "请填写举报事项与理由。" in html
    assert "谣言性信息举报需提供初步证据材料" in html
    assert "请阅读并确认举报真实性、合法性保证。" in html
    assert report_count(database) == 0
    kept = kept_ids(html)
    assert len(kept) == 1
    second = post(
        client,
        "/report",
        fields(statement="", declaration=None)
        | {"kept_id": kept, "kept_type": ["business_licence"], "submit_anyway": "1"},
    )
    assert second.status_code == 200, second.text
    keys_of(second)
    assert "待补正" in second.text
    assert "补正期限" in second.text
    with database.unit_of_work(read_only=True) as uow:
        stored = uow.session.scalars(select(Report)).one()
    assert stored.status == "needs_supplement"
    assert [m["item"] for m in stored.missing] == [
        "statement",
        "preliminary_evidence",
        "declaration",
    ]


def test_an_uploaded_file_is_kept_across_a_fix(client: TestClient, database: Database) -> None:
    first = report(client, credit_code="bad")
    kept = kept_ids(first.text)
    assert len(kept) == 2
    types = ["business_licence", "official_debunk"]
    second = post(client, "/report", fields() | {"kept_id": kept, "kept_type": types})
    keys_of(second)
    assert "已受理" in second.text
    foreign = post(client, "/report", fields() | {"kept_id": kept, "kept_type": types})
    assert "仍然提交，稍后补正" in foreign.text  # attached already: not this form's any more


def test_forms_need_their_csrf_token(client: TestClient, database: Database) -> None:
    page = client.post("/report", data=fields(csrf_token="forged"))
    assert page.status_code == 403
    assert "表单已过期或并非来自本站" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert report_count(database) == 0


def test_unknown_public_pages_are_pages(client: TestClient) -> None:
    page = client.get("/reporter/nothing-here")
    assert page.status_code == 404
    assert "页面不存在" in page.text
    assert '<html lang="zh-CN">' in page.text


# -- zones --------------------------------------------------------------------------------


def test_a_closed_campaign_zone_says_so(client: TestClient) -> None:
    page = client.get("/report?zone=asian_games_zone")
    assert page.status_code == 409
    assert "亚运会和亚残运会专项行动举报专区已于 2023-10-29 关闭" in page.text
    unknown = client.get("/report?zone=nowhere")
    assert unknown.status_code == 422
    assert "没有名为 nowhere 的举报专区" in unknown.text


def test_an_open_campaign_zone_takes_reports(
    client: TestClient, database: Database, clock: FixedClock
) -> None:
    clock.set(datetime(2023, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    page = client.get("/report?zone=asian_games_zone")
    assert page.status_code == 200
    assert "亚运会和亚残运会专项行动举报专区" in page.text
    assert 'name="zone" value="asian_games_zone"' in page.text
    done = post(
        client,
        "/report?zone=asian_games_zone",
        fields(zone="asian_games_zone"),
        uploads("business_licence", "official_debunk"),
    )
    keys_of(done)
    with database.unit_of_work(read_only=True) as uow:
        stored = uow.session.scalars(select(Report)).one()
    assert (stored.zone, stored.campaign) == ("asian_games_zone", "2023-asian-games")


# -- tracking -----------------------------------------------------------------------------


def test_track_shows_the_state_and_a_wrong_token_reveals_nothing(client: TestClient) -> None:
    number, token = keys_of(report(client))
    state = post(client, "/track", {"tracking_no": number, "access_token": token})
    assert state.status_code == 200
    for text in (
        number,
        "已受理",
        "谣言性信息",
        "诋毁产品服务质量",
        "办理时限",
        "本案共 1 件举报",
        "营业执照",
    ):
        assert text in state.text, text
    assert token not in client.get("/track").text
    wrong = post(client, "/track", {"tracking_no": number, "access_token": "x" * 43})
    unknown_no = new_tracking_no(datetime.now(ZoneInfo("Asia/Shanghai")))
    unknown = post(client, "/track", {"tracking_no": unknown_no, "access_token": token})
    assert wrong.status_code == unknown.status_code == 404
    assert "未找到与该查询编号和访问码相符的举报" in wrong.text
    assert wrong.text.replace(number, unknown_no) == unknown.text
    typo = post(client, "/track", {"tracking_no": number[:-1] + "?", "access_token": token})
    assert typo.status_code == 422
    assert "这不是有效的查询编号" in typo.text
    empty = post(client, "/track", {"tracking_no": "", "access_token": ""})
    assert "请输入查询编号。" in empty.text
    assert "请输入访问码。" in empty.text


def test_a_supplement_on_the_track_page_completes_the_report(
    client: TestClient, database: Database
) -> None:
    done = report(client, files=uploads("business_licence"), submit_anyway="1")
    number, token = keys_of(done)
    state = post(client, "/track", {"tracking_no": number, "access_token": token})
    assert "补正材料" in state.text
    assert 'action="/track/supplement"' in state.text
    assert f'name="access_token" value="{token}"' in state.text  # carried in POST fields only
    nothing = post(client, "/track/supplement", {"tracking_no": number, "access_token": token})
    assert nothing.status_code == 422
    assert "请至少补充下列一项内容。" in nothing.text
    bad = post(
        client,
        "/track/supplement",
        {"tracking_no": number, "access_token": token, "s_phone": "12"},
    )
    assert "电话号码无法识别，请核对。" in bad.text
    added = post(
        client,
        "/track/supplement",
        {"tracking_no": number, "access_token": token, "s_targets": "https://x.example.cn/2"},
        uploads("official_debunk"),
    )
    assert added.status_code == 200, added.text
    assert "补正已收到，材料齐全，举报已受理。" in added.text
    with database.unit_of_work(read_only=True) as uow:
        assert uow.session.scalars(select(Report.status)).one() == "accepted"
    again = post(
        client,
        "/track/supplement",
        {"tracking_no": number, "access_token": token, "s_statement": "x"},
    )
    assert again.status_code == 409
    assert "该举报已不在待补正状态。" in again.text
    forged = post(client, "/track/supplement", {"tracking_no": number, "access_token": "nope"})
    assert forged.status_code == 404


# -- reporter accounts ----------------------------------------------------------------------


def register(client: TestClient, files: Any = None, **override: str) -> Response:
    data = {
        "username": "shili",
        "password": "a long enough password",
        "password_again": "a long enough password",
        "kind": "enterprise",
        "right_holder_name": "示例科技有限公司",
        "credit_code": CREDIT_CODE,
        "contact_name": "王经理",
        "contact_phone": "13800138000",
    } | override
    if files is None:
        files = {"file_1": ("执照.png", png(), PNG), "type_1": (None, "business_licence")}
    return post(client, "/reporter/register", data, files)


def reporter_sign_in(client: TestClient, username: str = "shili") -> Response:
    data = {"username": username, "password": "a long enough password"}
    return post(client, "/reporter/login", data)


def test_registration_shows_every_problem_at_once(client: TestClient) -> None:
    page = register(
        client,
        files={},
        username="A!",
        password="short",
        password_again="short",
        credit_code="123",
        contact_phone="",
    )
    assert page.status_code == 422
    for message in (
        "2 至 64 位小写字母",
        "密码至少需要 10 个字符。",
        "这不是有效的统一社会信用代码",
        "请填写电话或电子邮箱。",
        "请上传身份证明并选择其类型。",
    ):
        assert message in page.text
    taken = register(client)
    assert "账号 shili 已提交" in taken.text
    again = register(client)
    assert again.status_code == 409
    assert "该用户名已被使用。" in again.text


def test_a_verified_reporter_reports_without_the_licence_and_sees_its_list(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert register(client).status_code == 200
    assert reporter_sign_in(client).status_code == 200
    home = client.get("/reporter/")
    assert "待核验" in home.text
    assert "暂无举报" in home.text
    assert client.get("/console/", follow_redirects=False).status_code == 303  # no console
    form = client.get("/report").text
    assert 'value="示例科技有限公司"' in form
    assert "核验通过前，请随举报一并上传身份证明" in form

    add_user(database, "li", "reviewer")
    reviewer = TestClient(client.app)
    sign_in(reviewer, "li")
    assert "核验举报人账号" in reviewer.get("/console/").text
    listing = reviewer.get("/console/reporter-accounts")
    assert "待核验" in listing.text
    assert "shili" in listing.text
    account_id = re.search(r"/console/reporter-accounts/(\d+)/identity", listing.text)
    assert account_id
    document = reviewer.get(f"/console/reporter-accounts/{account_id.group(1)}/identity")
    assert document.headers["content-type"] == PNG
    assert document.headers["content-disposition"].startswith("attachment;")
    assert document.headers["x-content-type-options"] == "nosniff"
    assert document.content.startswith(b"\x89PNG")
    viewed = [e for e in ledger.recent_entries(database) if e.event == "evidence_viewed"]
    assert [e.actor for e in viewed] == ["user:li"]  # each look is recorded
    token = csrf_of(listing.text)
    base = f"/console/reporter-accounts/{account_id.group(1)}"
    refused = reviewer.post(f"{base}/reject", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422
    assert "请填写驳回理由。" in refused.text
    verified = reviewer.post(f"{base}/verify", data={"csrf_token": token})
    assert "现为：已核验" in verified.text

    form = client.get("/report").text
    assert "无需再次上传营业执照等身份证明" in form
    monkeypatch.setattr(reporter_pages, "PAGE", 1)
    for n in (1, 2):
        done = report(client, files=uploads("official_debunk"), targets=f"https://x.example.cn/{n}")
        keys_of(done)
        assert "已受理" in done.text
        assert "该举报已列入您的举报人账号" in done.text
    mine = client.get("/reporter/")
    assert "已核验" in mine.text
    assert "谣言性信息 · 诋毁产品服务质量" in mine.text
    assert "更早的举报" in mine.text
    older = re.search(r'href="(/reporter/\?before=[^"]+)"', mine.text)
    assert older
    page_two = client.get(older.group(1).replace("&amp;", "&"))
    assert "已受理" in page_two.text
    assert "最新" in page_two.text
    with database.unit_of_work(read_only=True) as uow:
        assert set(uow.session.scalars(select(Report.reporter_account_id))) == {1}


def test_reporter_sign_in_is_for_reporters_and_the_console_page_for_reviewers(
    client: TestClient, database: Database
) -> None:
    add_user(database, "li", "reviewer")
    add_user(database, "zhao", "regulator")
    refused = post(
        client, "/reporter/login", {"username": "li", "password": "correct horse battery"}
    )
    assert refused.status_code == 403
    assert "这不是举报人账号" in refused.text
    wrong = post(client, "/reporter/login", {"username": "nobody", "password": "x"})
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert client.get("/reporter/", follow_redirects=False).headers["location"] == "/reporter/login"
    sign_in(client, "zhao")
    assert client.get("/console/reporter-accounts").status_code == 403
    assert client.get("/console/reporter-accounts/1/identity").status_code == 403
    assert "核验举报人账号" not in client.get("/console/").text


# -- the catalogs ---------------------------------------------------------------------------


def ws_pack() -> Any:
    from qinglang.policy.loader import load_packs

    return load_packs()["cac-ws-2023"]


CODED = {
    "report_status": ["accepted", "needs_supplement", "closed_incomplete", "duplicate"],
    "reporter_kind": ["enterprise", "entrepreneur", "agent", "individual"],
    "account_kind": ["enterprise", "entrepreneur"],
    "account_status": ["pending", "verified", "rejected"],
    "case_status": [
        "awaiting_supplement",
        "open",
        "closed_incomplete",
        "pending_approval",
        "pending_regulator",
        "decided",
        "objection_review",
    ],
    "attached_in": ["submission", "supplement", "snapshot"],
}


def public_message_ids() -> set[str]:
    found: set[str] = set()
    templates = [
        *WEB.glob("public/templates/*.html"),
        WEB / "console/templates/reporter_accounts.html",
    ]
    for path in templates:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""_\(\s*"([^"]+)"\s*[,)]""", text))
    for path in WEB.glob("public/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    found = {m for m in found if not m.endswith(":")}
    coded = {f"{prefix}:{code}" for prefix, codes in CODED.items() for code in codes}
    measures = {f"measure:{m.code}" for m in ws_pack().disposal.measures}  # type: ignore[union-attr]
    return found | coded | measures


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_public_string_is_translated(locale: str) -> None:
    ids = public_message_ids()
    assert len(ids) > 150
    assert sorted(ids - Catalogs.load().messages[locale].keys()) == []


def test_a_reporter_account_cannot_use_the_console(client: TestClient, database: Database) -> None:
    add_user(database, "some-reporter", "reporter")
    sign_in(client, "some-reporter")
    page = client.get("/console/")
    assert page.status_code == 403
