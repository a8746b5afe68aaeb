//! Logs on stderr: human-readable, or one JSON object a line for schedulers.
//!
//! A JSON line has the keys `time` (RFC 3339, UTC), `level`, `stage`, `message`, and `counts`
//! (an object) when the event carries counts: fields named `counts.<name>` (e.g.
//! `tracing::info!(stage = "validate", counts.read = 5000, "…")`). Any other field is a key of
//! its own. An event without a `stage` field takes the stage the run last entered
//! ([`enter_stage`]), so the final error line names the stage that failed.
//! Personal identifiers are only ever logged at debug level or below.
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The prefix of the fields that go into a JSON line's `counts` object.
const COUNTS_PREFIX: &str = "counts.";

static STAGE: Mutex<&str> = Mutex::new("start");

/// Records the stage the process is in (`pipeline`, `lock`, `ingest`, `validate`, `classify`,
/// `aggregate`, `protect`, `publish`, …), for log lines that do not name one.
pub fn enter_stage(stage: &'static str) {
    *STAGE.lock().unwrap_or_else(|e| e.into_inner()) = stage;
}

/// The stage the process last entered.
pub fn current_stage() -> &'static str {
    *STAGE.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn init(format: LogFormat) {
    let directives = std::env::var("KELASTAT_LOG").unwrap_or_else(|_| "info".into());
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    // A subscriber already set (tests calling twice) keeps the first: nothing to do.
    match format {
        LogFormat::Text => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(std::io::stderr().is_terminal())
                .try_init();
        }
        LogFormat::Json => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(JsonLines)
                .try_init();
        }
    }
}

/// Writes each event as one JSON object on a line of stderr.
struct JsonLines;

impl<S: Subscriber> Layer<S> for JsonLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = json_line(
            chrono::Utc::now(),
            event.metadata().level().as_str(),
            fields,
        );
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
    }
}

/// An event's fields, sorted into the keys of a JSON line.
#[derive(Default)]
struct Fields {
    stage: Option<String>,
    message: String,
    counts: Map<String, Value>,
    other: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        match name {
            "message" => {
                self.message = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                }
            }
            "stage" => self.stage = Some(value.as_str().map_or(value.to_string(), str::to_string)),
            _ => match name.strip_prefix(COUNTS_PREFIX) {
                Some(count) => {
                    self.counts.insert(count.to_string(), value);
                }
                None => {
                    self.other.insert(name.to_string(), value);
                }
            },
        }
    }
}

impl Visit for Fields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

fn json_line(time: chrono::DateTime<chrono::Utc>, level: &str, fields: Fields) -> Value {
    let mut line = Map::new();
    line.insert(
        "time".into(),
        time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .into(),
    );
    line.insert("level".into(), level.into());
    let stage = fields.stage.unwrap_or_else(|| current_stage().to_string());
    line.insert("stage".into(), stage.into());
    line.insert("message".into(), fields.message.into());
    if !fields.counts.is_empty() {
        line.insert("counts".into(), Value::Object(fields.counts));
    }
    for (key, value) in fields.other {
        line.entry(key).or_insert(value);
    }
    Value::Object(line)
}

/// A spinner naming the current stage, shown only when stderr is a terminal.
pub fn stage_spinner(stage: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    bar.set_message(stage.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
