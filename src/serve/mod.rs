//! `kelastat serve OUT`: the live publications of an output root through the PxWeb API 2.0
//! (PxAPI-2.yml of PxTools/PxApiSpecs), read into memory at start and again whenever a
//! period's `manifest.json` changes, appears or goes (checked every `--rescan` seconds). A new
//! `Store` is built whole and swapped in as one `Arc`, so a request never sees half of a
//! publication. Only publication files are read: no identifier can reach a response.
mod api;
pub mod problem;
pub mod rate_limit;
pub mod selection;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::cors::{Any, CorsLayer};

use crate::cli::ServeArgs;
use crate::error::{Error, Result};
use crate::paths::shown;
use problem::Problem;
use rate_limit::RateLimit;
use store::{live_periods, LivePeriod, Store};

/// What every handler shares.
pub struct Server {
    pub out: PathBuf,
    pub max_cells: usize,
    pub rate_limit: RateLimit,
    store: RwLock<Arc<Store>>,
    live: RwLock<Vec<LivePeriod>>,
}

impl Server {
    /// The publications as they are now (a cheap `Arc` clone; the store itself never changes).
    pub fn store(&self) -> Arc<Store> {
        self.store.read().expect("store").clone()
    }

    /// Reloads when the live publications differ from those loaded; `Ok(true)` when swapped.
    /// A publication that cannot be read leaves the previous store in place.
    fn refresh(&self) -> Result<bool> {
        let live = live_periods(&self.out)?;
        if *self.live.read().expect("live") == live {
            return Ok(false);
        }
        let store = Store::load(&live)?;
        tracing::info!(
            stage = "serve",
            periods = live.len(),
            tables = store.tables.len(),
            "publications reloaded"
        );
        *self.store.write().expect("store") = Arc::new(store);
        *self.live.write().expect("live") = live;
        Ok(true)
    }
}

pub fn serve_command(args: &ServeArgs) -> Result<()> {
    let started = Instant::now();
    let live = live_periods(&args.out)?;
    if live.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no publication to serve (no <period>/ folder with manifest.json)",
            shown(&args.out).display()
        )));
    }
    let store = Store::load(&live)?;
    let tables = store.tables.len();
    let server = Arc::new(Server {
        out: args.out.clone(),
        max_cells: args.max_cells,
        rate_limit: RateLimit::new(args.max_calls, Duration::from_secs(args.time_window.max(1))),
        store: RwLock::new(Arc::new(store)),
        live: RwLock::new(live),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", args.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Other(e.to_string()))?;
        tracing::info!(
            stage = "serve",
            tables,
            seconds = started.elapsed().as_secs_f64(),
            "serving {} on http://{addr}/",
            shown(&args.out).display()
        );
        // The one line on stdout: scripts and tests read the address bound (port 0: any).
        println!("kelastat serve: http://{addr}/ ({tables} tables)");
        tokio::spawn(rescan(
            server.clone(),
            Duration::from_secs(args.rescan.max(1)),
        ));
        axum::serve(
            listener,
            router(server).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::Other(format!("server stopped: {e}")))
    })
}

async fn rescan(server: Arc<Server>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let s = server.clone();
        match tokio::task::spawn_blocking(move || s.refresh()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(stage = "serve", "keeping the publications served: {e}"),
            Err(e) => tracing::error!(stage = "serve", "reload failed: {e}"),
        }
    }
}

pub fn router(server: Arc<Server>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([header::RETRY_AFTER, header::CONTENT_DISPOSITION]);
    let api = Router::new()
        .route("/config", get(api::config))
        .route("/tables", get(api::tables))
        .route("/tables/{id}", get(api::table))
        .route("/tables/{id}/metadata", get(api::metadata))
        .route("/tables/{id}/defaultselection", get(api::default_selection))
        .route("/tables/{id}/data", get(api::data_get).post(api::data_post))
        .route("/codelists/{id}", get(api::codelist))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            limit_calls,
        ));
    Router::new()
        .route("/", get(explorer))
        .nest("/api/v2", api)
        .fallback(api::not_found)
        .layer(axum::middleware::map_response(problem::as_problem))
        .layer(cors)
        .with_state(server)
}

/// The table explorer: one self-contained page (no network but this API).
const EXPLORER: &str = include_str!("explorer.html");

async fn explorer() -> axum::response::Html<&'static str> {
    axum::response::Html(EXPLORER)
}

/// 429 with `Retry-After` once a client address exceeds `maxCallsPerTimeWindow`.
async fn limit_calls(
    State(server): State<Arc<Server>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    match server.rate_limit.check(client.ip(), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(seconds) => {
            let mut problem = Problem::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "more than {} calls in {} seconds; try again in {seconds} s",
                    server.rate_limit.max_calls,
                    server.rate_limit.window.as_secs()
                ),
            );
            problem.retry_after = Some(seconds);
            problem.into_response()
        }
    }
}
