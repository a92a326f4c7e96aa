//! `scripts/bench`'s measurements of the release server, printed as one
//! table and written as JSON under `target/bench/` (one file per run, and
//! `latest.json`) so runs can be compared:
//!
//! - HTTP load with `wrk` (64 connections, 2 threads, a warm-up, then the
//!   measured run) on SQLite and PostgreSQL: the posts API with a Bearer
//!   token, the dashboard rendered for a signed-in cookie, the landing page,
//!   the 401 path, Svix-signed webhook ingest, and a dashboard of a user
//!   with 1,000 posts; requests/s, the server's CPU time per request
//!   (steadier than requests/s when wrk shares the cores), p50/p99/p99.9,
//!   non-2xx, peak RSS;
//! - cold start (exec → first 200 on `/readyz`) and idle RSS;
//! - browser payload of a first load of every page (`/`, `/sign-in`,
//!   `/sign-up`, `/pricing` signed out, the rest signed in): every script,
//!   WASM and CSS file Chromium fetches, raw/gzip/brotli;
//! - time from navigation start to interactive (hydrated) for `/`,
//!   `/dashboard` and `/admin`, cold, with the CPU slowed 4× and a
//!   1.6 Mbps / 150 ms RTT network, median of 5 (`benches/interactive.mjs`);
//! - token verification from criterion's estimates (`--bench verify`);
//! - cost as data grows (PostgreSQL): posts lists of 10/1,000/100,000 posts
//!   and the admin user list of 1,000/100,000/1,000,000 users.
//!
//! Settings (environment): `BENCH_SERVER` (the release binary),
//! `BENCH_SECONDS` (15), `BENCH_WARMUP` (5), `BENCH_CONNECTIONS` (64),
//! `BENCH_DATABASE_URL` (PostgreSQL; its rows are skipped without it),
//! `BENCH_GROWTH` (`off` skips the data-growth table), `BENCH_INTERACTIVE`
//! (`off` skips the time-to-interactive table).

