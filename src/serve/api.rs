//! The PxWeb API 2.0 endpoints (response shapes as PxAPI-2.yml defines them).
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::problem::Problem;
use super::selection::{resolve, split_list};
use super::store::{ApiTable, Store};
use super::Server;
use crate::labels::LANGUAGES;
use crate::publish::{SOURCE_EN, SOURCE_FI, SOURCE_SV};
use crate::table::{Dimension, Table};

/// The variable of the measures (the JSON-stat `metric` dimension of the publication's files).
const MEASURE: &str = "measure";
const DEFAULT_LANGUAGE: &str = "fi";
const DEFAULT_PAGE_SIZE: usize = 20;
/// Output formats offered, the default first.
const DATA_FORMATS: [&str; 4] = ["json-stat2", "csv", "px", "parquet"];

type Params = Query<Vec<(String, String)>>;

/// A query parameter by name, without regard to case (`lang`, `outputFormat`, `pageSize`).
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn language(params: &[(String, String)]) -> Result<&'static str, Problem> {
    match param(params, "lang") {
        None | Some("") => Ok(DEFAULT_LANGUAGE),
        Some(l) => LANGUAGES.iter().copied().find(|x| *x == l).ok_or_else(|| {
            Problem::bad_request(format!(
                "lang '{l}' is not offered; use one of {}",
                LANGUAGES.join(", ")
            ))
        }),
    }
}

/// `http://<host>/api/v2` as the client called it, for links.
fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/api/v2")
}

fn link(rel: &str, lang: &str, href: String) -> Value {
    json!({"rel": rel, "hreflang": lang, "href": href})
}

fn source(lang: &str) -> &'static str {
    match lang {
        "sv" => SOURCE_SV,
        "en" => SOURCE_EN,
        _ => SOURCE_FI,
    }
}

fn json_response(value: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

fn find<'a>(store: &'a Store, id: &str) -> Result<&'a ApiTable, Problem> {
    store
        .table(id)
        .ok_or_else(|| Problem::not_found(format!("no table with id '{id}'")))
}

/// What a GET of one table's resource (`/tables/{id}…`) starts from: the store as loaded when
/// the request came, the table's id, the language asked for (an unknown one is answered 400
/// before anything else) and the base of the links.
pub struct TableRequest {
    store: Arc<Store>,
    id: String,
    lang: &'static str,
    base: String,
}

impl TableRequest {
    /// The table asked for, or 404.
    fn table(&self) -> Result<&ApiTable, Problem> {
        find(&self.store, &self.id)
    }
}

impl FromRequestParts<Arc<Server>> for TableRequest {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        server: &Arc<Server>,
    ) -> Result<TableRequest, Response> {
        let Path(id) = Path::<String>::from_request_parts(parts, server)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(params) = Params::from_request_parts(parts, server)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(TableRequest {
            store: server.store(),
            id,
            lang: language(&params).map_err(IntoResponse::into_response)?,
            base: base(&parts.headers),
        })
    }
}

pub async fn not_found() -> Problem {
    Problem::not_found("no such resource; the API is under /api/v2 (config, tables, codelists)")
}

pub async fn config(State(server): State<Arc<Server>>) -> Response {
    let languages: Vec<Value> = LANGUAGES
        .iter()
        .zip(["suomi", "svenska", "English"])
        .map(|(id, label)| json!({"id": id, "label": label}))
        .collect();
    let references: Vec<Value> = LANGUAGES
        .iter()
        .map(|l| json!({"language": l, "text": source(l)}))
        .collect();
    json_response(json!({
        "apiVersion": "2.0.0",
        "appVersion": env!("CARGO_PKG_VERSION"),
        "languages": languages,
        "defaultLanguage": DEFAULT_LANGUAGE,
        "maxDataCells": server.max_cells,
        "maxCallsPerTimeWindow": server.rate_limit.max_calls,
        "timeWindow": server.rate_limit.window.as_secs(),
        "license": "CC BY 4.0",
        "sourceReferences": references,
        "defaultDataFormat": DATA_FORMATS[0],
        "dataFormats": DATA_FORMATS,
        "features": [],
    }))
}

