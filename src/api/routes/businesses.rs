//! `/v1/businesses/{id}`: read (`GET`), and the token-guarded writes `PUT` and `DELETE`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::{AppState, Caller, WriteDeadline, query, write_checked};
use crate::model::Business;

/// A business profile with its offers and needs. Its `contacts` are shown only when the
/// business sets `publish_contacts`, or to a key that may see them (admin and reader keys,
/// its province's key, its own business key).
#[utoipa::path(get, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id, e.g. jt-00042")),
    responses((status = 200, body = Business), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_business(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Business>> {
    let b = query(move || engine.get_business(&id)).await?;
    let sees = caller
        .0
        .as_ref()
        .is_some_and(|p| p.sees_contacts_of(&b.id, &b.province));
    Ok(Json(if sees { b } else { b.public_view() }))
}

/// Creates or replaces a business with its listings (listing ids are assigned when absent).
#[utoipa::path(put, path = "/v1/businesses/{id}", request_body = Business,
    params(("id" = String, Path, description = "business id")),
    security(("bearer" = [])),
    responses((status = 201, body = Business, description = "created"),
              (status = 200, body = Business, description = "replaced"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn put_business(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Business>,
) -> ApiResult<(StatusCode, Json<Business>)> {
    if b.id != id {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("the body's id {:?} differs from the path's {id:?}", b.id),
        )
        .field("id"));
    }
    let by = caller.principal();
    let (stored, created) = write_checked(deadline, move || engine.put_business_as(&by, b)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored)))
}

/// Deletes a business and its listings; its past deals stay in the history.
#[utoipa::path(delete, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn delete_business(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let by = caller.principal();
    write_checked(deadline, move || engine.delete_business_as(&by, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/businesses`: a page of the directory, filtered, in a format.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `json` (default: `{"businesses", "next"}`), `jsonl` (one business a line, what
    /// `jalin import` reads), `csv` or `xlsx` (the import template's columns).
    pub format: Option<String>,
    /// A province's code, name, abbreviation or capital.
    pub province: Option<String>,
    /// `umkm`, `bumd`, `cooperative`, `association` or `corporate`.
    pub kind: Option<String>,
    /// A catalog commodity key: businesses offering or needing it.
    pub commodity: Option<String>,
    /// The previous page's `next` (for files: its `X-Next-After` header).
    pub after: Option<u64>,
    /// Businesses per page: 1–1,000 for JSON (default 100), 1–10,000 for files (default
    /// 1,000).
    pub limit: Option<usize>,
}

/// The business directory a page at a time, filtered by province, kind and commodity; as
/// JSON, or as a file to download (JSONL, CSV or XLSX) with the next page's cursor in
/// `X-Next-After`. Contacts as for one business: published ones to everybody, the others
/// only to keys that may see them.
#[utoipa::path(get, path = "/v1/businesses", params(ListParams),
    responses((status = 200, description = "a page of businesses",
                content((crate::engine::BusinessPage = "application/json"),
                        (String = "application/x-ndjson"), (String = "text/csv"),
                        (crate::api::routes::imports::XlsxBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody)))]
pub(crate) async fn list_businesses(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let format = p.format.as_deref().unwrap_or("json");
    let (default, max) = match format {
        "json" => (100, 1_000),
        "jsonl" | "csv" | "xlsx" => (1_000, 10_000),
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("unknown format {other:?}; use json, jsonl, csv or xlsx"),
            )
            .field("format"));
        }
    };
    let limit = match p.limit {
        None => default,
        Some(n) if (1..=max).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("limit must be between 1 and {max} for {format}"),
            )
            .field("limit"));
        }
    };
    let q = crate::engine::BusinessPageQuery {
        province: p.province,
        kind: p.kind,
        commodity: p.commodity,
        after: p.after.unwrap_or(0),
        limit,
    };
    let mut page = query(move || engine.business_page(&q)).await?;
    for b in &mut page.businesses {
        let sees = caller
            .0
            .as_ref()
            .is_some_and(|who| who.sees_contacts_of(&b.id, &b.province));
        if !sees {
            *b = std::mem::replace(b, placeholder()).public_view();
        }
    }
    let next = page.next.map(|n| n.to_string());
    let file = |content_type: &'static str, ext: &str, body: Vec<u8>| {
        let mut r = (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"businesses.{ext}\""),
                ),
            ],
            body,
        )
            .into_response();
        if let Some(n) = &next
            && let Ok(v) = header::HeaderValue::from_str(n)
        {
            r.headers_mut().insert("x-next-after", v);
        }
        r
    };
    Ok(match format {
        "jsonl" => {
            let mut body = Vec::new();
            for b in &page.businesses {
                serde_json::to_writer(&mut body, b).map_err(|e| crate::api::error::internal(&e))?;
                body.push(b'\n');
            }
            file("application/x-ndjson", "jsonl", body)
        }
        "csv" => file(
            "text/csv; charset=utf-8",
            "csv",
            crate::import::businesses_csv(&page.businesses),
        ),
        "xlsx" => file(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            crate::import::businesses_xlsx(&page.businesses)
                .map_err(|e| crate::api::error::internal(&e))?,
        ),
        _ => Json(page).into_response(),
    })
}

/// An empty business, to take one out of a vector by value.
fn placeholder() -> Business {
    Business {
        id: String::new(),
        name: String::new(),
        kind: crate::model::BusinessKind::Umkm,
        province: String::new(),
        city: None,
        description: None,
        certifications: Vec::new(),
        offers: Vec::new(),
        needs: Vec::new(),
        contacts: None,
        publish_contacts: false,
    }
}
