"""``qinglang reports`` and ``qinglang reporters``: intake from the shell.

``reports submit`` takes one report as JSON (the API's body) or many as JSON Lines,
for the regulator's transfers (转交转办) and bulk imports from an earlier system.
Evidence is given as files: ``{"file": "licence.pdf", "type": "business_licence"}``,
uploaded first (paths relative to the report file).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qinglang.cli.context import open_database, operator, out
from qinglang.errors import InvalidInput
from qinglang.intake import followups, reporter_accounts
from qinglang.intake.channels import Channel
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.reports import Intake
from qinglang.intake.setup import build_intake
from qinglang.intake.submission import SubmissionIn, parse
from qinglang.settings import load_settings

app = typer.Typer(
    help="Reports: submit, show, close overdue supplements; generate the periodic report.",
    no_args_is_help=True,
)
reporters_app = typer.Typer(
    help="Reporter accounts: list, verify or reject an identity (checked once).",
    no_args_is_help=True,
)


def _intake() -> Intake:
    settings = load_settings()
    return build_intake(open_database(settings), settings)


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", code="unreadable_file") from None
    try:
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}", code="malformed_json") from None
    return data if isinstance(data, list) else [data]


def _upload_files(intake: Intake, body: dict[str, Any], base: Path, owner: str) -> None:
    items = body.get("evidence") or []
    if not isinstance(items, list):
        return
    settings = load_settings()
    for item in items:
        if isinstance(item, dict) and "file" in item:
            path = base / str(item.pop("file"))
            try:
                with path.open("rb") as source:
                    evidence = upload_evidence(
                        intake.database,
                        actor=operator(),
                        store=intake.snapshots.store,
                        source=source,
                        filename=path.name,
                        limit=settings.evidence_max_bytes,
                        owner=f"form:{owner}",
                    )
            except OSError as exc:
                raise InvalidInput(
                    f"cannot read evidence file {path}: {exc.strerror}", code="unreadable_file"
                ) from None
            item["id"] = evidence.id


@app.command("submit")
def submit(
    file: Annotated[Path, typer.Argument(help="A report (.json) or many (.jsonl)")],
    channel: Annotated[
        Channel, typer.Option(help="bulk_import or regulator_transfer (with its reference)")
    ] = Channel.BULK_IMPORT,
    json_output: Annotated[bool, typer.Option("--json", help="Print each answer as JSON")] = False,
) -> None:
    """Submit reports; prints each tracking number, access token and status."""
    intake = _intake()
    for body in _read(file):
        owner = f"cli-{secrets.token_hex(8)}"
        _upload_files(intake, body, file.parent, owner)
        body["channel"] = channel.value
        answer = intake.submit(
            actor=operator(), submission=parse(SubmissionIn, body), channel=channel, form=owner
        )
        if json_output:
            print(json.dumps(answer, ensure_ascii=False))
            continue
        missing = ", ".join(m["item"] for m in answer["missing"]) or "-"
        out.print(
            f"{answer['tracking_no']}  {answer['status']:<16} case {answer['case_id']}  "
            f"missing: {missing}"
        )
        out.print(f"  access token (shown once): {answer['access_token']}")


@app.command("show")
def show(
    tracking_no: Annotated[str, typer.Argument(help="QL-YYYYMMDD-XXXXXXXX-C")],
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A report's state, as staff see it (no access token needed at the server's shell)."""
    state = followups.staff_view(_intake(), actor=operator(), tracking_no=tracking_no)
    if json_output:
        print(json.dumps(state, ensure_ascii=False, indent=2))
        return
    out.print(f"{state['tracking_no']}  {state['status']}  {state['category']}.{state['subtype']}")
    out.print(f"received {state['received_at']}  due {state['due_at'] or '-'}")
    for item in state["missing"]:
        out.print(f"  missing {item['item']}: {item['message']['zh-CN']}")
    for evidence in state["evidence"]:
        counted = "" if evidence["counted"] else "  (kept, not counted)"
        out.print(f"  evidence {evidence['type']} {evidence['sha256'][:16]}…{counted}")


@app.command("close-overdue")
def close_overdue() -> None:
    """Close reports whose supplement deadline has passed (the worker does this too)."""
    closed = followups.close_overdue(_intake(), actor=operator())
    out.print(f"closed {len(closed)} report(s) as incomplete")
    for number in closed:
        out.print(f"  {number}")


@app.command("generate")
def generate_periodic(
    period: Annotated[str, typer.Option(help="The month, YYYY-MM (China time)")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Generate a month's periodic report to the regulator (WS-28): JSON and XLSX, hashed."""
    from qinglang.oversight import periodic

    settings = load_settings()
    report = periodic.generate(
        open_database(settings), settings=settings, actor=operator(), period=period
    )
    files = periodic.files_of(report)
    if json_output:
        answer = {
            "id": report.id,
            "period": report.period,
            "json": str(files["json"]),
            "json_sha256": report.json_sha256,
            "xlsx": str(files["xlsx"]),
            "xlsx_sha256": report.xlsx_sha256,
            "headline": report.figures["headline"],
        }
        print(json.dumps(answer, ensure_ascii=False))
        return
    out.print(f"periodic report {report.id} for {report.period}")
    out.print(f"  {files['json']}  sha256 {report.json_sha256}")
    out.print(f"  {files['xlsx']}  sha256 {report.xlsx_sha256}")
    for key, value in report.figures["headline"].items():
        out.print(f"  {key}: {value}")


@reporters_app.command("list")
def list_accounts(
    status: Annotated[str | None, typer.Option(help="pending, verified or rejected")] = None,
) -> None:
    """Reporter accounts, pending first."""
    table = Table("id", "username", "holder", "credit code", "identity", "status", "requested")
    for account, username in reporter_accounts.list_accounts(
        open_database(), actor=operator(), status=status
    ):
        table.add_row(
            str(account.id),
            username,
            account.right_holder_name,
            account.right_holder_credit_code or "-",
            account.identity_type,
            account.status,
            account.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@reporters_app.command("verify")
def verify(account_id: Annotated[int, typer.Argument()]) -> None:
    """Mark an account's identity as checked: its reports count that proof."""
    account = reporter_accounts.decide_account(
        open_database(), actor=operator(), account_id=account_id, verify=True
    )
    out.print(f"reporter account {account.id} verified")


@reporters_app.command("reject")
def reject(
    account_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why; the reporter sees it")],
) -> None:
    """Refuse an account's identity proof, saying why."""
    reporter_accounts.decide_account(
        open_database(), actor=operator(), account_id=account_id, verify=False, note=reason
    )
    out.print(f"reporter account {account_id} rejected")