/// The variables of an API table: its dimensions (`period` first), then `measure`.
fn variables(t: &ApiTable) -> Vec<(&'static str, Vec<String>)> {
    let mut out: Vec<(&'static str, Vec<String>)> = t
        .table
        .dimensions
        .iter()
        .map(|d| (d.id, d.codes.clone()))
        .collect();
    out.push((
        MEASURE,
        t.table.measures.iter().map(|m| m.id.to_string()).collect(),
    ));
    out
}

/// The code that stands for all of a dimension (so that it may be left out of a selection):
/// `ALL`, else `SSS`, else `NP` where the benefits are the national pension and its kinds.
pub fn elimination_code(dimension: &Dimension) -> Option<&str> {
    let has = |c: &str| dimension.codes.iter().any(|x| x == c);
    if dimension.id == "period" {
        return None;
    }
    if has("ALL") {
        return Some("ALL");
    }
    if has("SSS") {
        return Some("SSS");
    }
    let national_pension = dimension.id == "benefit"
        && dimension.codes.first().is_some_and(|c| c == "NP")
        && dimension.codes[1..].iter().all(|c| c.starts_with("NP_"));
    national_pension.then_some("NP")
}

fn table_json(store: &Store, t: &ApiTable, lang: &str, base: &str) -> Value {
    let c = &store.codelists;
    let periods = t.periods();
    let mut names: Vec<String> = t
        .table
        .dimensions
        .iter()
        .map(|d| c.dimension(d.id).get(lang).to_string())
        .collect();
    names.push(c.dimension(MEASURE).get(lang).to_string());
    let (kind_label, kind_id) = match t.kind {
        super::store::Kind::Annual => (
            ["Vuositilastot", "Årsstatistik", "Annual statistics"],
            "annual",
        ),
        super::store::Kind::Monthly => (
            ["Kuukausitilastot", "Månadsstatistik", "Monthly statistics"],
            "monthly",
        ),
    };
    let l = LANGUAGES.iter().position(|x| *x == lang).unwrap_or(0);
    let root = [
        "Kelan eläketilasto",
        "FPA:s pensionsstatistik",
        "Kela pension statistics",
    ];
    let href = |tail: &str| format!("{base}/tables/{}{tail}?lang={lang}", t.id);
    json!({
        "id": t.id,
        "label": c.table_title(t.table.id).get(lang),
        "description": "",
        "sortCode": format!("{:02}", store.tables.iter().position(|x| x.id == t.id).unwrap_or(0)),
        "updated": t.updated.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "firstPeriod": periods.first(),
        "lastPeriod": periods.last(),
        "category": "public",
        "variableNames": names,
        "discontinued": false,
        "source": source(lang),
        "subjectCode": "ELAKE",
        "timeUnit": t.kind.time_unit(),
        "paths": [[
            {"id": "kela_pensions", "label": root[l]},
            {"id": kind_id, "label": kind_label[l]},
        ]],
        "links": [
            link("self", lang, href("")),
            link("metadata", lang, href("/metadata")),
            link("data", lang, href("/data")),
        ],
    })
}

pub async fn tables(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    let lang = language(&params)?;
    let number = |name: &str, default: usize| -> Result<usize, Problem> {
        match param(&params, name) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Problem::bad_request(format!("{name} '{v}' is not a whole number of at least 1"))
            }),
        }
    };
    let page_number = number("pageNumber", 1)?;
    let page_size = number("pageSize", DEFAULT_PAGE_SIZE)?;
    let past_days = param(&params, "pastDays")
        .map(|v| number("pastDays", 1).map(|_| v.parse::<i64>().unwrap_or(1)))
        .transpose()?;
    let words: Vec<String> = param(&params, "query")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let store = server.store();
    let base = base(&headers);
    let now = chrono::Utc::now();
    let found: Vec<Value> = store
        .tables
        .iter()
        .filter(|t| past_days.is_none_or(|d| (now - t.updated).num_days() < d))
        .map(|t| table_json(&store, t, lang, &base))
        .filter(|json| {
            let text = format!("{} {} {}", json["id"], json["label"], json["variableNames"])
                .to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect();
    let total = found.len();
    let pages = total.div_ceil(page_size).max(1);
    let page: Vec<Value> = found
        .into_iter()
        .skip((page_number - 1).saturating_mul(page_size))
        .take(page_size)
        .collect();
    let page_href =
        |n: usize| format!("{base}/tables?lang={lang}&pageNumber={n}&pageSize={page_size}");
    let mut links = vec![link("self", lang, page_href(page_number))];
    if page_number < pages {
        links.push(link("next", lang, page_href(page_number + 1)));
    }
    if page_number > 1 {
        links.push(link("previous", lang, page_href(page_number - 1)));
    }
    Ok(json_response(json!({
        "language": lang,
        "tables": page,
        "page": {
            "pageNumber": page_number,
            "pageSize": page_size,
            "totalElements": total,
            "totalPages": pages,
            "links": links,
        },
        "links": [link("self", lang, page_href(page_number))],
    })))
}

pub async fn table(request: TableRequest) -> Result<Response, Problem> {
    let lang = request.lang;
    let mut json = table_json(&request.store, request.table()?, lang, &request.base);
    json["language"] = json!(lang);
    Ok(json_response(json))
}

pub async fn metadata(request: TableRequest) -> Result<Response, Problem> {
    let (lang, base) = (request.lang, &request.base);
    let t = request.table()?;
    let c = &request.store.codelists;
    let mut dimension = serde_json::Map::new();
    let mut ids = Vec::new();
    let mut size = Vec::new();
    for d in &t.table.dimensions {
        let index: serde_json::Map<String, Value> = d
            .codes
            .iter()
            .enumerate()
            .map(|(i, code)| (code.clone(), json!(i)))
            .collect();
        let labels: serde_json::Map<String, Value> = d
            .codes
            .iter()
            .map(|code| (code.clone(), json!(c.code(d.id, code).get(lang))))
            .collect();
        let mut extension = json!({
            "elimination": elimination_code(d).is_some(),
            "show": "value",
            "codelists": [{
                "id": format!("vs_{}", d.id),
                "label": c.dimension(d.id).get(lang),
                "type": "Valueset",
                "links": [link("self", lang, format!("{base}/codelists/vs_{}?lang={lang}", d.id))],
            }],
        });
        if let Some(code) = elimination_code(d) {
            extension["eliminationValueCode"] = json!(code);
        }
        dimension.insert(
            d.id.to_string(),
            json!({
                "label": c.dimension(d.id).get(lang),
                "category": {"index": index, "label": labels},
                "extension": extension,
            }),
        );
        ids.push(d.id);
        size.push(d.codes.len());
    }
    let measures = &t.table.measures;
    let index: serde_json::Map<String, Value> = measures
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.to_string(), json!(i)))
        .collect();
    let labels: serde_json::Map<String, Value> = measures
        .iter()
        .map(|m| (m.id.to_string(), json!(c.measure(m.id).get(lang))))
        .collect();
    let units: serde_json::Map<String, Value> = measures
        .iter()
        .map(|m| {
            let decimals = if m.is_money() { 2 } else { 0 };
            (
                m.id.to_string(),
                json!({"base": c.unit(m.unit).get(lang), "decimals": decimals}),
            )
        })
        .collect();
    dimension.insert(
        MEASURE.into(),
        json!({
            "label": c.dimension(MEASURE).get(lang),
            "category": {"index": index, "label": labels, "unit": units},
            "extension": {"elimination": false, "show": "value"},
        }),
    );
    ids.push(MEASURE);
    size.push(measures.len());
    let mut role = json!({"time": ["period"], "metric": [MEASURE]});
    let geo: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|d| matches!(*d, "area" | "country"))
        .collect();
    if !geo.is_empty() {
        role["geo"] = json!(geo);
    }
    let title = c.table_title(t.table.id).get(lang).to_string();
    let (stub, heading) = placement(t);
    let periods = t.periods();
    Ok(json_response(json!({
        "version": "2.0",
        "class": "dataset",
        "href": format!("{base}/tables/{}/metadata?lang={lang}", t.id),
        "label": title,
        "source": source(lang),
        "updated": t.updated.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "note": [symbols_note(lang)],
        "role": role,
        "id": ids,
        "size": size,
        "dimension": dimension,
        "extension": {
            "px": {
                "tableid": t.id,
                "language": lang,
                "contents": title,
                "matrix": t.id,
                "subject-code": "ELAKE",
                "heading": heading,
                "stub": stub,
            },
            "firstPeriod": periods.first(),
            "lastPeriod": periods.last(),
            "discontinued": false,
        },
        "value": null,
    })))
}

