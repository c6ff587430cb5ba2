"""Telling people, once: notices about deadlines made into the store's outbox, and webhooks that
deliver them, signed, to the hosts that subscribe.

Above the store and below the command line and the service. `standardwebhooks` is imported only
here (in `signing`), when a webhook is signed: install the `notices` extra to deliver.
"""

from complaintflow.notices.delivery import (
    FailedDelivery,
    deliver_once,
    failed_deliveries,
    resend,
    run_worker,
)
from complaintflow.notices.outbox import (
    Notice,
    NoticeError,
    NotifyResult,
    StoredNotice,
    list_notices,
    notify,
    owed,
)
from complaintflow.notices.sending import DeliveryFailed, Limits
from complaintflow.notices.subscriptions import (
    Subscription,
    SubscriptionError,
    add_subscription,
    list_subscriptions,
    remove_subscription,
)

__all__ = [
    "DeliveryFailed",
    "FailedDelivery",
    "Limits",
    "Notice",
    "NoticeError",
    "NotifyResult",
    "StoredNotice",
    "Subscription",
    "SubscriptionError",
    "add_subscription",
    "deliver_once",
    "failed_deliveries",
    "list_notices",
    "list_subscriptions",
    "notify",
    "owed",
    "remove_subscription",
    "resend",
    "run_worker",
]
