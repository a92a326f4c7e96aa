//! A stand-in for Clerk's Backend API with one user, for what the development
//! instance cannot be made to do on cue: refuse a metadata update.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    routing::{get, patch},
    Json, Router,
};
use serde_json::{json, Value};
use std::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc, Mutex,
};
use tokio::sync::oneshot;

#[derive(Default)]
struct Stub {
    user: Mutex<Value>,
    refuse: AtomicBool,
    updates: AtomicUsize,
}

/// Serves `GET /v1/users/{id}` and `PATCH /v1/users/{id}/metadata` (public
/// metadata merged, `updated_at` moved on) on 127.0.0.1 until dropped.
pub struct StubBackendApi {
    pub url: String,
    stub: Arc<Stub>,
    _shutdown: oneshot::Sender<()>,
}

/// The secret key the app is configured with; the stub does not check it.
pub const SECRET_KEY: &str = "sk_live_stubstubstubstubstub";

impl StubBackendApi {
    pub async fn start(user: Value) -> StubBackendApi {
        let stub = Arc::new(Stub {
            user: Mutex::new(user),
            ..Stub::default()
        });
        let app = Router::new()
            .route("/v1/users/{id}", get(get_user))
            .route("/v1/users/{id}/metadata", patch(update_metadata))
            .with_state(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        StubBackendApi {
            url,
            stub,
            _shutdown: tx,
        }
    }

    /// A stub holding one member on the free plan, `user_target`
    /// (tess@example.com).
    pub async fn with_member() -> StubBackendApi {
        StubBackendApi::start(json!({
            "object": "user", "id": "user_target", "first_name": "Tess",
            "primary_email_address_id": "idn_t",
            "email_addresses": [{"id": "idn_t", "email_address": "tess@example.com"}],
            "public_metadata": {"role": "member", "plan": "free"},
            "created_at": 1, "updated_at": 1000
        }))
        .await
    }

    /// From now on metadata updates get Clerk's 422.
    pub fn refuse_updates(&self) {
        self.stub.refuse.store(true, Ordering::SeqCst);
    }

    /// Metadata updates Clerk accepted.
    pub fn updates(&self) -> usize {
        self.stub.updates.load(Ordering::SeqCst)
    }

    pub fn user(&self) -> Value {
        self.stub.user.lock().unwrap().clone()
    }

    /// The app's settings for verifying the test instance's tokens and
    /// talking to this stub as its Backend API.
    pub fn env(&self) -> Vec<(&'static str, &str)> {
        let mut env = super::TestClerk::get().env();
        env.extend([
            ("CLERK_API_URL", self.url.as_str()),
            ("CLERK_SECRET_KEY", SECRET_KEY),
        ]);
        env
    }
}

fn not_found() -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"errors": [{"code": "resource_not_found", "message": "not found"}]})),
    )
}

async fn get_user(
    State(stub): State<Arc<Stub>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let user = stub.user.lock().unwrap().clone();
    if user["id"] != id.as_str() {
        return Err(not_found());
    }
    Ok(Json(user))
}

async fn update_metadata(
    State(stub): State<Arc<Stub>>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    if stub.refuse.load(Ordering::SeqCst) {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errors": [{
                "code": "form_param_value_invalid",
                "message": "is invalid",
                "long_message": "Metadata updates are disabled for this user."
            }]})),
        ));
    }
    let mut user = stub.user.lock().unwrap();
    if user["id"] != id.as_str() {
        return Err(not_found());
    }
    if let Some(patch) = body["public_metadata"].as_object() {
        for (key, value) in patch {
            user["public_metadata"][key] = value.clone();
        }
    }
    user["updated_at"] = json!(user["updated_at"].as_i64().unwrap_or(0) + 1000);
    stub.updates.fetch_add(1, Ordering::SeqCst);
    Ok(Json(user.clone()))
}

/// Clerk's Backend API JWKS endpoint (`GET /v1/jwks`) that counts its
/// fetches and can go down (503) on cue.
pub struct JwksServer {
    pub url: String,
    state: Arc<JwksState>,
    _shutdown: oneshot::Sender<()>,
}

struct JwksState {
    jwks: Value,
    down: AtomicBool,
    fetches: AtomicUsize,
}

impl JwksServer {
    pub async fn start(jwks: Value) -> JwksServer {
        let state = Arc::new(JwksState {
            jwks,
            down: AtomicBool::new(false),
            fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route(
                "/v1/jwks",
                get(|State(state): State<Arc<JwksState>>| async move {
                    state.fetches.fetch_add(1, Ordering::SeqCst);
                    if state.down.load(Ordering::SeqCst) {
                        Err(StatusCode::SERVICE_UNAVAILABLE)
                    } else {
                        Ok(Json(state.jwks.clone()))
                    }
                }),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        JwksServer {
            url,
            state,
            _shutdown: tx,
        }
    }

    pub fn go_down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
    }

    pub fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }
}