fn symbols_note(lang: &str) -> &'static str {
    match lang {
        "sv" => "Symboler: .. konfidentiell uppgift (sekretessbelagd av dataskyddsskäl); . uppgift kan inte förekomma.",
        "en" => "Symbols: .. confidential (withheld to protect privacy); . not applicable.",
        _ => "Symbolit: .. luottamuksellinen tieto (salattu tietosuojan vuoksi); . tieto on loogisesti mahdoton esittää.",
    }
}

/// Suggested placement: the first classifying dimension in the stub, period and measure in
/// the heading.
fn placement(t: &ApiTable) -> (Vec<&'static str>, Vec<&'static str>) {
    let stub: Vec<&'static str> = t.table.dimensions[1..].iter().map(|d| d.id).collect();
    (stub, vec!["period", MEASURE])
}

/// The default selection: the latest period, every measure, every value of the first
/// classifying dimension, and the total of every other (all values where there is none).
fn default_codes(t: &ApiTable) -> Vec<(&'static str, Vec<String>)> {
    variables(t)
        .into_iter()
        .enumerate()
        .map(|(i, (id, codes))| {
            let chosen = match id {
                "period" => codes.last().cloned().into_iter().collect(),
                MEASURE => codes,
                _ if i == 1 => codes,
                _ => match elimination_code(&t.table.dimensions[i]) {
                    Some(total) => vec![total.to_string()],
                    None => codes,
                },
            };
            (id, chosen)
        })
        .collect()
}

