//! The development instance's console at `/__clerk/`: its mailbox (the
//! codes and links it would have emailed), its users (role and plan),
//! organizations, pending invitations with their links, its webhook deliveries and the demo accounts, with Clerk's widgets
//! mounted for the visitor's own account (sign in, sign up, user button).

use super::{settings::Settings, state::DevState, MOUNT};
use axum::{extract::State, http::Extensions, response::Html};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

/// Where clerk-js lives on a frontend API.
pub const SCRIPT_PATH: &str = clerk_protocol::CLERK_JS_PATH;
/// Where `@clerk/ui` lives on a frontend API.
pub const UI_SCRIPT_PATH: &str = clerk_protocol::CLERK_UI_PATH;

/// The console. Its inline script carries the nonce the app's CSP gives
/// this response. What the app configured (its name, demo accounts,
/// metadata fields) is escaped for where it lands, like any other text.
pub async fn page(State(state): State<DevState>, extensions: Extensions) -> Html<String> {
    let nonce = state.host.csp_nonce(&extensions).unwrap_or_default();
    let nonce = attr(&nonce);
    let settings = state.instance.settings();
    let demo_rows = demo_rows(settings);
    let field_headings: String = settings
        .metadata_fields
        .iter()
        .map(|f| format!("<th>{}</th>", text(&f.label)))
        .collect();
    let fields = script_json(&serde_json::to_value(&settings.metadata_fields).unwrap_or_default());
    let field_names = settings
        .metadata_fields
        .iter()
        .map(|f| f.label.to_lowercase())
        .collect::<Vec<_>>()
        .join(" and ");
    let fields_note = if field_names.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"note\">{} go into public metadata, so each user's next session token carries them.</p>",
            text(&capitalise(&field_names))
        )
    };
    let app_name = text(&settings.app_name);
    let pk = state.instance.publishable_key();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clerk development instance · {app_name}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