use inkpad::{
    clerk::{
        keys::{InstanceKind, PublishableKey, WebhookSecret},
        mint::SigningKey,
        verify::unix_now,
        webhook,
    },
    db::Db,
};
use serde_json::{json, Value};
use std::{
    fmt::Write as _,
    io::Write as _,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const HOST: &str = "clerk.bench.local";
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn target_dir() -> PathBuf {
    PathBuf::from(env_or("CARGO_TARGET_DIR", "target"))
}

/// The instance the bench plays: a signing key and its publishable key.
struct Instance {
    key: SigningKey,
    publishable: PublishableKey,
}

impl Instance {
    fn new() -> Self {
        Instance {
            key: SigningKey::generate("ins_bench").expect("key"),
            publishable: PublishableKey::for_host(InstanceKind::Live, HOST),
        }
    }

    /// A session token valid for two hours (long enough for every run).
    fn token(&self, user: &str) -> String {
        let now = unix_now();
        self.key.sign(&json!({
            "iss": format!("https://{HOST}"), "sub": user, "sid": format!("sess_{user}"),
            "iat": now, "nbf": now - 10, "exp": now + 7200, "v": 2, "fva": [0, -1],
            "metadata": {"role": "admin", "plan": "pro"},
        }))
    }
}

/// A release server process.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the server on a free port; returns it with its cold start.
    fn start(instance: &Instance, database_url: &str) -> (Server, Duration) {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let binary = std::env::var("BENCH_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|_| target_dir().join("release/inkpad"));
        assert!(
            binary.exists(),
            "{} missing: run scripts/bench (it builds it)",
            binary.display()
        );
        let mut command = Command::new(&binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APP_ENV", "development")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_OUTPUT_NAME", "inkpad")
            .env("LEPTOS_HASH_FILES", "true")
            .env("RUST_LOG", "warn")
            // A server panic's backtrace, when the bench is run with one.
            .env(
                "RUST_BACKTRACE",
                std::env::var("RUST_BACKTRACE").unwrap_or_default(),
            )
            .env("CLERK_PUBLISHABLE_KEY", instance.publishable.as_str())
            .env("CLERK_JWT_KEY", instance.key.public_pem())
            .env("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // Throughput is measured without rate limits (they would answer 429).
        for budget in [
            "PREMIUM",
            "ADMIN",
            "WRITE",
            "READ",
            "SIGN_IN",
            "SIGN_IN_IDENTIFIER",
            "WEBHOOK",
        ] {
            command.env(format!("RATE_LIMIT_{budget}"), "off");
        }
        let started = Instant::now();
        let child = command.spawn().expect("start the server");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        loop {
            if http_status(&server.base, "/readyz") == Some(200) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not become ready"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        (server, started.elapsed())
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now and at its peak since the last reset, in KiB.
    fn rss(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// CPU time the server has used so far (user + system, all threads),
    /// in microseconds. Unlike requests per second, CPU per request does
    /// not move when wrk, on the same cores, takes more or less of them.
    fn cpu_us(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may
        // hold spaces: utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let ticks: u64 = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse::<u64>().ok())
            .sum();
        ticks * 1_000_000 / clock_ticks_per_second()
    }

    /// Starts a new peak-RSS measurement.
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The kernel's clock tick (`getconf CLK_TCK`), 100 where it cannot be read.
fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// A plain HTTP/1.1 GET over a fresh connection: its status, if any.
fn http_status(base: &str, path: &str) -> Option<u16> {
    use std::io::Read;
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// One wrk run's figures.
#[derive(Debug, Clone, serde::Serialize)]
struct Load {
    name: String,
    backend: String,
    requests_per_sec: f64,
    /// The server's CPU time (user + system) per request, in microseconds.
    cpu_us_per_request: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    non_2xx: u64,
    socket_errors: u64,
    peak_rss_mib: f64,
    expected_status: u16,
}

const WRK_REPORT: &str = r#"
done = function(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_us\":%d,\"status\":%d,\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d,\"p50\":%d,\"p99\":%d,\"p999\":%d}\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
"#;

/// Webhook deliveries, one per request, from a file of pre-signed events.
const WRK_WEBHOOKS: &str = r#"
local counter = 0
setup = function(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
init = function(args)
  events = {}
  for line in io.lines(args[1]) do
    local id, ts, sig, body = line:match("^(%S+) (%S+) (%S+) (.*)$")
    events[#events + 1] = {id = id, ts = ts, sig = sig, body = body}
  end
  index = offset
end
request = function()
  local e = events[(index % #events) + 1]
  index = index + 2
  return wrk.format("POST", "/api/webhooks/clerk", {
    ["svix-id"] = e.id, ["svix-timestamp"] = e.ts, ["svix-signature"] = e.sig,
    ["content-type"] = "application/json",
  }, e.body)
end
"#;

struct Wrk {
    seconds: u64,
    warmup: u64,
    connections: u64,
    scripts: PathBuf,
}

impl Wrk {
    fn new(dir: &Path) -> Self {
        let scripts = dir.join("wrk");
        std::fs::create_dir_all(&scripts).unwrap();
        std::fs::write(scripts.join("report.lua"), WRK_REPORT).unwrap();
        std::fs::write(
            scripts.join("webhooks.lua"),
            format!("{WRK_WEBHOOKS}\n{WRK_REPORT}"),
        )
        .unwrap();
        Wrk {
            seconds: env_or("BENCH_SECONDS", "15").parse().unwrap(),
            warmup: env_or("BENCH_WARMUP", "5").parse().unwrap(),
            connections: env_or("BENCH_CONNECTIONS", "64").parse().unwrap(),
            scripts,
        }
    }

    fn run(
        &self,
        seconds: u64,
        url: &str,
        headers: &[String],
        script: &str,
        args: &[String],
    ) -> Value {
        let mut command = Command::new("wrk");
        command
            .args([
                "-t2",
                &format!("-c{}", self.connections),
                &format!("-d{seconds}s"),
                "--timeout",
                "5s",
            ])
            .arg("-s")
            .arg(self.scripts.join(script));
        for header in headers {
            command.args(["-H", header]);
        }
        command.arg(url);
        if !args.is_empty() {
            command.arg("--").args(args);
        }
        let output = command
            .output()
            .expect("run wrk (scripts/bench installs it)");
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("WRKJSON "))
            .unwrap_or_else(|| {
                panic!(
                    "wrk said: {text} {}",
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        serde_json::from_str(line).unwrap()
    }

    /// Warm-up, then the measured run, with the server's peak RSS.
    #[allow(clippy::too_many_arguments)]
    fn measure(
        &self,
        server: &Server,
        backend: &str,
        name: &str,
        path: &str,
        headers: &[String],
        script: &str,
        args: &[String],
        expected_status: u16,
    ) -> Load {
        let url = format!("{}{path}", server.base);
        self.run(self.warmup, &url, headers, script, args);
        server.reset_peak();
        let cpu_before = server.cpu_us();
        let r = self.run(self.seconds, &url, headers, script, args);
        let cpu = server.cpu_us() - cpu_before;
        let (_, peak) = server.rss();
        let n = |k: &str| r[k].as_u64().unwrap_or(0);
        let requests = n("requests");
        let load = Load {
            name: name.into(),
            backend: backend.into(),
            requests_per_sec: requests as f64 / (n("duration_us") as f64 / 1e6),
            cpu_us_per_request: cpu as f64 / requests.max(1) as f64,
            p50_ms: n("p50") as f64 / 1000.0,
            p99_ms: n("p99") as f64 / 1000.0,
            p999_ms: n("p999") as f64 / 1000.0,
            // wrk counts 4xx/5xx; a run expecting 401 reports those as expected.
            non_2xx: if expected_status == 200 {
                n("status")
            } else {
                requests - n("status").min(requests)
            },
            socket_errors: n("connect") + n("read") + n("write") + n("timeout"),
            peak_rss_mib: peak as f64 / 1024.0,
            expected_status,
        };
        eprintln!(
            "  {backend:<8} {name:<34} {:>9.0} req/s  {:>7.1} µs CPU/req  p50 {:>6.2} ms  p99 {:>6.2} ms  p99.9 {:>6.2} ms",
            load.requests_per_sec, load.cpu_us_per_request, load.p50_ms, load.p99_ms, load.p999_ms
        );
        load
    }
}

/// `count` posts for the user of `token`, through the API.
async fn seed_posts(http: &reqwest::Client, base: &str, token: &str, count: usize) {
    let body = json!({"title": "A post worth reading", "content": "Words, ".repeat(60)});
    let mut pending = Vec::new();
    for i in 0..count {
        pending.push(
            http.post(format!("{base}/api/protected/posts"))
                .bearer_auth(token)
                .json(&body)
                .send(),
        );
        if pending.len() == 16 || i + 1 == count {
            for res in futures::future::join_all(pending.drain(..)).await {
                assert_eq!(res.unwrap().status(), 201);
            }
        }
    }
}

/// A file of Svix-signed `user.updated` events, one per line.
fn webhook_events(path: &Path, count: usize) {
    let secret: WebhookSecret = WEBHOOK_SECRET.parse().unwrap();
    let ts = unix_now();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..count {
        let user = format!("user_hook{}", i % 2000);
        let body = json!({
            "object": "event", "type": "user.updated", "timestamp": 1_000_000 + i as i64,
            "data": {"object": "user", "id": user, "first_name": "Hook", "last_name": format!("{i}"),
                     "primary_email_address_id": "idn_1",
                     "email_addresses": [{"id": "idn_1", "email_address": format!("{user}@example.com")}],
                     "public_metadata": {"role": "member", "plan": "free"},
                     "created_at": 1, "updated_at": 1_000_000 + i as i64}
        })
        .to_string();
        let id = format!("msg_bench_{ts}_{i}");
        let sig = webhook::sign(&secret, &id, ts, &body);
        writeln!(out, "{id} {ts} {sig} {body}").unwrap();
    }
}

async fn load_rows(backend: &str, database_url: &str, wrk: &Wrk, dir: &Path, report: &mut Report) {
    let instance = Instance::new();
    let (server, cold) = Server::start(&instance, database_url);
    std::thread::sleep(Duration::from_secs(1));
    let (idle, _) = server.rss();
    report.startup.push(json!({
        "backend": backend, "cold_start_ms": cold.as_secs_f64() * 1000.0, "idle_rss_mib": idle as f64 / 1024.0,
    }));
    eprintln!(
        "  {backend:<8} cold start {:.1} ms, idle RSS {:.1} MiB",
        cold.as_secs_f64() * 1000.0,
        idle as f64 / 1024.0
    );

    let http = reqwest::Client::new();
    let (writer, heavy) = (instance.token("user_writer"), instance.token("user_heavy"));
    seed_posts(&http, &server.base, &writer, 20).await;
    seed_posts(&http, &server.base, &heavy, 1000).await;
    let bearer = |t: &str| vec![format!("Authorization: Bearer {t}")];
    let cookie = |t: &str| {
        vec![
            format!("Cookie: __session={t}; __client_uat={}", unix_now() - 60),
            "Accept: text/html".to_owned(),
        ]
    };
    let events = dir.join(format!("webhooks-{backend}.txt"));
    webhook_events(&events, 200_000);
    let rows = [
        (
            "posts API, Bearer, 20 posts",
            "/api/protected/posts",
            bearer(&writer),
            "report.lua",
            vec![],
            200,
        ),
        (
            "SSR /dashboard, cookie, 20 posts",
            "/dashboard",
            cookie(&writer),
            "report.lua",
            vec![],
            200,
        ),
        (
            "GET / signed out",
            "/",
            vec!["Accept: text/html".to_owned()],
            "report.lua",
            vec![],
            200,
        ),
        (
            "401 path, no token",
            "/api/protected/posts",
            vec![],
            "report.lua",
            vec![],
            401,
        ),
        (
            "webhook ingest, user.updated",
            "/api/webhooks/clerk",
            vec![],
            "webhooks.lua",
            vec![events.display().to_string()],
            200,
        ),
        (
            "SSR /dashboard, 1,000 posts, page 1",
            "/dashboard",
            cookie(&heavy),
            "report.lua",
            vec![],
            200,
        ),
    ];
    for (name, path, headers, script, args, status) in rows {
        let load = wrk.measure(
            &server, backend, name, path, &headers, script, &args, status,
        );
        report.load.push(load);
    }
    let _ = std::fs::remove_file(events);
}

/// How list latency grows with the data (PostgreSQL): median and p99 of 30
/// sequential requests each.
async fn growth(database_url: &str, report: &mut Report) {
    let instance = Instance::new();
    let (server, _) = Server::start(&instance, database_url);
    let db = Db::connect(database_url).await.unwrap();
    let http = reqwest::Client::new();
    let now = inkpad::db::now_millis();
    let time = |path: String, token: String| {
        let (http, base) = (http.clone(), server.base.clone());
        async move {
            let mut samples = Vec::new();
            for _ in 0..30 {
                let started = Instant::now();
                let res = http
                    .get(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200, "{path}");
                let _ = res.bytes().await;
                samples.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            samples.sort_by(f64::total_cmp);
            (
                samples[samples.len() / 2],
                samples[samples.len() * 99 / 100],
            )
        }
    };
    for (i, posts) in [10i64, 1_000, 100_000].into_iter().enumerate() {
        let user = format!("user_grow{i}");
        sqlx::query("INSERT INTO users (id, email, role, plan, created_at, updated_at) VALUES ($1, $2, 'member', 'free', $3, $3)")
            .bind(&user)
            .bind(format!("{user}@example.com"))
            .bind(now)
            .execute(db.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO posts (author_id, title, content, created_at, updated_at) \
             SELECT $1, 'Post ' || g, repeat('words ', 40), $2 + g, $2 + g FROM generate_series(1, $3) AS g",
        )
        .bind(&user)
        .bind(now)
        .bind(posts)
        .execute(db.pool())
        .await
        .unwrap();
        let token = instance.token(&user);
        let last = (posts + 19) / 20;
        for (which, page) in [("first page", 1), ("last page", last)] {
            let (p50, p99) = time(format!("/api/protected/posts?page={page}"), token.clone()).await;
            eprintln!(
                "  growth   posts {posts:>7}  {which:<10} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms"
            );
            report.growth.push(json!({"what": format!("posts list, {posts} posts, {which}"), "p50_ms": p50, "p99_ms": p99}));
        }
    }
    let admin = instance.token("user_grow_admin");
    let mut have = 0i64;
    for users in [1_000i64, 100_000, 1_000_000] {
        sqlx::query(
            "INSERT INTO users (id, email, first_name, last_name, role, plan, created_at, updated_at) \
             SELECT 'user_many' || g, 'writer' || g || '@example.com', 'Writer', 'Number ' || g, 'member', 'free', $1 + g, $1 + g \
             FROM generate_series($2, $3) AS g",
        )
        .bind(now)
        .bind(have + 1)
        .bind(users)
        .execute(db.pool())
        .await
        .unwrap();
        have = users;
        sqlx::query("ANALYZE users")
            .execute(db.pool())
            .await
            .unwrap();
        let last = (users + 19) / 20;
        for (which, path) in [
            ("first page", "/api/admin/users?page=1".to_owned()),
            ("last page", format!("/api/admin/users?page={last}")),
            (
                "search by email",
                "/api/admin/users?search=writer777%40example.com".to_owned(),
            ),
            (
                "search by name",
                "/api/admin/users?search=Number%20777".to_owned(),
            ),
        ] {
            let (p50, p99) = time(path, admin.clone()).await;
            eprintln!(
                "  growth   users {users:>7}  {which:<15} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms"
            );
            report.growth.push(json!({"what": format!("admin users, {users} users, {which}"), "p50_ms": p50, "p99_ms": p99}));
        }
    }
    drop(server);
}

/// The browser's first load of each page, from `benches/payload.mjs`.
fn payload(report: &mut Report) {
    let instance = Instance::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("payload.db").display());
    let (server, _) = Server::start(&instance, &url);
    let token = instance.token("user_payload");
    let output = Command::new("node")
        .arg("benches/payload.mjs")
        .arg(&server.base)
        .arg(&token)
        .env("NODE_PATH", "end2end/node_modules")
        .output()
        .expect("node");
    let text = String::from_utf8_lossy(&output.stdout);
    match text.lines().find_map(|l| l.strip_prefix("PAYLOADJSON ")) {
        Some(json) => report.payload = serde_json::from_str(json).unwrap(),
        None => eprintln!(
            "  payload: not measured: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
    if std::env::var("BENCH_INTERACTIVE").as_deref() == Ok("off") {
        return;
    }
    let output = Command::new("node")
        .arg("benches/interactive.mjs")
        .arg(&server.base)
        .arg(&token)
        .env("NODE_PATH", "end2end/node_modules")
        .output()
        .expect("node");
    let text = String::from_utf8_lossy(&output.stdout);
    match text
        .lines()
        .find_map(|l| l.strip_prefix("INTERACTIVEJSON "))
    {
        Some(json) => {
            report.interactive = serde_json::from_str(json).unwrap();
            for page in report.interactive.as_array().into_iter().flatten() {
                eprintln!(
                    "  interactive {:<12} median {:>7.0} ms (CPU 4x, 1.6 Mbps / 150 ms RTT)",
                    page["page"].as_str().unwrap_or(""),
                    page["median_ms"].as_f64().unwrap_or(0.0)
                );
            }
        }
        None => eprintln!(
            "  interactive: not measured: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// criterion's estimates for the verification benches, when they ran.
fn verification(report: &mut Report) {
    for name in ["uncached_rs256", "cached", "jwks_fetch_rs256"] {
        let path = target_dir().join(format!("criterion/verify/{name}/new/estimates.json"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            let estimates: Value = serde_json::from_str(&text).unwrap();
            report.verification.push(json!({
                "name": name,
                "mean_us": estimates["mean"]["point_estimate"].as_f64().unwrap_or(0.0) / 1000.0,
                "median_us": estimates["median"]["point_estimate"].as_f64().unwrap_or(0.0) / 1000.0,
            }));
        }
    }
}

#[derive(Default, serde::Serialize)]
struct Report {
    when: i64,
    machine: String,
    verification: Vec<Value>,
    startup: Vec<Value>,
    load: Vec<Load>,
    payload: Value,
    interactive: Value,
    growth: Vec<Value>,
}

impl Report {
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n## Token verification (criterion)\n\n| bench | mean | median |\n|---|---|---|"
        );
        for v in &self.verification {
            let _ = writeln!(
                out,
                "| {} | {:.2} µs | {:.2} µs |",
                v["name"].as_str().unwrap_or(""),
                v["mean_us"].as_f64().unwrap_or(0.0),
                v["median_us"].as_f64().unwrap_or(0.0)
            );
        }
        let _ = writeln!(
            out,
            "\n## Start-up\n\n| backend | cold start to first 200 | idle RSS |\n|---|---|---|"
        );
        for s in &self.startup {
            let _ = writeln!(
                out,
                "| {} | {:.1} ms | {:.1} MiB |",
                s["backend"].as_str().unwrap_or(""),
                s["cold_start_ms"].as_f64().unwrap_or(0.0),
                s["idle_rss_mib"].as_f64().unwrap_or(0.0)
            );
        }
        let _ = writeln!(out, "\n## HTTP load (wrk, {} connections)\n\n| backend | row | req/s | server CPU/req | p50 | p99 | p99.9 | non-2xx | peak RSS |\n|---|---|---|---|---|---|---|---|---|", env_or("BENCH_CONNECTIONS", "64"));
        for l in &self.load {
            let non = if l.expected_status == 200 {
                l.non_2xx.to_string()
            } else {
                format!("{} (all {} expected)", l.non_2xx, l.expected_status)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.1} µs | {:.2} ms | {:.2} ms | {:.2} ms | {} | {:.1} MiB |",
                l.backend,
                l.name,
                l.requests_per_sec,
                l.cpu_us_per_request,
                l.p50_ms,
                l.p99_ms,
                l.p999_ms,
                non,
                l.peak_rss_mib
            );
        }
        if let Some(pages) = self.interactive.as_array() {
            let _ = writeln!(out, "\n## Time to interactive (Chromium, cold cache, CPU 4x slower, 1.6 Mbps / 150 ms RTT; median of 5)\n\n| page | median | runs |\n|---|---|---|");
            for p in pages {
                let runs: Vec<String> = p["runs_ms"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| format!("{:.0}", r.as_f64().unwrap_or(0.0)))
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {:.0} ms | {} |",
                    p["page"].as_str().unwrap_or(""),
                    p["median_ms"].as_f64().unwrap_or(0.0),
                    runs.join(", ")
                );
            }
        }
        if let Some(pages) = self.payload.as_array() {
            let _ = writeln!(out, "\n## First-load payload (scripts, WASM, CSS; Clerk's script excluded)\n\n| page | files | raw | gzip | brotli |\n|---|---|---|---|---|");
            for p in pages {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} B | {} B | {} B |",
                    p["page"].as_str().unwrap_or(""),
                    p["files"].as_array().map_or(0, Vec::len),
                    p["raw"],
                    p["gzip"],
                    p["brotli"]
                );
            }
            for p in pages {
                for f in p["files"].as_array().into_iter().flatten() {
                    let _ = writeln!(
                        out,
                        "|   {} | {} | {} B | {} B | {} B |",
                        p["page"].as_str().unwrap_or(""),
                        f["url"].as_str().unwrap_or(""),
                        f["raw"],
                        f["gzip"],
                        f["brotli"]
                    );
                }
            }
        }
        if !self.growth.is_empty() {
            let _ = writeln!(out, "\n## Cost as data grows (PostgreSQL, 30 sequential requests)\n\n| case | p50 | p99 |\n|---|---|---|");
            for g in &self.growth {
                let _ = writeln!(
                    out,
                    "| {} | {:.2} ms | {:.2} ms |",
                    g["what"].as_str().unwrap_or(""),
                    g["p50_ms"].as_f64().unwrap_or(0.0),
                    g["p99_ms"].as_f64().unwrap_or(0.0)
                );
            }
        }
        out
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this harness has no options of its own.
    let out = target_dir().join("bench");
    std::fs::create_dir_all(&out).unwrap();
    let mut report = Report {
        when: unix_now(),
        machine: format!(
            "{} cores, {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(
                    |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                        .split(':')
                        .nth(1)
                        .unwrap_or("")
                        .trim()
                        .to_owned())
                )
                .unwrap_or_default()
        ),
        ..Report::default()
    };
    verification(&mut report);
    let wrk = Wrk::new(&out);

    eprintln!("load: SQLite");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    load_rows("sqlite", &sqlite, &wrk, &out, &mut report).await;

    let postgres = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    match &postgres {
        Some(url) => {
            eprintln!("load: PostgreSQL");
            load_rows(
                "postgres",
                &fresh_schema(url, "load").await,
                &wrk,
                &out,
                &mut report,
            )
            .await;
        }
        None => eprintln!("load: PostgreSQL skipped (BENCH_DATABASE_URL is not set)"),
    }

    eprintln!("payload: Chromium");
    payload(&mut report);

    match &postgres {
        Some(url) if env_or("BENCH_GROWTH", "on") != "off" => {
            eprintln!("growth: PostgreSQL");
            growth(&fresh_schema(url, "growth").await, &mut report).await;
        }
        _ => eprintln!("growth: skipped"),
    }

    let table = report.table();
    println!("{table}");
    let json = serde_json::to_string_pretty(&report).unwrap();
    std::fs::write(out.join(format!("{}.json", report.when)), &json).unwrap();
    std::fs::write(out.join("latest.json"), &json).unwrap();
    std::fs::write(out.join("latest.md"), &table).unwrap();
    eprintln!("written: {}", out.join("latest.json").display());
}

/// A new empty schema in the PostgreSQL database at `url`.
async fn fresh_schema(url: &str, what: &str) -> String {
    let schema = format!("bench_{what}_{}", unix_now());
    let admin = Db::connect(url)
        .await
        .expect("BENCH_DATABASE_URL reachable");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(admin.pool())
        .await
        .unwrap();
    admin.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}
