"""The `mdt` command: create, inspect and maintain a store from a shell or a script.

Exit codes: 0 success; 1 the command failed (message on stderr); 2 bad usage;
3 the store could not be unlocked (file untouched), or the PIN of the profile acting was
not given or not right; 4 the audit chain is broken.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mdt_desktop.domain.caseload import STATUS_LABELS
from mdt_desktop.paths import default_store_path

EXIT_FAILED = 1
EXIT_LOCKED = 3
EXIT_AUDIT_BROKEN = 4


class CommandError(Exception):
    """A failure to report in one line, without a traceback."""


def _prompt_passphrase(confirm: bool) -> str:
    if not sys.stdin.isatty():
        raise CommandError(
            "a passphrase is needed: set MDT_PASSPHRASE or run from a terminal to be asked"
        )
    first = getpass.getpass("Store passphrase: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise CommandError("the two passphrases differ")
    return first


def _open_store(path: Path) -> Any:
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.keys import StoreLockedError, passphrase_from_env

    try:
        store = Store.open(path)
    except StoreLockedError:
        # Ask once, but only when a person is there and nothing else was tried.
        person_present = sys.stdin.isatty() and passphrase_from_env() is None
        if not (person_present and path.is_file()):
            raise
        store = Store.open(path, passphrase=_prompt_passphrase(confirm=False))
    _finish_interrupted_import(store)
    return store


def _finish_interrupted_import(store: Any) -> None:
    """An import committed but was stopped before its risk scores were recomputed."""
    from mdt_desktop.services.importing import resume_stratification, stratification_pending

    why = stratification_pending(store)
    if why is not None:
        print(f"mdt: {why}", file=sys.stderr, flush=True)
        people = resume_stratification(store)
        print(f"mdt: risk recomputed for {people:,} people.", file=sys.stderr, flush=True)


class SecretNeeded(CommandError):
    """A PIN or password did not prove who is acting: exit 3, like a locked store."""


def _prompt_secret(label: str, variable: str, *, confirm: bool = False) -> str:
    """A secret from the environment variable, else typed at a terminal (never echoed)."""
    value = os.environ.get(variable)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise SecretNeeded(f"{label} is needed: set {variable} or run from a terminal to be asked")
    first = getpass.getpass(f"{label}: ")
    if confirm and getpass.getpass(f"{label} again: ") != first:
        raise CommandError(f"the two entries of {label} differ")
    return first


def _acting_user(store: Any, name: str | None) -> Any:
    """The profile a command acts as (``--user`` or the signed-in one), proved by its PIN.

    A profile with a PIN needs it (MDT_PIN or a prompt): the audit log will name that
    person, so whoever runs the command must be able to prove they are them. A profile
    pulled from the team server and never used here is refused until its owner signs in.
    """
    from mdt_desktop.services.users import (
        ProfileError,
        actor_for,
        current_user,
        find_user,
        needs_server_sign_in,
        verify_pin,
    )

    try:
        user = find_user(store, name) if name else current_user(store)
    except ProfileError as exc:
        raise CommandError(str(exc)) from None
    if user is None:
        raise CommandError("no one is signed in on this store: pass --user NAME")
    if needs_server_sign_in(store, user):
        raise SecretNeeded(
            f"{user.name}'s profile came from the team server and has not been used on this "
            f"computer: run `mdt user sign-in {user.name!r}` while online first"
        )
    if user.pin_hash:
        pin = _prompt_secret(f"PIN of {user.name}", "MDT_PIN")
        try:
            verify_pin(store, user, pin)
        except ProfileError as exc:
            raise SecretNeeded(str(exc)) from None
    store.set_actor(actor_for(user))
    return user


def cmd_init(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.keys import (
        StoreKey,
        check_new_passphrase,
        keyring_usable,
        passphrase_from_env,
    )

    path: Path = args.store
    if path.exists() and path.stat().st_size > 0:
        raise CommandError(f"{path} already exists: refusing to overwrite it")
    if args.passphrase or not keyring_usable():
        passphrase = passphrase_from_env() or _prompt_passphrase(confirm=True)
        try:
            check_new_passphrase(passphrase)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        key = StoreKey(passphrase=passphrase)
    else:
        key = StoreKey.generate()
    with Store.create(path, key) as store:
        return {
            "store": str(path),
            "store_id": str(store.store_id),
            "key": store.key_kind,
            "schema_version": store.schema_version(),
        }


def cmd_migrate(args: argparse.Namespace) -> dict[str, Any]:
    with _open_store(args.store) as store:  # opening applies pending migrations
        return {"store": str(args.store), "schema_version": store.schema_version()}


def cmd_status(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services.status import store_status

    with _open_store(args.store) as store:
        return store_status(store)


def cmd_demo(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services.demo import generate_demo

    def progress(done: int, total: int) -> None:
        if args.progress:
            print(f"\r{done:,} / {total:,} people", end="", file=sys.stderr, flush=True)

    with _open_store(args.store) as store:
        try:
            summary = generate_demo(store, args.patients, seed=args.seed, progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if args.progress:
            print(file=sys.stderr)
        return {
            "patients": summary.patients,
            "coded_entries": summary.coded_entries,
            "practices": summary.practices,
            "staff": summary.staff,
            "seconds": round(summary.seconds, 2),
        }


def cmd_import_list(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services.importing import UnreadableFile, import_files
    from mdt_desktop.services.users import current_user

    def progress(stage: str, done: int, total: int) -> None:
        if args.progress:
            print(f"\r{stage}: {done:,} / {total:,}", end="", file=sys.stderr, flush=True)

    with _open_store(args.store) as store:
        user = current_user(store)
        team_id = user.team_id if user else None
        try:
            summary = import_files(
                store,
                args.files,
                partial=args.partial,
                team_id=team_id,
                progress=progress,
                practice=args.practice,
                mapping=args.mapping,
            )
        except UnreadableFile as exc:
            raise CommandError(f"nothing was imported: {exc}") from None
        if args.progress:
            print(file=sys.stderr)
        return summary.as_dict()


def cmd_efi_load_codes(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.domain.efi import CodeListError
    from mdt_desktop.services.efi_codes import load_codes

    with _open_store(args.store) as store:
        try:
            loaded = load_codes(store, args.file)
        except CodeListError as exc:
            raise CommandError(f"the code list was not loaded: {exc}") from None
    return {**loaded, "note": "run `mdt stratify` to score everyone with it"}


def cmd_stratify(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services.stratify import stratify_store

    with _open_store(args.store) as store:
        summary = stratify_store(store)
    return {
        "people": summary.people,
        "by_segment": summary.by_segment,
        "by_efi": summary.by_efi,
        "seconds": round(summary.seconds, 2),
    }


def cmd_audit_verify(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.store import audit

    with _open_store(args.store) as store, store.session() as session:
        report = audit.verify_chain(session)
    result = report.as_dict()
    if not report.ok:
        print(f"The audit log is broken: {report.reason}.", file=sys.stderr)
        result["_exit"] = EXIT_AUDIT_BROKEN
    elif report.note:
        print(report.note, file=sys.stderr)
    return result


def cmd_caseload(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services.caseload import caseload_listing

    with _open_store(args.store) as store:
        try:
            return caseload_listing(store, status=args.status, team=args.team)
        except ValueError as exc:
            raise CommandError(str(exc)) from None


def cmd_sync(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services import sync
    from mdt_desktop.sync.client import NeedPassword, NotPermitted, SyncError

    with _open_store(args.store) as store:
        password = os.environ.get("MDT_SYNC_PASSWORD")
        try:
            try:
                summary = sync.sync_now(store, args.server, args.user, password)
            except NeedPassword:
                if password or not sys.stdin.isatty():
                    raise
                who = args.user or sync.settings(store).username
                password = getpass.getpass(f"Team server password for {who}: ")
                summary = sync.sync_now(store, args.server, args.user, password)
        except (SyncError, NotPermitted) as exc:
            status = sync.status(store)
            return {
                "pushed": 0,
                "pulled": 0,
                "conflicts": 0,
                "errors": [str(exc)],
                "pending": status.pending,
                "conflicts_open": status.conflicts_open,
                "_exit": EXIT_FAILED,
            }
        return summary.as_dict()


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="the store file (default: the one in your user data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdt",
        description="MDT Desktop from the command line. Passphrase-protected stores read "
        "MDT_PASSPHRASE, or ask when run from a terminal.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create a new encrypted store")
    _store_arg(p)
    p.add_argument(
        "--passphrase",
        action="store_true",
        help="protect the store with a passphrase instead of a key in the keyring",
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("migrate", help="bring a store's schema up to date")
    _store_arg(p)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("status", help="what the store holds, in numbers")
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON (the default)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("demo", help="fill the store with a synthetic neighbourhood")
    _store_arg(p)
    p.add_argument("--patients", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "import-list", help="import a registered list and coded entries (CSV or FHIR R4)"
    )
    _store_arg(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE_OR_DIR")
    p.add_argument(
        "--partial",
        action="store_true",
        help="the files are not whole practice lists: mark no one as having left",
    )
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
    p.add_argument(
        "--practice",
        metavar="ODS_CODE",
        help="the practice of a supplier file that names it only by an organisation id "
        "(EMIS, SystmOne, Vision); remembered for the next import",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.json",
        help="a saved mapping for a list layout the app does not know (docs/import-formats.md)",
    )
    p.set_defaults(func=cmd_import_list)

    p = sub.add_parser("stratify", help="recompute eFI, risk scores and segments")
    _store_arg(p)
    p.set_defaults(func=cmd_stratify)

    p = sub.add_parser("caseload", help="list the caseload as JSON (audited as an export)")
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON (the default)")
    p.add_argument("--status", choices=list(STATUS_LABELS))
    p.add_argument("--team", help="one team, by name or code (default: every team)")
    p.set_defaults(func=cmd_caseload)

    p = sub.add_parser("sync", help="one sync round with the team server (prints a JSON summary)")
    _store_arg(p)
    p.add_argument("--server", help="the server's address, e.g. https://mdt.example.nhs.uk")
    p.add_argument("--user", help="your user name on the server")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("efi", help="the eFI code list")
    efi_sub = p.add_subparsers(dest="efi_command", required=True)
    e = efi_sub.add_parser(
        "load-codes", help="use a site's own eFI code list (JSON, or a folder of code sets)"
    )
    _store_arg(e)
    e.add_argument("file", type=Path, metavar="FILE_OR_FOLDER")
    e.set_defaults(func=cmd_efi_load_codes)

    p = sub.add_parser("audit", help="the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    v = audit_sub.add_parser("verify", help="check the audit log's hash chain")
    _store_arg(v)
    v.set_defaults(func=cmd_audit_verify)
    _add_care_plan_commands(sub)
    _add_meeting_commands(sub)
    _add_discharge_commands(sub)
    _add_user_commands(sub)
    from mdt_desktop.cli_budgets import add_budget_commands

    add_budget_commands(sub, _store_arg)
    return parser


def cmd_export_careplan(args: argparse.Namespace) -> dict[str, Any]:
    """Export one person's care plan as the PDF they take home, or as a FHIR Bundle."""
    from mdt_desktop.domain.permissions import NotPermitted
    from mdt_desktop.services.care_plan_export import export
    from mdt_desktop.services.care_plans import patient_by_nhs_number

    out: Path = args.out
    if args.format == "fhir" and args.large_print:
        raise CommandError("--large-print applies to the PDF only")
    if not out.parent.exists():
        raise CommandError(f"the folder {out.parent} does not exist")
    with _open_store(args.store) as store:
        user = _acting_user(store, args.user)  # the export's audit entry names this person
        try:
            patient_id = patient_by_nhs_number(store, args.nhs)
            result = export(store, patient_id, out, fmt=args.format, large_print=args.large_print)
        except (ValueError, LookupError, NotPermitted) as exc:
            raise CommandError(str(exc)) from None
        return {
            "out": str(result.path),
            "format": args.format,
            "large_print": args.large_print,
            "version": result.version_number,
            "exported_by": user.name,
        }


