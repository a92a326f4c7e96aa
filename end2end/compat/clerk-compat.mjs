// Checks the development instance with Clerk's and Svix's official Node
// libraries. Run by tests/compat.rs against a live app; prints one JSON line.
import { verifyToken, createClerkClient } from "@clerk/backend";
import { Webhook } from "svix";

const env = process.env;
const out = {};
// verifyToken returns the claims and throws when the token is refused.
const outcome = (promise) => promise.then(() => "accepted", () => "rejected");

// Networkless, with the instance's PEM public key and the token's azp.
const viaPem = await verifyToken(env.TOKEN, { jwtKey: env.JWT_KEY, authorizedParties: [env.AZP] });
out.pem_sub = viaPem.sub;

// With the secret key: the JWKS comes from the instance's Backend API.
const viaJwks = await verifyToken(env.TOKEN, { secretKey: env.SECRET_KEY, apiUrl: env.API_URL });
out.jwks_sub = viaJwks.sub;
out.metadata = viaJwks.metadata;

out.tampered = await outcome(verifyToken(env.TOKEN.slice(0, -4) + "AAAA", { jwtKey: env.JWT_KEY }));
out.wrong_party = await outcome(
  verifyToken(env.TOKEN, { jwtKey: env.JWT_KEY, authorizedParties: ["https://evil.example"] }),
);

const clerk = createClerkClient({ secretKey: env.SECRET_KEY, apiUrl: env.API_URL });
const user = await clerk.users.getUser(env.USER_ID);
out.user = {
  id: user.id,
  email: user.primaryEmailAddress?.emailAddress,
  firstName: user.firstName,
  publicMetadata: user.publicMetadata,
};
const list = await clerk.users.getUserList({ limit: 2, orderBy: "created_at" });
out.list = { count: list.data.length, total: list.totalCount, first: list.data[0]?.primaryEmailAddress?.emailAddress };
const updated = await clerk.users.updateUserMetadata(env.USER_ID, {
  publicMetadata: { compat: "yes" },
  privateMetadata: { note: "kept private" },
});
out.updated = { publicMetadata: updated.publicMetadata, privateMetadata: updated.privateMetadata };

const event = await new Webhook(env.WHSEC).verify(env.WEBHOOK_BODY, {
  "svix-id": env.WEBHOOK_ID,
  "svix-timestamp": env.WEBHOOK_TS,
  "svix-signature": env.WEBHOOK_SIG,
});
out.webhook = { type: event.type, object: event.object };
try {
  await new Webhook(env.WHSEC).verify(env.WEBHOOK_BODY + " ", {
    "svix-id": env.WEBHOOK_ID,
    "svix-timestamp": env.WEBHOOK_TS,
    "svix-signature": env.WEBHOOK_SIG,
  });
  out.webhook_tampered = "accepted";
} catch {
  out.webhook_tampered = "rejected";
}

console.log(JSON.stringify(out));