pub async fn default_selection(request: TableRequest) -> Result<Response, Problem> {
    let (lang, base) = (request.lang, &request.base);
    let t = request.table()?;
    let selection: Vec<Value> = default_codes(t)
        .into_iter()
        .map(|(id, codes)| json!({"variableCode": id, "valueCodes": codes}))
        .collect();
    let (stub, heading) = placement(t);
    Ok(json_response(json!({
        "language": lang,
        "selection": selection,
        "placement": {"heading": heading, "stub": stub},
        "links": [link("self", lang, format!("{base}/tables/{}/defaultselection?lang={lang}", t.id))],
    })))
}

pub async fn codelist(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    let lang = language(&params)?;
    let store = server.store();
    let missing = || Problem::not_found(format!("no code list with id '{id}'"));
    let dimension = id.strip_prefix("vs_").ok_or_else(missing)?;
    let codes = store.dimension_codes(dimension);
    if codes.is_empty() {
        return Err(missing());
    }
    let c = &store.codelists;
    let static_id = store
        .tables
        .iter()
        .flat_map(|t| t.table.dimensions.iter())
        .find(|d| d.id == dimension)
        .map(|d| d.id)
        .ok_or_else(missing)?;
    let total = elimination_code(&Dimension {
        id: static_id,
        codes: codes.clone(),
    })
    .map(String::from);
    let values: Vec<Value> = codes
        .iter()
        .map(|code| json!({"code": code, "label": c.code(dimension, code).get(lang), "valueMap": [code]}))
        .collect();
    let mut json = json!({
        "id": id,
        "label": c.dimension(dimension).get(lang),
        "language": lang,
        "languages": LANGUAGES,
        "elimination": total.is_some(),
        "type": "Valueset",
        "values": values,
        "links": [link("self", lang, format!("{}/codelists/{id}?lang={lang}", base(&headers)))],
    });
    if let Some(total) = total {
        json["eliminationValueCode"] = json!(total);
    }
    Ok(json_response(json))
}

/// A selection as the client sent it: variable code → value codes or expressions.
type Requested = Vec<(String, Vec<String>)>;

