"""Signing a webhook as the Standard Webhooks specification says, with its own package (the
`notices` extra), so that receivers can check it with any of its libraries."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from complaintflow.errors import MissingExtra
from complaintflow.extras import install_hint

SECRET_PREFIX = "whsec_"
#: Bytes of key in a new secret: the specification asks for between 24 and 64.
SECRET_BYTES = 32


def new_secret() -> tuple[str, str]:
    """A new secret as shown once (`whsec_...`), and the key a store keeps to sign with."""
    key = base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
    return SECRET_PREFIX + key, key


def _webhook(key: str) -> Any:
    try:
        from standardwebhooks.webhooks import Webhook
    except ImportError:
        raise MissingExtra(f"signed webhooks need the notices extra: {install_hint('notices')}") from None
    return Webhook(key)


def signature_headers(key: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The three headers of a signed webhook: its id, its timestamp and its signature."""
    signature: str = _webhook(key).sign(message_id, timestamp, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