def cmd_user_add(args: argparse.Namespace) -> dict[str, Any]:
    """A profile for this store; on a keyring store with a PIN, and approved when needed."""
    from mdt_desktop.services import users

    with _open_store(args.store) as store:
        pin: str | None = None
        if store.key_kind != "passphrase" or os.environ.get("MDT_PIN") or sys.stdin.isatty():
            pin = _prompt_secret(f"New PIN for {args.name}", "MDT_PIN", confirm=True) or None
        approver, approver_pin = None, ""
        # Opening a passphrase store has just proved its passphrase: that approves.
        approved = store.key_kind == "passphrase" or not users.approval_needed(store)
        if not approved:
            if not args.approved_by:
                raise SecretNeeded(
                    "adding someone to this store needs an administrator's or GP's PIN: "
                    "pass --approved-by NAME (their PIN from MDT_APPROVER_PIN or a prompt)"
                )
            try:
                approver = users.find_user(store, args.approved_by)
            except users.ProfileError as exc:
                raise CommandError(str(exc)) from None
            approver_pin = _prompt_secret(f"PIN of {approver.name}", "MDT_APPROVER_PIN")
        try:
            user = users.add_profile(
                store,
                args.name,
                args.role,
                args.team,
                pin,
                approver=approver,
                approver_pin=approver_pin,
                approved=approved,
            )
        except users.SecretRefused as exc:
            raise SecretNeeded(str(exc)) from None
        except users.ProfileError as exc:
            raise CommandError(str(exc)) from None
        return _profile_dict(store, user)