pub async fn data_get(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    Query(params): Params,
) -> Result<Response, Problem> {
    // `valueCodes[sex]=1,2` (any case of the name); the codes may repeat the parameter.
    let mut requested: Requested = Vec::new();
    for (key, value) in &params {
        let lower = key.to_ascii_lowercase();
        if let Some(variable) = lower
            .strip_prefix("valuecodes[")
            .and_then(|v| v.strip_suffix(']'))
        {
            let variable = &key[key.len() - variable.len() - 1..key.len() - 1];
            let codes = split_list(value);
            match requested.iter_mut().find(|(v, _)| v == variable) {
                Some((_, list)) => list.extend(codes),
                None => requested.push((variable.to_string(), codes)),
            }
        } else if let Some(variable) = lower
            .strip_prefix("codelist[")
            .and_then(|v| v.strip_suffix(']'))
        {
            check_codelist(&key[9..9 + variable.len()], value)?;
        }
    }
    data(&server, &id, &params, requested)
}

pub async fn data_post(
    State(server): State<Arc<Server>>,
    Path(id): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Result<Response, Problem> {
    let mut requested: Requested = Vec::new();
    if !body.iter().all(|b| b.is_ascii_whitespace()) {
        let json: Value = serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))?;
        let items = match json.get("selection") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err(Problem::bad_request("'selection' must be a list")),
        };
        for item in items {
            let variable = item
                .get("variableCode")
                .and_then(Value::as_str)
                .ok_or_else(|| Problem::bad_request("a selection item has no variableCode"))?;
            if let Some(list) = item.get("codelist").and_then(Value::as_str) {
                check_codelist(variable, list)?;
            }
            let codes = item
                .get("valueCodes")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "variable '{variable}': valueCodes must be a list"
                    ))
                })?
                .iter()
                .map(|v| v.as_str().map(String::from))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "variable '{variable}': every value code must be a string"
                    ))
                })?;
            requested.push((variable.to_string(), codes));
        }
    }
    data(&server, &id, &params, requested)
}

/// Only each variable's own value set (`vs_<variable>`) is offered as a code list.
fn check_codelist(variable: &str, codelist: &str) -> Result<(), Problem> {
    if codelist.is_empty() || codelist == format!("vs_{variable}") {
        return Ok(());
    }
    Err(Problem::bad_request(format!(
        "variable '{variable}': code list '{codelist}' is not offered (only vs_{variable})"
    )))
}

fn data(
    server: &Server,
    id: &str,
    params: &[(String, String)],
    requested: Requested,
) -> Result<Response, Problem> {
    let lang = language(params)?;
    let format = match param(params, "outputFormat") {
        None | Some("") => DATA_FORMATS[0],
        Some(f) => DATA_FORMATS
            .iter()
            .copied()
            .find(|x| x.eq_ignore_ascii_case(f))
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "outputFormat '{f}' is not offered; use one of {}",
                    DATA_FORMATS.join(", ")
                ))
            })?,
    };
    let store = server.store();
    let t = find(&store, id)?;
    let chosen = choose(t, &requested)?;
    let cells: usize = chosen.iter().map(Vec::len).product();
    if cells > server.max_cells {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!(
                "the selection has {cells} data cells; at most {} (maxDataCells) are served in one call",
                server.max_cells
            ),
        ));
    }
    let sliced = slice(&t.table, &chosen);
    let info = &t.info;
    let c = &store.codelists;
    let (content_type, body, extension): (&str, Vec<u8>, &str) = match format {
        "csv" => (
            "text/csv; charset=utf-8",
            crate::publish::csv::table_csv(&sliced).into_bytes(),
            "csv",
        ),
        "px" => (
            "text/plain; charset=utf-8",
            crate::publish::px::table_px(&sliced, c, info).into_bytes(),
            "px",
        ),
        "parquet" => {
            let mut bytes = Vec::new();
            crate::publish::parquet::write_table_parquet_to(&sliced, c, info, &mut bytes)
                .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            ("application/vnd.apache.parquet", bytes, "parquet")
        }
        _ => (
            "application/json; charset=utf-8",
            pxweb_jsonstat(&crate::publish::jsonstat::table_jsonstat(
                &sliced, c, info, lang,
            ))?
            .into_bytes(),
            "json",
        ),
    };
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if extension != "json" {
        let disposition = format!("attachment; filename=\"{}.{extension}\"", t.id);
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

/// The publication's JSON-stat with each `category.index` as an object `{code: position}`,
/// the form PxWeb servers send and PxWeb clients (pxwebpy) index by code; JSON-stat 2.0
/// allows both forms.
fn pxweb_jsonstat(text: &str) -> Result<String, Problem> {
    let internal =
        |e: serde_json::Error| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let mut dataset: Value = serde_json::from_str(text).map_err(internal)?;
    if let Some(dimensions) = dataset["dimension"].as_object_mut() {
        for dimension in dimensions.values_mut() {
            let index = &mut dimension["category"]["index"];
            if let Some(codes) = index.as_array() {
                *index = codes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, code)| Some((code.as_str()?.to_string(), json!(i))))
                    .collect::<serde_json::Map<String, Value>>()
                    .into();
            }
        }
    }
    serde_json::to_string(&dataset).map_err(internal)
}

