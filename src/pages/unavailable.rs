//! The page a browser gets when the app cannot serve it because something
//! it depends on is down (the database, Clerk's keys): a plain error page
//! with the 503 status, instead of a page that half works. Server only.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

/// Middleware: a page whose rendering hit an outage (its status is 503,
/// set where the failure happened) is answered with the error page.
pub async fn replace_with_error_page(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::SERVICE_UNAVAILABLE || !is_page {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    parts
        .headers
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    Response::from_parts(parts, Body::from(PAGE))
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Unavailable · Inkpad</title>
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style>
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fbfaf7;color:#1d1b16;line-height:1.5}
main{width:min(640px,100% - 2rem);margin:5rem auto;text-align:center}
.eyebrow{color:#5b574d;font-weight:600;letter-spacing:.08em}
a{display:inline-block;margin-top:1rem;padding:.6rem 1.2rem;border-radius:999px;background:#2e3aa3;color:#fff;text-decoration:none}
</style>
</head>
<body>
<main id="main" data-testid="unavailable">
<p class="eyebrow">503</p>
<h1>Inkpad is unavailable right now</h1>
<p>Something Inkpad depends on is not answering. Nothing you saved is lost; please try again in a moment.</p>
<a href="" rel="nofollow">Try again</a>
</main>
</body>
</html>
"#;