def _profile_dict(store: Any, user: Any) -> dict[str, Any]:
    from mdt_desktop.services import users
    from mdt_desktop.store.schema import Team

    team = None
    if user.team_id is not None:
        with store.session() as s:
            row = s.get(Team, user.team_id)
            team = row.name if row is not None else None
    return {
        "id": str(user.id),
        "name": user.name,
        "role": user.role,
        "team": team,
        "has_pin": bool(user.pin_hash),
        "usable_here": users.usable_here(store, user),
    }


def cmd_user_list(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services import users

    with _open_store(args.store) as store:
        signed_in = users.current_user(store)
        listed = []
        for user in users.list_users(store):
            row = _profile_dict(store, user)
            row["signed_in"] = signed_in is not None and signed_in.id == user.id
            listed.append(row)
        return {"users": listed}


def cmd_user_sign_in(args: argparse.Namespace) -> dict[str, Any]:
    """Make NAME the profile later commands act as, once their PIN proves it.

    A profile from the team server, not yet used here, signs in to the server (online)
    with its password (MDT_SYNC_PASSWORD or a prompt) and sets its PIN here (MDT_PIN).
    """
    from mdt_desktop.services import users

    with _open_store(args.store) as store:
        try:
            user = users.find_user(store, args.name)
        except users.ProfileError as exc:
            raise CommandError(str(exc)) from None
        if users.needs_server_sign_in(store, user):
            password = _prompt_secret(f"Team server password of {user.name}", "MDT_SYNC_PASSWORD")
            pin = _prompt_secret(f"New PIN for {user.name}", "MDT_PIN", confirm=True)
            try:
                users.sign_in_on_server(store, user, password, pin)
            except users.SecretRefused as exc:
                raise SecretNeeded(str(exc)) from None
            except users.ProfileError as exc:
                raise CommandError(str(exc)) from None
        else:
            user = _acting_user(store, user.name)
        users.sign_in(store, user)
        return {**_profile_dict(store, user), "signed_in": True}


def _add_user_commands(sub: Any) -> None:
    from mdt_desktop.domain.roles import Role

    p = sub.add_parser("user", help="user profiles on this store")
    user_sub = p.add_subparsers(dest="user_command", required=True)
    a = user_sub.add_parser(
        "add", help="add a profile (PIN from MDT_PIN or a prompt)", description=cmd_user_add.__doc__
    )
    _store_arg(a)
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", required=True, choices=[r.value for r in Role])
    a.add_argument("--team", default="Neighbourhood MDT", help="the team's name")
    a.add_argument(
        "--approved-by",
        metavar="NAME",
        help="the administrator or GP letting them in (PIN from MDT_APPROVER_PIN or a prompt)",
    )
    a.set_defaults(func=cmd_user_add)
    lst = user_sub.add_parser("list", help="the profiles in this store")
    _store_arg(lst)
    lst.set_defaults(func=cmd_user_list)
    si = user_sub.add_parser("sign-in", help="act as NAME from now on (their PIN is asked)")
    _store_arg(si)
    si.add_argument("name", metavar="NAME")
    si.set_defaults(func=cmd_user_sign_in)


def _add_care_plan_commands(sub: Any) -> None:
    p = sub.add_parser("export-careplan", help="export a person's care plan (PDF or FHIR)")
    _store_arg(p)
    p.add_argument("--nhs", required=True, metavar="NHS_NUMBER", help="the person's NHS number")
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    p.add_argument("--large-print", action="store_true", help="16 pt and larger (PDF only)")
    p.add_argument("--format", choices=("pdf", "fhir"), default="pdf")
    p.add_argument("--user", help="the user profile exporting (default: the signed-in one)")
    p.set_defaults(func=cmd_export_careplan)


def cmd_meetings(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.services.meetings import list_meetings

    with _open_store(args.store) as store:
        return {"meetings": [m.as_dict() for m in list_meetings(store)]}


def cmd_export_minutes(args: argparse.Namespace) -> dict[str, Any]:
    import uuid

    from mdt_desktop.services.meetings import MeetingError
    from mdt_desktop.services.minutes import export_minutes
    from mdt_desktop.services.users import current_user

    try:
        meeting_id = uuid.UUID(args.meeting)
    except ValueError:
        raise CommandError(f"{args.meeting!r} is not a meeting id (see `mdt meetings`)") from None
    with _open_store(args.store) as store:
        if args.user or current_user(store) is not None:
            # The minutes and the audit log name who produced them: they prove it.
            _acting_user(store, args.user)
        try:
            path = export_minutes(store, meeting_id, args.out)
        except MeetingError as exc:
            raise CommandError(str(exc)) from None
    return {"meeting": str(meeting_id), "out": str(path), "bytes": path.stat().st_size}


def _add_meeting_commands(sub: Any) -> None:
    p = sub.add_parser("meetings", help="list MDT meetings with their ids")
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON (the default)")
    p.set_defaults(func=cmd_meetings)

    p = sub.add_parser("export-minutes", help="write a meeting's minutes as a PDF")
    _store_arg(p)
    p.add_argument("--meeting", required=True, help="the meeting's id (from `mdt meetings`)")
    p.add_argument("--out", required=True, type=Path, help="the PDF file to write")
    p.add_argument("--user", help="the user profile exporting (default: the signed-in one)")
    p.set_defaults(func=cmd_export_minutes)


def _signed_in(store: Any) -> Any:
    from mdt_desktop.services.users import actor_for, current_user

    user = current_user(store)
    if user is None:
        raise CommandError("no one is signed in on this store: open it once in the app")
    store.set_actor(actor_for(user))
    return user


def cmd_discharges(args: argparse.Namespace) -> dict[str, Any]:
    """The in-reach board: the team's people in hospital, longest since ready first."""
    from mdt_desktop.domain.nhs_number import format_nhs_number
    from mdt_desktop.services.discharges import board

    with _open_store(args.store) as store:
        user = _signed_in(store)
        lines = board(store, user.team_id)
    return {
        "in_hospital": [
            {
                "nhs_number": format_nhs_number(x.row.nhs_number),
                "name": f"{x.row.family_name.upper()}, {x.row.given_name}",
                "hospital": x.row.hospital,
                "ward": x.row.ward,
                "admitted_at": x.row.admitted_at.isoformat(),
                "days_in": x.days_in,
                "expected_discharge_on": x.row.expected_discharge_on,
                "discharge_ready_on": x.row.ready_on,
                "days_since_ready": x.since_ready.calendar if x.since_ready else None,
                "working_days_since_ready": x.since_ready.working if x.since_ready else None,
                "pathway": x.row.pathway,
                "delay": x.delay_label,
                "open_tasks": x.row.open_tasks,
                "overdue_tasks": x.row.overdue_tasks,
                "flags": [f.value for f in x.flags],
            }
            for x in lines
        ]
    }


def cmd_import_admissions(args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.domain.permissions import NotPermitted
    from mdt_desktop.interop.records import UnreadableFile
    from mdt_desktop.services.discharges.importing import import_admissions

    for path in args.files:
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
    with _open_store(args.store) as store:
        user = _signed_in(store)
        try:
            result = import_admissions(store, args.files, team_id=user.team_id)
        except (UnreadableFile, NotPermitted) as exc:
            raise CommandError(str(exc)) from None
    return result.as_dict()


def _add_discharge_commands(sub: Any) -> None:
    p = sub.add_parser("discharges", help="the team's people in hospital (the in-reach board)")
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON (the default)")
    p.set_defaults(func=cmd_discharges)

    p = sub.add_parser(
        "import-admissions", help="import the hospital's admissions and discharges (CSV or FHIR)"
    )
    _store_arg(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_import_admissions)


def main(argv: Sequence[str] | None = None) -> int:
    from mdt_desktop.store.keys import StoreLockedError
    from mdt_desktop.store.migrate import NewerStoreError

    args = build_parser().parse_args(argv)
    if getattr(args, "store", None) is None and hasattr(args, "store"):
        args.store = default_store_path()
    func: Callable[[argparse.Namespace], dict[str, Any]] = args.func
    try:
        result = func(args)
    except StoreLockedError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_LOCKED
    except SecretNeeded as exc:
        print(f"mdt: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (CommandError, NewerStoreError, FileExistsError) as exc:
        print(f"mdt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("mdt: interrupted", file=sys.stderr)
        return EXIT_FAILED
    code = int(result.pop("_exit", 0))
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    sys.stdout.flush()
    return code


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    raise SystemExit(main())
