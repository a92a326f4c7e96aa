//! The development instance's own pages: the browser script at the path
//! clerk-js has, and a small console at `/__clerk/` where its widgets are
//! mounted (sign in, sign up, account) with the demo accounts listed.

use super::{backend::DevState, store::DEMO_USERS, MOUNT};
use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse},
};

/// Where clerk-js lives on a frontend API.
pub const SCRIPT_PATH: &str = "/npm/@clerk/clerk-js@6/dist/clerk.browser.js";

const SCRIPT: &str = include_str!("clerk.browser.js");

pub async fn script() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}

pub async fn page(State(state): State<DevState>) -> Html<String> {
    let demo_rows: String = DEMO_USERS
        .iter()
        .map(|(email, password, _, _, role, plan)| {
            format!("<tr><td><code>{email}</code></td><td><code>{password}</code></td><td>{role}</td><td>{plan}</td></tr>")
        })
        .collect();
    let pk = state.instance.publishable_key();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clerk development instance · Inkpad</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
body{{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fbfaf7;color:#1d1b16;line-height:1.5}}
main{{width:min(960px,100% - 2rem);margin:2rem auto;display:grid;gap:1.5rem}}
header{{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}}
h1{{font-size:1.5rem;margin:0}} .note{{color:#5b574d;margin:.25rem 0 0}}
table{{border-collapse:collapse;background:#fff;border:1px solid #e4e0d6;border-radius:12px}}
td,th{{padding:.4rem .8rem;text-align:left;border-bottom:1px solid #e4e0d6}}
a{{color:#3b4cca}}
</style>
</head>
<body>
<main>
<header>
  <div>
    <h1>Clerk development instance</h1>
    <p class="note">Local and offline, for development only. Publishable key <code>{pk}</code>.</p>
  </div>
  <div id="account-button"></div>
</header>
<section aria-labelledby="account-heading">
  <h2 id="account-heading">Your account</h2>
  <p id="status" role="status">Loading…</p>
  <div id="account"></div>
</section>
<section aria-labelledby="demo-heading">
  <h2 id="demo-heading">Demo accounts</h2>
  <table><thead><tr><th>Email</th><th>Development password</th><th>Role</th><th>Plan</th></tr></thead><tbody>{demo_rows}</tbody></table>
  <p><a href="/">Back to Inkpad</a></p>
</section>
</main>
<script src="{MOUNT}{SCRIPT_PATH}" data-clerk-publishable-key="{pk}" data-clerk-proxy-url="{MOUNT}"></script>
<script>
(function () {{
  var account = document.getElementById("account");
  var button = document.getElementById("account-button");
  var status = document.getElementById("status");
  var mode = new URLSearchParams(location.search).get("mode") === "sign-up" ? "signUp" : "signIn";
  var shown = null;
  Clerk.load().then(function () {{
    Clerk.addListener(function (s) {{
      if (s.user === undefined) return;
      var next = s.user ? "signedIn" : mode;
      status.textContent = s.user
        ? "Signed in as " + (s.user.fullName || s.user.primaryEmailAddress.emailAddress) + "."
        : "Signed out.";
      if (next === shown) return;
      shown = next;
      Clerk.unmountSignIn(account);
      Clerk.unmountUserButton(button);
      if (next === "signedIn") {{
        Clerk.mountUserButton(button, {{}});
      }} else if (next === "signUp") {{
        Clerk.mountSignUp(account, {{ signInUrl: "{MOUNT}/" }});
      }} else {{
        Clerk.mountSignIn(account, {{ signUpUrl: "{MOUNT}/?mode=sign-up" }});
      }}
    }});
  }});
}})();
</script>
</body>
</html>"#,
        pk = pk.as_str(),
    ))
}
