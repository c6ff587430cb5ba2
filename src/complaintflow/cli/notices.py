"""`complaintflow notify`, `deliver` and `webhooks add|list|remove|failed|resend`: the notices
owed by a day, their delivery, and the hosts subscribed to them."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from complaintflow.cli.common import Parser, add_store_option, iso_date
from complaintflow.cli.sources import open_store
from complaintflow.dates import london_today
from complaintflow.store.base import EventStore

_NO_LOG_OPTIONS = {"procedure": None, "extra_holiday": None}


def add_commands(commands: Any) -> None:

    def store_command(parser: argparse.ArgumentParser, run: Callable[..., int]) -> None:
        add_store_option(parser, "the store", required=True)
        parser.set_defaults(run=lambda args: run(open_store(args), args), **_NO_LOG_OPTIONS)

    notify = commands.add_parser("notify", help="make the notices owed by a day (safe to run hourly)")
    notify.add_argument(
        "--as-of", type=iso_date, default=london_today(), metavar="DATE", help="default: today in London"
    )
    store_command(notify, _notify)
    deliver = commands.add_parser("deliver", help="send the outbox's notices to the webhooks")
    deliver.add_argument("--once", action="store_true", help="send what is due now, then stop")
    deliver.add_argument(
        "--forbid-private",
        action="store_true",
        help="never send to private, link-local or other internal addresses",
    )
    store_command(deliver, _deliver)
    webhooks = commands.add_parser("webhooks", help="subscribe hosts to notices")
    operations = webhooks.add_subparsers(dest="operation", required=True, parser_class=Parser)
    add = operations.add_parser("add", help="subscribe a URL; prints its signing secret, once")
    add.add_argument("url", metavar="URL", help="https://... (http:// only to this machine)")
    add.add_argument(
        "--kinds",
        required=True,
        metavar="KINDS",
        help="notice kinds, comma-separated: approaching,due,missed",
    )
    store_command(add, _add)
    store_command(operations.add_parser("list", help="list the subscriptions"), _list)
    remove = operations.add_parser("remove", help="remove a subscription")
    remove.add_argument("subscription_id", metavar="ID")
    store_command(remove, _remove)
    store_command(operations.add_parser("failed", help="list deliveries held as failed"), _failed)
    resend = operations.add_parser("resend", help="send a notice's failed deliveries again")
    resend.add_argument("notice_id", metavar="NOTICE_ID")
    store_command(resend, _resend)


def _notify(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import notify

    result = notify(store, args.as_of)
    events = f", {result.case_events} case events queued" if result.case_events else ""
    print(f"{args.as_of.isoformat()}: {result.made} notices made, {result.withdrawn} withdrawn{events}")
    return 0


def _deliver(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import Limits, deliver_once, run_worker

    limits = Limits(allow_private=not args.forbid_private)
    if args.once:
        print(f"{deliver_once(store, limits)} deliveries landed")
        return 0
    stop = threading.Event()
    try:
        run_worker(store, stop, limits)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _add(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import add_subscription

    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    subscription, secret = add_subscription(store, args.url, kinds)
    print(json.dumps({"subscription_id": subscription.subscription_id, "secret": secret}))
    print("keep this secret safe: it signs every delivery and is not shown again", file=sys.stderr)
    return 0


def _list(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import list_subscriptions

    for subscription in list_subscriptions(store):
        kinds = ",".join(subscription.kinds)
        print(f"{subscription.subscription_id}  {subscription.created_on}  {kinds:<28} {subscription.url}")
    return 0


def _remove(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import remove_subscription

    remove_subscription(store, args.subscription_id)
    return 0


def _failed(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import failed_deliveries

    for failed in failed_deliveries(store):
        print(f"{failed.notice_id}  {failed.subscription_id}  {failed.attempts} tries  {failed.last_error}")
    return 0


def _resend(store: EventStore, args: argparse.Namespace) -> int:
    from complaintflow.notices import resend

    print(f"{resend(store, args.notice_id)} deliveries to be tried again")
    return 0