/// Positions chosen per variable (the table's dimensions, then the measures). A variable left
/// out takes its total when it has one; no selection at all is the default selection.
fn choose(t: &ApiTable, requested: &Requested) -> Result<Vec<Vec<usize>>, Problem> {
    let variables = variables(t);
    let requested: Requested = if requested.is_empty() {
        default_codes(t)
            .into_iter()
            .map(|(id, codes)| (id.to_string(), codes))
            .collect()
    } else {
        requested.clone()
    };
    for (name, _) in &requested {
        if !variables.iter().any(|(v, _)| v.eq_ignore_ascii_case(name)) {
            return Err(Problem::bad_request(format!(
                "table '{}' has no variable '{name}'; its variables are {}",
                t.id,
                variables
                    .iter()
                    .map(|(v, _)| *v)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut chosen = Vec::new();
    for (i, (variable, values)) in variables.iter().enumerate() {
        let expressions: Vec<String> = requested
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(variable))
            .flat_map(|(_, codes)| codes.iter().cloned())
            .collect();
        let asked = requested
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(variable));
        let positions = if asked {
            resolve(values, &expressions, *variable == "period")
                .map_err(|e| Problem::bad_request(format!("variable '{variable}': {}", e.0)))?
        } else {
            let total = t.table.dimensions.get(i).and_then(elimination_code);
            match total {
                Some(code) => vec![values
                    .iter()
                    .position(|v| v == code)
                    .expect("total is a code")],
                None => {
                    return Err(Problem::bad_request(format!(
                    "variable '{variable}' must be selected: it has no total to leave it out with"
                )))
                }
            }
        };
        if positions.is_empty() {
            return Err(Problem::bad_request(format!(
                "variable '{variable}': the selection {expressions:?} matches no value"
            )));
        }
        chosen.push(positions);
    }
    Ok(chosen)
}

/// The sub-cube of `chosen` positions (per dimension, then the measures), in table order.
fn slice(table: &Table, chosen: &[Vec<usize>]) -> Table {
    let dims = table.dimensions.len();
    let dimensions = table
        .dimensions
        .iter()
        .zip(chosen)
        .map(|(d, positions)| Dimension {
            id: d.id,
            codes: positions.iter().map(|&p| d.codes[p].clone()).collect(),
        })
        .collect();
    let measures = chosen[dims]
        .iter()
        .map(|&m| table.measures[m].clone())
        .collect();
    let mut out = Table::new(table.id, dimensions, measures);
    let sizes: Vec<usize> = table.dimensions.iter().map(|d| d.codes.len()).collect();
    let mut counter = vec![0usize; dims];
    for cell in 0..out.cells() {
        let source = counter
            .iter()
            .enumerate()
            .fold(0, |index, (d, &k)| index * sizes[d] + chosen[d][k]);
        for (m, &source_measure) in chosen[dims].iter().enumerate() {
            out.values[m][cell] = table.values[source_measure][source];
            out.status[m][cell] = table.status[source_measure][source];
        }
        out.persons[cell] = table.persons[source];
        // Advance the odometer, the last dimension fastest.
        for d in (0..dims).rev() {
            counter[d] += 1;
            if counter[d] < chosen[d].len() {
                break;
            }
            counter[d] = 0;
        }
    }
    out
}
