"""The budget commands of `mdt`: list budgets, write a statement, import a card statement."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any


def _signed_in(store: Any, user_name: str | None) -> str:
    """Act as the named (or signed-in) user: the audit log and the documents name them."""
    from mdt_desktop.cli import CommandError
    from mdt_desktop.services.users import actor_for, current_user, list_users

    user: Any
    if user_name:
        matches = [u for u in list_users(store) if u.name.lower() == user_name.lower()]
        if not matches:
            raise CommandError(f"no user profile called {user_name!r} in this store")
        user = matches[0]
    else:
        user = current_user(store)
        if user is None:
            raise CommandError("no one is signed in on this store: pass --user NAME")
    store.set_actor(actor_for(user))
    return str(user.name)


def _today(args: argparse.Namespace) -> date:
    from mdt_desktop.cli import CommandError

    if not args.today:
        return date.today()
    try:
        return date.fromisoformat(args.today)
    except ValueError:
        raise CommandError(f"{args.today!r} is not a date (use yyyy-mm-dd)") from None


def cmd_budgets(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.cli import _open_store
    from mdt_desktop.services import budgets

    with _open_store(args.store) as store:
        today = _today(args)
        rows = budgets.summaries(store, today)
        store.audit("export", "budgets", None, None, f"budget list of {len(rows)} to the shell")
        return {"as_of": today.isoformat(), "budgets": [b.as_json() for b in rows]}


def cmd_budget_statement(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.cli import CommandError, _open_store
    from mdt_desktop.domain.permissions import NotPermitted
    from mdt_desktop.services import budgets
    from mdt_desktop.services.care_plans import patient_by_nhs_number

    out: Path = args.out
    if not out.parent.exists():
        raise CommandError(f"the folder {out.parent} does not exist")
    with _open_store(args.store) as store:
        who = _signed_in(store, args.user)
        today = _today(args)
        try:
            patient_id = patient_by_nhs_number(store, args.nhs)
            found = budgets.summaries(store, today, patient_id=patient_id)
            if not found:
                raise CommandError("that person has no personal budget in this store")
            live = [b for b in found if b.live] or found
            chosen = live[-1]  # the current period's budget
            path = budgets.export_statement(
                store, chosen.row.id, out, large_print=args.large_print, today=today
            )
        except (ValueError, LookupError, NotPermitted) as exc:
            raise CommandError(str(exc)) from None
    return {"out": str(path), "budget": str(chosen.row.id), "large_print": args.large_print,
            "exported_by": who}  # fmt: skip


def cmd_import_payments(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.cli import CommandError, _open_store
    from mdt_desktop.domain.permissions import NotPermitted
    from mdt_desktop.interop.records import UnreadableFile
    from mdt_desktop.services import budgets

    if not args.file.is_file():
        raise CommandError(f"there is no file at {args.file}")
    with _open_store(args.store) as store:
        _signed_in(store, args.user)
        try:
            result = budgets.import_payments(
                store, args.file, today=_today(args), account_reference=args.account
            )
        except (UnreadableFile, ValueError, NotPermitted) as exc:
            raise CommandError(str(exc)) from None
    payload = result.as_json()
    payload["reconciliation_text"] = [budgets.reconciliation_text(r) for r in result.reconciliation]
    return payload


def add_budget_commands(sub: Any, store_arg: Any) -> None:
    p = sub.add_parser("budgets", help="every personal budget with its figures and alerts")
    store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON (the default)")
    p.add_argument("--today", help="work the figures out as of this date (yyyy-mm-dd)")
    p.set_defaults(func=cmd_budgets)

    p = sub.add_parser("budget-statement", help="write a budget holder's statement (PDF)")
    store_arg(p)
    p.add_argument("--nhs", required=True, metavar="NHS_NUMBER", help="the person's NHS number")
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    p.add_argument("--large-print", action="store_true", help="16 pt and larger")
    p.add_argument("--user", help="the user profile exporting (default: the signed-in one)")
    p.add_argument("--today", help="the statement runs to this date (yyyy-mm-dd)")
    p.set_defaults(func=cmd_budget_statement)

    p = sub.add_parser("import-payments", help="import a finance or prepaid-card statement CSV")
    store_arg(p)
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--account", help="the account or card, for a file whose rows do not say")
    p.add_argument("--user", help="the user profile importing (default: the signed-in one)")
    p.add_argument("--today", help="reject rows dated after this day (yyyy-mm-dd)")
    p.set_defaults(func=cmd_import_payments)
