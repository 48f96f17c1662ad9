"""The `mdt-server` command: run the team server, or manage its accounts.

    mdt-server --embedded DIR [--host H --port P --ssl-certfile F --ssl-keyfile F]
               [--insecure-http] [--docs] [--max-body-mib N]
    mdt-server --database-url postgresql://… [...]
    mdt-server add-user NAME --team TEAM --role ROLE [--embedded DIR | --database-url URL]
    mdt-server revoke-device NAME DEVICE_ID [...]
    mdt-server remove-member NAME --team TEAM [...]
    mdt-server disable-user NAME [...]   (and enable-user NAME)

Team names are matched without regard to case ("north leeds" is "North Leeds").

Exit codes: 0 success, 1 failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import logging
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine


class CommandError(Exception):
    pass


def _database_args(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database-url",
        default=os.environ.get("MDT_DATABASE_URL"),
        help="PostgreSQL URL (postgresql://user:password@host/db); or MDT_DATABASE_URL",
    )
    where.add_argument(
        "--embedded",
        type=Path,
        metavar="DIR",
        help="start (or use the running) local PostgreSQL whose data lives in DIR",
    )


def _engine(args: argparse.Namespace) -> tuple[Engine, Any]:
    from . import db

    if args.embedded is not None:
        try:
            url, handle = db.start_embedded(args.embedded)
        except db.EmbeddedError as exc:
            raise CommandError(str(exc)) from None
    elif args.database_url:
        url, handle = db.sqlalchemy_url(args.database_url), None
    else:
        raise CommandError("say where the database is: --embedded DIR or --database-url URL")
    engine = db.make_engine(url)
    db.upgrade(engine)
    return engine, handle


def _password() -> str:
    password = os.environ.get("MDT_USER_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise CommandError("a password is needed: set MDT_USER_PASSWORD or run from a terminal")
    first = getpass.getpass("Password for the new user: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise CommandError("the two passwords differ")
    return first


def cmd_add_user(args: argparse.Namespace) -> dict[str, Any]:
    from . import accounts

    password = _password()
    try:
        accounts.check_password_policy(password, args.name)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    engine, _handle = _engine(args)
    try:
        with engine.begin() as conn:
            account_id = accounts.add_user(conn, args.name, password, args.team, args.role)
            teams = accounts.teams_of(conn, account_id)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    finally:
        engine.dispose()
    return {
        "user": args.name,
        "account_id": str(account_id),
        "teams": [{"id": str(t.id), "name": t.name, "role": t.role} for t in teams],
    }


def cmd_set_disabled(args: argparse.Namespace) -> dict[str, Any]:
    from . import accounts

    disabled = args.command == "disable-user"
    engine, _handle = _engine(args)
    try:
        with engine.begin() as conn:
            accounts.set_disabled(conn, args.name, disabled)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    finally:
        engine.dispose()
    return {"user": args.name, "disabled": disabled}


def cmd_revoke_device(args: argparse.Namespace) -> dict[str, Any]:
    from . import accounts

    engine, _handle = _engine(args)
    try:
        with engine.begin() as conn:
            account_id = accounts.account_id_of(conn, args.name)
            if account_id is None:
                raise CommandError(f"there is no user {args.name!r}")
            if not accounts.revoke_device(conn, account_id, args.device_id):
                raise CommandError(f"{args.name} has no active device {args.device_id}")
    finally:
        engine.dispose()
    return {"user": args.name, "revoked_device": str(args.device_id)}


def cmd_remove_member(args: argparse.Namespace) -> dict[str, Any]:
    from . import accounts

    engine, _handle = _engine(args)
    try:
        with engine.begin() as conn:
            team = accounts.remove_membership(conn, args.name, args.team)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    finally:
        engine.dispose()
    return {"user": args.name, "removed_from": team}


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise CommandError("TLS needs both --ssl-certfile and --ssl-keyfile")
    if not args.ssl_certfile and not _loopback(args.host) and not args.insecure_http:
        raise CommandError(
            f"refusing to serve plain HTTP on {args.host}: passwords and patient records "
            "would cross the network unencrypted. Give --ssl-certfile and --ssl-keyfile, "
            "or --insecure-http when a TLS proxy in front of this server does the encryption"
        )
    if args.max_body_mib <= 0:
        raise CommandError("--max-body-mib must be a positive number")
    engine, _handle = _engine(args)
    app = create_app(engine, max_body=int(args.max_body_mib * 1024 * 1024), docs=args.docs)
    # uvicorn re-raises SIGTERM after a graceful shutdown; exiting through Python instead
    # lets the embedded PostgreSQL be stopped by the last process using it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheme = "https" if args.ssl_certfile else "http"
    print(f"mdt-server listening on {scheme}://{args.host}:{args.port}", file=sys.stderr)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level=args.log_level,
        access_log=args.log_level == "debug",
    )
    engine.dispose()
    return 0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdt-server",
        description="The MDT Desktop team server. Subcommands: add-user, revoke-device, "
        "remove-member, disable-user, enable-user (see `mdt-server add-user --help`).",
    )
    _database_args(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--ssl-certfile")
    parser.add_argument("--ssl-keyfile")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--insecure-http",
        action="store_true",
        help="serve plain HTTP on a non-loopback address (only behind a TLS proxy)",
    )
    parser.add_argument("--docs", action="store_true", help="serve the API description at /docs")
    parser.add_argument(
        "--max-body-mib",
        type=float,
        default=8,
        help="largest request body accepted, in MiB (default 8)",
    )
    return parser


def _admin_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mdt-server")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add-user", help="create a user (or reset a password) in a team")
    p.add_argument("name")
    p.add_argument("--team", required=True)
    p.add_argument("--role", required=True, help="gp, district_nurse, social_worker, …")
    _database_args(p)
    p.set_defaults(func=cmd_add_user)
    p = sub.add_parser("revoke-device", help="refuse a lost laptop from now on")
    p.add_argument("name")
    p.add_argument("device_id", type=uuid.UUID)
    _database_args(p)
    p.set_defaults(func=cmd_revoke_device)
    p = sub.add_parser("remove-member", help="take a user out of a team")
    p.add_argument("name")
    p.add_argument("--team", required=True)
    _database_args(p)
    p.set_defaults(func=cmd_remove_member)
    for command, says in (
        ("disable-user", "refuse a user from now on and end every session they hold"),
        ("enable-user", "let a disabled user sign in again"),
    ):
        p = sub.add_parser(command, help=says)
        p.add_argument("name")
        _database_args(p)
        p.set_defaults(func=cmd_set_disabled)
    return parser


_ADMIN_COMMANDS = ("add-user", "revoke-device", "remove-member", "disable-user", "enable-user")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if argv and argv[0] in _ADMIN_COMMANDS:
            args = _admin_parser().parse_args(argv)
            print(json.dumps(args.func(args), indent=2))
            return 0
        return serve(_serve_parser().parse_args(argv))
    except CommandError as exc:
        print(f"mdt-server: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
