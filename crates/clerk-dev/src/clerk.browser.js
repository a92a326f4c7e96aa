/* The development instance's own clerk-js: the subset of Clerk's browser API, as
 * window.Clerk. Plain JavaScript, no build step. It talks to the instance's
 * frontend API through the proxy path and keeps the app's __session and
 * __client_uat cookies fresh. Development only. */
(function () {
  "use strict";
  var script = document.currentScript;
  var proxy = (script && script.getAttribute("data-clerk-proxy-url")) || "/__clerk";
  proxy = proxy.replace(/\/$/, "");

  var listeners = [];
  var mounted = new Map();
  var refreshTimer = null;

  function api(method, path, body) {
    return fetch(proxy + "/v1" + path, {
      method: method,
      credentials: "same-origin",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var first = (data.errors && data.errors[0]) || {};
          var err = new Error(first.long_message || first.message || "Something went wrong. Please try again.");
          err.code = first.code;
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  function setCookie(name, value, maxAge) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    var age = maxAge === undefined ? "" : "; Max-Age=" + maxAge;
    document.cookie = name + "=" + value + "; Path=/" + age + "; SameSite=Lax" + secure;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  var uid = 0;
  function field(label, type, name, autocomplete, extra) {
    var id = "clerk-" + name + "-" + ++uid;
    var input = el("input", Object.assign({ id: id, name: name, type: type, autocomplete: autocomplete, class: "cl-input" }, extra || {}));
    return { row: el("div", { class: "cl-field" }, [el("label", { for: id, text: label, class: "cl-label" }), input]), input: input };
  }

  function safeRedirect(target) {
    if (!target) return null;
    try {
      var url = new URL(target, location.origin);
      if (url.origin !== location.origin || /[\\\s]/.test(target) || target.indexOf("//") === 0) return null;
      return url.pathname + url.search + url.hash;
    } catch (e) {
      return null;
    }
  }

  // Clerk's order: forceRedirectUrl, then the redirect_url query, then
  // fallbackRedirectUrl.
  function afterAuth(props) {
    var fromQuery = new URLSearchParams(location.search).get("redirect_url");
    var target = safeRedirect(props.forceRedirectUrl) || safeRedirect(fromQuery) || safeRedirect(props.fallbackRedirectUrl) || null;
    if (target) location.assign(target);
  }

  function sessionObject(raw) {
    function verification(data) {
      if (data.client) Clerk.client = data.client;
      return data.response;
    }
    return {
      id: raw.id,
      status: raw.status,
      user: raw.user,
      factorVerificationAge: raw.factor_verification_age || null,
      /* Reverification, as clerk-js's Session resource offers it. */
      startVerification: function (params) {
        return api("POST", "/client/sessions/" + raw.id + "/verify", { level: (params && params.level) || "first_factor" }).then(verification);
      },
      attemptFirstFactorVerification: function (params) {
        return api("POST", "/client/sessions/" + raw.id + "/verify/attempt_first_factor", {
          strategy: params && params.strategy,
          password: params && params.password,
        }).then(verification);
      },
      /* Tokens are always fetched fresh here, so `skipCache` changes nothing. */
      getToken: function () {
        return api("POST", "/client/sessions/" + raw.id + "/tokens").then(function (data) {
          setCookie("__session", data.jwt);
          // When the client last changed, on the server's clock: never
          // later than this token's iat, whatever the browser's clock says.
          var updated = Clerk.client && Clerk.client.updated_at;
          setCookie("__client_uat", Math.floor((updated || Date.now()) / 1000), 315360000);
          return data.jwt;
        });
      },
    };
  }

  function userObject(raw) {
    if (!raw) return null;
    var primary = (raw.email_addresses || []).filter(function (e) { return e.id === raw.primary_email_address_id; })[0];
    return Object.assign({}, raw, {
      firstName: raw.first_name,
      lastName: raw.last_name,
      fullName: [raw.first_name, raw.last_name].filter(Boolean).join(" ") || null,
      primaryEmailAddress: primary ? { emailAddress: primary.email_address } : null,
      publicMetadata: raw.public_metadata || {},
      imageUrl: raw.image_url,
      /* As clerk-js's User resource: deletes this account (DELETE /v1/me). */
      delete: function () {
        return api("DELETE", "/me").then(function (data) { return data.response; });
      },
    });
  }

  function state() {
    if (!Clerk.loaded) return { client: undefined, session: undefined, user: undefined };
    return { client: Clerk.client, session: Clerk.session, user: Clerk.user };
  }

  function emit() {
    listeners.slice().forEach(function (cb) {
      try { cb(state()); } catch (e) { console.warn("Clerk listener failed", e); }
    });
    mounted.forEach(function (entry) { entry.render(); });
  }

  /* Reads the client and, when signed in, refreshes the session token. */
  function applyClient(data) {
    var client = data.client;
    var active = client && client.sessions && client.sessions[0];
    Clerk.client = client || null;
    Clerk.session = active ? sessionObject(active) : null;
    Clerk.user = active ? userObject(active.user) : null;
    Clerk.isSignedIn = !!active;
    if (!active) {
      setCookie("__session", "", 0);
      setCookie("__client_uat", "0", 315360000);
      return Promise.resolve();
    }
    return Clerk.session.getToken();
  }

  function refresh() {
    return api("GET", "/client")
      .then(applyClient)
      .catch(function (e) { console.warn("Clerk refresh failed:", e.message); });
  }

  var Clerk = {
    loaded: false,
    isSignedIn: false,
    client: undefined,
    session: undefined,
    user: undefined,
    load: function () {
      if (Clerk.loaded) return Promise.resolve(Clerk);
      return refresh().then(function () {
        Clerk.loaded = true;
        /* Tokens live 60 s: refresh about every 50 s, and when the tab returns. */
        refreshTimer = setInterval(function () { if (Clerk.isSignedIn) refresh().then(emit); }, 50000);
        window.addEventListener("focus", function () { refresh().then(emit); });
        emit();
        return Clerk;
      });
    },
    addListener: function (cb) {
      listeners.push(cb);
      cb(state());
      return function () { listeners = listeners.filter(function (l) { return l !== cb; }); };
    },
    signOut: function (opts) {
      var done = function () {
        return applyClient({ client: null }).then(function () {
          emit();
          var target = safeRedirect(opts && opts.redirectUrl);
          if (target) location.assign(target);
        });
      };
      if (!Clerk.session) return done();
      return api("POST", "/client/sessions/" + Clerk.session.id + "/end").then(done, done);
    },
    mountSignIn: function (node, props) { mount(node, "signIn", props || {}); },
    unmountSignIn: function (node) { unmount(node); },
    mountSignUp: function (node, props) { mount(node, "signUp", props || {}); },
    unmountSignUp: function (node) { unmount(node); },
    mountUserButton: function (node, props) { mount(node, "userButton", props || {}); },
    unmountUserButton: function (node) { unmount(node); },
    openUserProfile: function (props) { openUserProfile(props); },
    openSignIn: function (props) {
      var overlay = el("div", { class: "cl-modal", role: "dialog", "aria-modal": "true", "aria-label": "Sign in" });
      var box = el("div", { class: "cl-modal-box" });
      overlay.appendChild(box);
      overlay.addEventListener("click", function (e) { if (e.target === overlay) close(); });
      overlay.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
      function close() { unmount(box); overlay.remove(); }
      document.body.appendChild(overlay);
      mount(box, "signIn", props || {});
    },
  };

  /* "Manage account": the name, and (as Clerk's UserProfile offers when
   * self-deletion is enabled) deleting the account. Deleting asks for the
   * password again: the instance refuses it unless the password was
   * confirmed in the last ten minutes. */
  function openUserProfile(props) {
    props = props || {};
    var user = Clerk.user;
    if (!user) return;
    var dialog = el("div", { class: "cl-modal", role: "dialog", "aria-modal": "true", "aria-label": "Manage account" });
    function close() {
      dialog.remove();
      if (props.returnFocus) props.returnFocus.focus();
    }
    var first = field("First name", "text", "first_name", "given-name");
    var last = field("Last name", "text", "last_name", "family-name");
    first.input.value = user.first_name || "";
    last.input.value = user.last_name || "";
    var cancel = el("button", { type: "button", class: "cl-link", text: "Cancel", onclick: close });
    var names = form("Manage account", [first, last], "Save", "Saving…", function () {
      return api("PATCH", "/me", { first_name: first.input.value, last_name: last.input.value })
        .then(refresh)
        .then(function () { close(); emit(); });
    }, cancel);

    var password = field("Your password", "password", "password", "current-password", { required: "" });
    var back = el("button", { type: "button", class: "cl-link", text: "Keep my account" });
    var confirm = form("Delete account", [password], "Delete my account", "Deleting…", function () {
      if (!password.input.value) return Promise.reject(new Error("Enter your password to confirm."));
      var session = Clerk.session;
      return session.startVerification({ level: "first_factor" })
        .then(function () { return session.attemptFirstFactorVerification({ strategy: "password", password: password.input.value }); })
        .then(function () { return Clerk.user.delete(); })
        .then(function () { return applyClient({ client: null }); })
        .then(function () {
          dialog.remove();
          emit();
          location.assign(safeRedirect(props.afterSignOutUrl) || "/");
        });
    }, back);
    confirm.classList.add("cl-danger");
    confirm.insertBefore(el("p", { class: "cl-hint", text: "This deletes your account and everything this app holds about you. It cannot be undone." }), password.row);
    var reveal = el("button", { type: "button", class: "cl-link cl-danger-link", text: "Delete account…" });
    var danger = el("div", { class: "cl-card" }, [reveal]);
    /* One step at a time: the name, or the deletion, never both. */
    function show(deleting) {
      names.hidden = deleting;
      danger.hidden = deleting;
      confirm.hidden = !deleting;
      (deleting ? password.input : first.input).focus();
    }
    reveal.addEventListener("click", function () { show(true); });
    back.addEventListener("click", function () { password.input.value = ""; show(false); });
    dialog.addEventListener("click", function (e) { if (e.target === dialog) close(); });
    dialog.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
    dialog.appendChild(el("div", { class: "cl-stack" }, [names, danger, confirm]));
    document.body.appendChild(dialog);
    show(false);
  }

  function unmount(node) {
    if (mounted.has(node)) {
      mounted.delete(node);
      node.replaceChildren();
    }
  }

  function mount(node, kind, props) {
    unmount(node);
    var entry = { render: function () {} };
    mounted.set(node, entry);
    if (kind === "userButton") {
      entry.render = function () { renderUserButton(node, props); };
      entry.render();
    } else {
      /* Forms render once: re-rendering would wipe what the user typed. */
      node.replaceChildren(kind === "signIn" ? signInForm(props) : signUpForm(props));
    }
  }

  function form(title, fields, submitLabel, busyLabel, submit, footer) {
    var error = el("p", { class: "cl-error", role: "alert" });
    var button = el("button", { type: "submit", class: "cl-button", text: submitLabel });
    var f = el("form", { class: "cl-card", novalidate: "" }, [el("h2", { class: "cl-title", text: title })]
      .concat(fields.map(function (x) { return x.row; }))
      .concat([error, button, footer]));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      error.textContent = "";
      button.disabled = true;
      button.textContent = busyLabel;
      f.setAttribute("aria-busy", "true");
      submit()
        .catch(function (err) { error.textContent = err.message; })
        .then(function () {
          button.disabled = false;
          button.textContent = submitLabel;
          f.removeAttribute("aria-busy");
        });
    });
    return f;
  }

  function signInForm(props) {
    var email = field("Email address", "email", "identifier", "username", { required: "" });
    var password = field("Password", "password", "password", "current-password", { required: "" });
    var footer = el("p", { class: "cl-footer" }, [
      document.createTextNode("No account? "),
      el("a", { href: props.signUpUrl || "/sign-up" + location.search, text: "Sign up" }),
    ]);
    return form("Sign in", [email, password], "Continue", "Signing in…", function () {
      if (!email.input.value.trim() || !password.input.value) {
        return Promise.reject(new Error("Enter your email address and password."));
      }
      return api("POST", "/client/sign_ins", { identifier: email.input.value.trim(), password: password.input.value })
        .then(applyClient)
        .then(function () { emit(); afterAuth(props); });
    }, footer);
  }

  function signUpForm(props) {
    var first = field("First name", "text", "first_name", "given-name");
    var last = field("Last name", "text", "last_name", "family-name");
    var email = field("Email address", "email", "email_address", "email", { required: "" });
    var password = field("Password", "password", "password", "new-password", { required: "", minlength: "8", "aria-describedby": "" });
    var hint = el("p", { class: "cl-hint", id: "clerk-password-hint-" + ++uid, text: "At least 8 characters." });
    password.input.setAttribute("aria-describedby", hint.id);
    password.row.appendChild(hint);
    var footer = el("p", { class: "cl-footer" }, [
      document.createTextNode("Have an account? "),
      el("a", { href: props.signInUrl || "/sign-in" + location.search, text: "Sign in" }),
    ]);
    var start = form("Create your account", [first, last, email, password], "Create account", "Creating account…", function () {
      if (!email.input.value.trim()) return Promise.reject(new Error("Enter your email address."));
      if (password.input.value.length < 8) return Promise.reject(new Error("Passwords must be 8 characters or more."));
      return api("POST", "/client/sign_ups", {
        email_address: email.input.value.trim(),
        password: password.input.value,
        first_name: first.input.value,
        last_name: last.input.value,
      }).then(function (data) {
        if (data.response && data.response.status === "missing_requirements") {
          start.replaceWith(emailCodeForm(data.response, props));
          return;
        }
        applyClient(data);
        emit();
        afterAuth(props);
      });
    }, footer);
    return start;
  }

  /* Step two of a sign-up: the code sent to the address (here, to the
   * instance's mailbox), as Clerk's email_code verification asks. */
  function emailCodeForm(signUp, props) {
    var base = "/client/sign_ups/" + encodeURIComponent(signUp.id);
    var code = field("Verification code", "text", "code", "one-time-code", { required: "", inputmode: "numeric", maxlength: "6" });
    var sent = el("p", { class: "cl-hint", "aria-live": "polite" });
    function send() {
      sent.textContent = "Sending a code…";
      return api("POST", base + "/prepare_verification", { strategy: "email_code" }).then(
        function () { sent.textContent = "We sent a code to " + signUp.email_address + "."; },
        function (err) { sent.textContent = err.message; }
      );
    }
    var resend = el("button", { type: "button", class: "cl-link", text: "Send a new code", onclick: send });
    var footer = el("p", { class: "cl-footer" }, [
      document.createTextNode("No mail leaves this machine: the code is in the "),
      el("a", { href: proxy + "/#mailbox-section", target: "_blank", rel: "noopener", text: "development mailbox" }),
      document.createTextNode(". "),
      resend,
    ]);
    var f = form("Verify your email", [code], "Continue", "Checking…", function () {
      return api("POST", base + "/attempt_verification", { strategy: "email_code", code: code.input.value.trim() })
        .then(applyClient)
        .then(function () { emit(); afterAuth(props); });
    }, footer);
    f.insertBefore(sent, f.children[1]);
    send();
    return f;
  }

  function initials(user) {
    var letters = [user.first_name, user.last_name].filter(Boolean).map(function (n) { return n[0]; }).join("");
    if (!letters && user.primaryEmailAddress) letters = user.primaryEmailAddress.emailAddress[0];
    return (letters || "?").toUpperCase();
  }

  function renderUserButton(node, props) {
    node.replaceChildren();
    var user = Clerk.user;
    if (!user) return;
    var menuId = "clerk-user-menu-" + ++uid;
    var trigger = el("button", {
      type: "button", class: "cl-avatar", "aria-haspopup": "menu", "aria-expanded": "false",
      "aria-controls": menuId, "aria-label": "Open account menu for " + (user.fullName || "your account"),
      text: initials(user),
    });
    var email = user.primaryEmailAddress ? user.primaryEmailAddress.emailAddress : "";
    var manage = el("button", { type: "button", role: "menuitem", class: "cl-menu-item", text: "Manage account" });
    var out = el("button", { type: "button", role: "menuitem", class: "cl-menu-item", text: "Sign out" });
    var menu = el("div", { id: menuId, role: "menu", class: "cl-menu", hidden: "" }, [
      el("p", { class: "cl-menu-email", text: email }), manage, out,
    ]);
    function open(yes) {
      menu.hidden = !yes;
      trigger.setAttribute("aria-expanded", String(yes));
      if (yes) manage.focus();
    }
    trigger.addEventListener("click", function () { open(menu.hidden); });
    node.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { open(false); trigger.focus(); }
    });
    out.addEventListener("click", function () {
      /* Without afterSignOutUrl the page stays and listeners update it. */
      Clerk.signOut({ redirectUrl: props.afterSignOutUrl });
    });
    manage.addEventListener("click", function () {
      open(false);
      openUserProfile({ afterSignOutUrl: props.afterSignOutUrl, returnFocus: trigger });
    });
    node.appendChild(el("div", { class: "cl-user-button" }, [trigger, menu]));
  }

  var style = document.createElement("style");
  style.textContent =
    ".cl-card{display:flex;flex-direction:column;gap:.75rem;max-width:24rem;padding:1.5rem;border:1px solid #e4e0d6;border-radius:12px;background:#fff;font:inherit;color:#1d1b16}" +
    ".cl-title{margin:0 0 .25rem;font-size:1.25rem}.cl-field{display:flex;flex-direction:column;gap:.25rem}" +
    ".cl-label{font-weight:600;font-size:.9rem}.cl-input{font:inherit;padding:.55rem .7rem;border:1px solid #b9b4a8;border-radius:8px}" +
    ".cl-input:focus{outline:3px solid #3b4cca;outline-offset:1px}.cl-hint{margin:0;font-size:.8rem;color:#5b574d}" +
    ".cl-error{margin:0;min-height:1.2em;color:#b3261e;font-size:.9rem}.cl-footer{margin:0;font-size:.9rem}" +
    ".cl-button{font:inherit;font-weight:600;padding:.6rem 1rem;border:0;border-radius:999px;background:#3b4cca;color:#fff;cursor:pointer}" +
    ".cl-button:disabled{opacity:.6;cursor:progress}.cl-link{font:inherit;background:none;border:0;color:#3b4cca;cursor:pointer;padding:0}" +
    ".cl-user-button{position:relative;display:inline-block}" +
    ".cl-avatar{width:2.25rem;height:2.25rem;border-radius:50%;border:0;background:#3b4cca;color:#fff;font-weight:700;cursor:pointer}" +
    ".cl-menu{position:absolute;right:0;top:2.6rem;z-index:20;min-width:14rem;padding:.5rem;background:#fff;border:1px solid #e4e0d6;border-radius:10px;box-shadow:0 4px 16px rgb(0 0 0/.12)}" +
    ".cl-menu-email{margin:.25rem .5rem .5rem;font-size:.85rem;color:#5b574d}" +
    ".cl-menu-item{display:block;width:100%;text-align:left;font:inherit;padding:.45rem .5rem;border:0;background:none;border-radius:6px;cursor:pointer}" +
    ".cl-menu-item:hover,.cl-menu-item:focus{background:#eef0ff}" +
    ".cl-modal{position:fixed;inset:0;z-index:30;display:flex;overflow-y:auto;padding:1rem;background:rgb(0 0 0/.35)}" +
    ".cl-modal>*{margin:auto}.cl-card[hidden]{display:none}" +
    ".cl-stack{display:flex;flex-direction:column;gap:.75rem;width:min(24rem,100%)}" +
    ".cl-danger{border-color:#e8b4ae}.cl-danger .cl-button{background:#b3261e}.cl-danger-link{color:#b3261e}";
  document.head.appendChild(style);

  window.Clerk = Clerk;
})();
