"""The official Python `svix` library verifying one of the development
instance's webhook deliveries (and refusing it once tampered with).
Reads WHSEC, WEBHOOK_ID, WEBHOOK_TS, WEBHOOK_SIG and WEBHOOK_BODY from the
environment; prints one JSON line."""
import json
import os

from svix.webhooks import Webhook, WebhookVerificationError

env = os.environ
headers = {
    "svix-id": env["WEBHOOK_ID"],
    "svix-timestamp": env["WEBHOOK_TS"],
    "svix-signature": env["WEBHOOK_SIG"],
}
out = {}
# verify() raises on a bad signature (this version returns nothing).
Webhook(env["WHSEC"]).verify(env["WEBHOOK_BODY"], headers)
event = json.loads(env["WEBHOOK_BODY"])
out["webhook"] = {"type": event["type"], "object": event["object"]}
try:
    Webhook(env["WHSEC"]).verify(env["WEBHOOK_BODY"] + " ", headers)
    out["webhook_tampered"] = "accepted"
except WebhookVerificationError:
    out["webhook_tampered"] = "rejected"
print(json.dumps(out))
