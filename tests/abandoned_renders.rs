//! A browser that gives up on a page mid-render (navigating away, closing
//! the tab, a timeout) must not panic a server worker: the render is torn
//! down, disposing its signals, while its resources' tasks may still ask
//! for their sources. In a test binary of its own because it counts panics
//! process-wide.

mod common;

use common::TestApp;
use reqwest::{header, Method};
use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

static PANICS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_page_loads_never_panic_the_server() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let app = TestApp::spawn().await;
    let token = app
        .sign_in("admin@inkpad.dev", "inkpad-admin-demo")
        .await
        .token(&app)
        .await;
    for path in [
        "/dashboard",
        "/dashboard?page=2",
        "/admin?search=a",
        "/",
        "/settings",
    ] {
        let abandoned: Vec<_> = (0..60u64)
            .map(|i| {
                let request = app
                    .request(Method::GET, path, Some(&token))
                    .header(header::ACCEPT, "text/html")
                    // Gone after 0.3 to 7 ms: mid-render, at one point or another.
                    .timeout(Duration::from_micros(300 + (i % 10) * 750));
                tokio::spawn(async move {
                    let _ = request.send().await;
                })
            })
            .collect();
        for task in abandoned {
            task.await.unwrap();
        }
        let res = app
            .request(Method::GET, path, Some(&token))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path} still renders");
    }
    // Torn-down renders' tasks finish in the background.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a server worker panicked");
}
