// Clerk's own server SDK (@clerk/backend's authenticateRequest, what
// clerkMiddleware runs) against the development instance with its
// development keys: page loads with and without a dev browser, and the
// nonce handshake followed through the instance and redeemed through its
// Backend API. Run by tests/compat.rs against a live app; prints one JSON
// line.
import { createClerkClient } from "@clerk/backend";

const env = process.env;
const clerk = createClerkClient({
  publishableKey: env.PK,
  secretKey: env.SECRET_KEY,
  apiUrl: env.API_URL,
});
const options = { authorizedParties: [env.APP_URL] };
// A browser loading a page of the app.
const page = (url, cookies) =>
  new Request(url, {
    headers: { cookie: cookies, "sec-fetch-dest": "document", accept: "text/html" },
  });
const summary = (state) => ({
  status: state.status,
  reason: state.reason ?? null,
  user: state.status === "signed-in" ? state.toAuth().userId : null,
  location: state.headers.get("location"),
  cookies: state.headers.getSetCookie().map((c) => c.split(";")[0]),
});
// Follows a handshake redirect to the instance (plain HTTP on loopback,
// where the SDK writes https) and returns where the instance sends the
// browser back to.
const followHandshake = async (location) => {
  const url = new URL(location);
  url.protocol = "http:";
  const res = await fetch(url, { redirect: "manual" });
  return new URL(res.headers.get("location"), env.APP_URL).href;
};

const out = {};
const signedIn = `__session=${env.TOKEN}; __client_uat=${env.CLIENT_UAT}`;

// A signed-in page load carrying the dev browser cookie.
out.with_dev_browser = summary(
  await clerk.authenticateRequest(page(`${env.APP_URL}/dashboard`, `${signedIn}; __clerk_db_jwt=${env.DVB}`), options),
);

// The same without it: a handshake to get one.
const missing = await clerk.authenticateRequest(page(`${env.APP_URL}/dashboard`, signedIn), options);
out.without_dev_browser = summary(missing);
// Followed: the instance makes a new (signed-out) dev browser and answers
// with a nonce, which the SDK redeems for the cookies.
out.missing_resolved = summary(
  await clerk.authenticateRequest(page(await followHandshake(missing.headers.get("location")), ""), options),
);

// A dev browser in the URL is synced.
out.sync = summary(
  await clerk.authenticateRequest(page(`${env.APP_URL}/pricing?__clerk_db_jwt=${env.DVB}`, ""), options),
);

// The client says signed in but the page has no session token: the
// handshake, with the dev browser, comes back with a nonce that signs the
// browser in.
const stale = await clerk.authenticateRequest(
  page(`${env.APP_URL}/dashboard?tab=posts`, `__client_uat=${env.CLIENT_UAT}; __clerk_db_jwt=${env.DVB}`),
  options,
);
out.stale = summary(stale);
const back = await followHandshake(stale.headers.get("location"));
out.back = back.replace(/__clerk_handshake_nonce=[^&]+/, "__clerk_handshake_nonce=…");
out.resolved = summary(await clerk.authenticateRequest(page(back, ""), options));
// The nonce is spent.
out.replayed = summary(await clerk.authenticateRequest(page(back, `__clerk_db_jwt=${env.DVB}`), options));

console.log(JSON.stringify(out));