body{{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fbfaf7;color:#1d1b16;line-height:1.5}}
main{{width:min(960px,100% - 2rem);margin:2rem auto;display:grid;gap:1.5rem}}
header{{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}}
h1{{font-size:1.5rem;margin:0}} .note{{color:#5b574d;margin:.25rem 0 0}}
table{{border-collapse:collapse;background:#fff;border:1px solid #e4e0d6;border-radius:12px}}
td,th{{padding:.4rem .8rem;text-align:left;border-bottom:1px solid #e4e0d6;vertical-align:top}}
select,button.small{{font:inherit;font-size:.9rem;padding:.2rem .4rem}} .muted{{color:#5b574d;font-size:.85rem}}
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
<section aria-labelledby="mailbox-heading" id="mailbox-section">
  <h2 id="mailbox-heading">Mailbox</h2>
  <p class="note">No mail leaves this machine: every message the instance would send — sign-up, new-address and password-reset codes, invitations — lands here, newest first. Addresses with <code>+clerk_test</code> get no message and take the code <code>424242</code>.</p>
  <div id="mailbox" aria-live="polite">Loading…</div>
</section>
<section aria-labelledby="users-heading">
  <h2 id="users-heading">Users</h2>
  {fields_note}
  <div id="users" aria-live="polite">Loading…</div>
</section>
<section aria-labelledby="orgs-heading">
  <h2 id="orgs-heading">Organizations</h2>
  <div id="organizations" aria-live="polite">Loading…</div>
</section>
<section aria-labelledby="invitations-heading">
  <h2 id="invitations-heading">Pending invitations</h2>
  <p class="note">No mail leaves this machine: each invitation's link is here, as its email would carry it. Opening it signs the invitee in and adds them to the organization.</p>
  <div id="invitations" aria-live="polite">Loading…</div>
</section>
<section aria-labelledby="webhooks-heading">
  <h2 id="webhooks-heading">Webhooks</h2>
  <p class="note">Newest first. Delivered events can be sent again; receivers dedupe on <code>svix-id</code>.</p>
  <div id="webhooks" aria-live="polite">Loading…</div>
</section>
<section aria-labelledby="demo-heading">
  <h2 id="demo-heading">Demo accounts</h2>
  <table><thead><tr><th>Email</th><th>Development password</th>{field_headings}</tr></thead><tbody>{demo_rows}</tbody></table>
  <p><a href="/">Back to {app_name}</a></p>
</section>
</main>
<script src="{MOUNT}{UI_SCRIPT_PATH}"></script>
<script src="{MOUNT}{SCRIPT_PATH}" data-clerk-publishable-key="{pk}" data-clerk-proxy-url="{MOUNT}"></script>
<script nonce="{nonce}">
(function () {{
  var account = document.getElementById("account");
  var button = document.getElementById("account-button");
  var status = document.getElementById("status");
  var mode = new URLSearchParams(location.search).get("mode") === "sign-up" ? "signUp" : "signIn";
  var shown = null;
  var fields = {fields};
  var api = function (path, body) {{
    return fetch("{MOUNT}/console/api" + path, body === undefined ? {{}} : {{
      method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify(body)
    }}).then(function (r) {{
      return r.json().then(function (d) {{
        if (!r.ok) throw new Error((d.errors && d.errors[0] && d.errors[0].long_message) || "Request failed");
        return d;
      }});
    }});
  }};
  function h(tag, text, attrs) {{
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) n.textContent = text;
    Object.keys(attrs || {{}}).forEach(function (k) {{ n.setAttribute(k, attrs[k]); }});
    return n;
  }}
  // A table's heading row, built as nodes: the console writes no HTML strings.
  function head(columns) {{
    var thead = h("thead"), row = thead.appendChild(h("tr"));
    columns.forEach(function (c) {{ row.appendChild(h("th", c)); }});
    return thead;
  }}
  function when(ms) {{ return ms ? new Date(ms).toLocaleTimeString() : "—"; }}
  function choose(label, value, options, onChange) {{
    var s = h("select", null, {{ "aria-label": label }});
    options.forEach(function (o) {{ var opt = h("option", o); opt.value = o; s.appendChild(opt); }});
    s.value = value;
    s.addEventListener("change", function () {{ onChange(s.value); }});
    return s;
  }}
  function loadUsers() {{
    return api("/users").then(function (users) {{
      var table = h("table");
      table.appendChild(head(["User"].concat(fields.map(function (f) {{ return f.label; }}), ["Sessions"])));
      var body = table.appendChild(h("tbody"));
      users.forEach(function (u) {{
        var row = body.appendChild(h("tr", null, {{ "data-user": u.email || u.id }}));
        var who = row.appendChild(h("td"));
        who.appendChild(h("div", [u.first_name, u.last_name].filter(Boolean).join(" ") || "—"));
        who.appendChild(h("div", u.email, {{ class: "muted" }}));
        var name = u.email || u.id;
        fields.forEach(function (f) {{
          row.appendChild(h("td")).appendChild(choose(f.label + " for " + name, u[f.key], f.choices, function (v) {{
            var change = {{}};
            change[f.key] = v;
            api("/users/" + u.id + "/access", change).then(refreshAll, alert);
          }}));
        }});
        var cell = row.appendChild(h("td"));
        if (!u.sessions.length) cell.appendChild(h("span", "none", {{ class: "muted" }}));
        u.sessions.forEach(function (s) {{
          var line = cell.appendChild(h("div", s.status + " · active " + when(s.last_active_at) + " "));
          if (s.status === "active") {{
            var b = line.appendChild(h("button", "Revoke", {{ class: "small", type: "button", "aria-label": "Revoke session of " + name }}));
            b.addEventListener("click", function () {{ api("/sessions/" + s.id + "/revoke", {{}}).then(refreshAll, alert); }});
            var age = s.factor_verification_age ? s.factor_verification_age[0] : 0;
            line.appendChild(h("span", " · verified " + age + " min ago ", {{ class: "muted" }}));
            var e = line.appendChild(h("button", "Expire", {{ class: "small", type: "button",
              "aria-label": "Expire the step-up check of " + name,
              title: "Backdate this session's last verification by a day, so step-up asks again" }}));
            e.addEventListener("click", function () {{ api("/sessions/" + s.id + "/verified", {{ minutes_ago: 1441 }}).then(refreshAll, alert); }});
          }}
        }});
      }});
      document.getElementById("users").replaceChildren(table);
    }});
  }}
  function loadWebhooks() {{
    return api("/webhooks").then(function (events) {{
      var table = h("table");
      table.appendChild(head(["Event", "Status", "Attempts", ""]));
      var body = table.appendChild(h("tbody"));
      events.forEach(function (e) {{
        var row = body.appendChild(h("tr"));
        var what = row.appendChild(h("td"));
        what.appendChild(h("div", e.event_type));
        what.appendChild(h("div", e.id + " · " + when(e.created_at), {{ class: "muted" }}));
        var last = e.attempts_log[0];
        row.appendChild(h("td", e.delivered_at ? "delivered " + when(e.delivered_at)
          : "pending, next " + when(e.next_attempt_at) + (last ? " (last: " + (last.status || last.error || "no answer") + ")" : "")));
        row.appendChild(h("td", String(e.attempts)));
        var b = row.appendChild(h("td")).appendChild(h("button", "Redeliver", {{ class: "small", type: "button" }}));
        b.addEventListener("click", function () {{ api("/webhooks/" + e.id + "/redeliver", {{}}).then(refreshAll, alert); }});
      }});
      document.getElementById("webhooks").replaceChildren(events.length ? table : h("p", "No events yet."));
    }});
  }}
  function loadOrganizations() {{
    return api("/organizations").then(function (orgs) {{
      var table = h("table");
      table.appendChild(head(["Organization", "Members"]));
      var body = table.appendChild(h("tbody"));
      orgs.forEach(function (o) {{
        var row = body.appendChild(h("tr", null, {{ "data-organization": o.slug }}));
        var what = row.appendChild(h("td"));
        what.appendChild(h("div", o.name));
        what.appendChild(h("div", o.slug + " · " + o.id, {{ class: "muted" }}));
        var cell = row.appendChild(h("td"));
        o.members.forEach(function (m) {{ cell.appendChild(h("div", (m.identifier || m.user_id) + " · " + m.role)); }});
      }});
      document.getElementById("organizations").replaceChildren(orgs.length ? table : h("p", "No organizations yet."));
    }});
  }}
  function loadInvitations() {{
    return api("/invitations").then(function (invitations) {{
      var table = h("table");
      table.appendChild(head(["To", "Organization", "Role", "Link"]));
      var body = table.appendChild(h("tbody"));
      invitations.forEach(function (i) {{
        var row = body.appendChild(h("tr", null, {{ "data-invitation": i.email_address }}));
        row.appendChild(h("td", i.email_address));
        row.appendChild(h("td", i.organization_name));
        row.appendChild(h("td", i.role));
        row.appendChild(h("td")).appendChild(h("a", "Accept invitation", {{ href: i.accept_url, "aria-label": "Accept the invitation of " + i.email_address + " to " + i.organization_name }}));
      }});
      document.getElementById("invitations").replaceChildren(invitations.length ? table : h("p", "No pending invitations."));
    }});
  }}
  function loadMailbox() {{
    return api("/mailbox").then(function (messages) {{
      var table = h("table");
      table.appendChild(head(["Sent", "To", "Subject", "Code or link"]));
      var body = table.appendChild(h("tbody"));
      messages.forEach(function (m) {{
        var row = body.appendChild(h("tr", null, {{ "data-message-to": m.to }}));
        row.appendChild(h("td", when(m.created_at)));
        row.appendChild(h("td", m.to));
        var what = row.appendChild(h("td"));
        what.appendChild(h("div", m.subject));
        what.appendChild(h("div", m.body, {{ class: "muted" }}));
        var cell = row.appendChild(h("td"));
        if (m.code) cell.appendChild(h("code", m.code, {{ "data-code": "" }}));
        if (m.link) cell.appendChild(h("a", "Open link", {{ href: m.link, "aria-label": "Open the link sent to " + m.to }}));
      }});
      document.getElementById("mailbox").replaceChildren(messages.length ? table : h("p", "No messages yet."));
    }});
  }}
  function refreshAll() {{ return Promise.all([loadMailbox(), loadUsers(), loadOrganizations(), loadInvitations(), loadWebhooks()]); }}
  refreshAll();
  setInterval(function () {{ loadMailbox(); loadWebhooks(); }}, 5000);
  // Clerk's clerk-js 6 takes its widgets from @clerk/ui's constructor.
  var ui = window.__internal_ClerkUICtor ? {{ ClerkUI: window.__internal_ClerkUICtor }} : undefined;
  // Signing in, up or out here stays here, not on the app's pages; the
  // widgets follow the session through the listener below, so arriving
  // "here" again needs no reload (Clerk navigates through routerPush).
  var here = "{MOUNT}/";
  var go = function (to) {{
    if (new URL(to, location.href).pathname !== location.pathname) location.assign(to);
  }};
  Clerk.load({{
    ui: ui, signInUrl: here, signUpUrl: here + "?mode=sign-up", afterSignOutUrl: here,
    signInForceRedirectUrl: here, signUpForceRedirectUrl: here, routerPush: go, routerReplace: go
  }}).then(function () {{
    Clerk.addListener(function (s) {{
      if (s.user === undefined) return;
      var next = s.user ? "signedIn" : mode;
      status.textContent = s.user
        ? "Signed in as " + (s.user.fullName || s.user.primaryEmailAddress.emailAddress) + "."
        : "Signed out.";
      if (next === shown) return;
      shown = next;
      Clerk.unmountSignIn(account);
      Clerk.unmountSignUp(account);
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
        nonce = nonce,
    ))
}

/// The demo accounts' table rows: email, password, then each metadata
/// field's seeded value.
fn demo_rows(settings: &Settings) -> String {
    settings
        .demo_users
        .iter()
        .map(|user| {
            let values: String = settings
                .metadata_fields
                .iter()
                .map(|f| {
                    let value = user
                        .public_metadata
                        .iter()
                        .find(|(k, _)| *k == f.key)
                        .map_or("", |(_, v)| v.as_str());
                    format!("<td>{}</td>", text(value))
                })
                .collect();
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td>{values}</tr>",
                text(&user.email),
                text(&user.password)
            )
        })
        .collect()
}

/// JSON for inside a `<script>`: no `<`, `>` or `&` survives as itself, so
/// no value can close the element or open a comment.
fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{DemoUser, MetadataField};

    #[test]
    fn configured_text_cannot_leave_its_element() {
        let hostile = "</script><script>alert(1)</script>&";
        let json = script_json(&serde_json::json!([{"label": hostile}]));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["label"], hostile);

        let settings = Settings {
            metadata_fields: vec![MetadataField::new("role", "Role", &["member"])],
            demo_users: vec![DemoUser {
                email: "<b>@x.dev".into(),
                password: "p<w".into(),
                first_name: String::new(),
                last_name: String::new(),
                public_metadata: vec![("role".into(), "<i>".into())],
            }],
            ..Settings::default()
        };
        let rows = demo_rows(&settings);
        assert!(rows.contains("&lt;b&gt;@x.dev") && rows.contains("p&lt;w"));
        assert!(rows.contains("<td>&lt;i&gt;</td>"), "{rows}");
    }
}
