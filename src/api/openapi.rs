//! The OpenAPI document ([`ApiDoc`], served at `/openapi.json` and browsed at `/docs`): every
//! route's `#[utoipa::path]` is listed here, so a new route must be added to `paths(...)` (and its
//! `__path_*` type imported).
//!
//! **Invariant:** the document lists every status an operation can answer. A route declares
//! its own successes and the errors particular to it; [`StandardResponses`] adds the errors
//! that come from the shared machinery, by rule, so no route can forget them: 400 wherever
//! there is a parameter or a body (the extractors), 401 behind the token, 404 wherever a path
//! names something, 413 and 415 for bodies (the body limit; JSON bodies need their content
//! type), 429 with `Retry-After` everywhere (the per-client rate limit of `serve`), 503 with
//! `Retry-After` everywhere (the concurrency limit, the request timeout, and a
//! write that could not reach the store before its deadline — having written nothing).
//! Every request body carries an example. `.ci/run` holds the server to it with schemathesis.

use utoipa::OpenApi;

use super::error::{ErrorBody, ErrorDetail};
// `paths(...)` names each handler without its module, through the `__path_*` type that
// `#[utoipa::path]` generates: utoipa turns a module path there into the operation's tag,
// which would change the document.
use super::routes::businesses::{
    __path_delete_business, __path_get_business, __path_list_businesses, __path_put_business,
};
use super::routes::corridors::__path_corridors;
use super::routes::deals::{__path_delete_deal, __path_get_deal, __path_post_deal};
use super::routes::health::__path_healthz;
use super::routes::imports::{
    __path_import, __path_template_csv, __path_template_deals_csv, __path_template_xlsx,
};
use super::routes::keys::{
    __path_audit, __path_business_history, __path_confirm_deal, __path_create_key,
    __path_list_keys, __path_pending_deals, __path_revoke_key,
};
use super::routes::matching::__path_match_;
use super::routes::mission_book::{
    __path_create_mission, __path_delete_mission, __path_get_mission, __path_get_stored_plan,
    __path_list_commitments, __path_list_missions, __path_mission_report,
    __path_participants_template_csv, __path_participants_template_xlsx,
    __path_plan_stored_mission, __path_post_attendance, __path_post_commitment,
    __path_post_participants, __path_publish_mission, __path_put_mission,
    __path_replan_stored_mission, __path_unpublish_mission,
};
use super::routes::mission_requests::{
    __path_accept_request, __path_decline_request, __path_list_requests, __path_post_request,
    __path_withdraw_request,
};
use super::routes::missions::{__path_plan_mission, __path_replan_mission};
use super::routes::network::{__path_business_network, __path_flows, __path_intro};
use super::routes::reference::{
    __path_advantages, __path_catalog, __path_catalog_entry, __path_commodities, __path_commodity,
    __path_provinces, __path_supply,
};
use super::routes::search::__path_search;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jalin",
        description = "Business matchmaking across Indonesia's 38 provinces."
    ),
    paths(healthz, provinces, advantages, commodities, commodity, catalog, catalog_entry, supply, search, match_, corridors, get_business,
        list_missions, get_mission, create_mission, put_mission, delete_mission,
        plan_stored_mission, replan_stored_mission, get_stored_plan, publish_mission, unpublish_mission,
        post_participants, post_attendance, post_commitment, list_commitments, mission_report,
        list_requests, post_request, accept_request, decline_request, withdraw_request,
        participants_template_csv, participants_template_xlsx,
        plan_mission, replan_mission, business_network, intro, flows,
        list_businesses, put_business, delete_business, post_deal, get_deal, delete_deal, import, template_csv, template_xlsx, template_deals_csv,
        create_key, list_keys, revoke_key, audit, business_history, pending_deals, confirm_deal),
    modifiers(&BearerAuth, &StandardResponses),
    components(schemas(ErrorBody, ErrorDetail, crate::error::RowError, crate::auth::Role))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds the shared error responses and the request examples (see the module comment).
struct StandardResponses;

/// Operations that answer 404 without a path parameter: they look up a business named in the
/// body or the query.
const NOT_FOUND_TOO: [(&str, &str); 2] = [("post", "/v1/match"), ("get", "/v1/intro")];

impl utoipa::Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{RefOr, Response};

        let error_body = || {
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                .build()
        };
        let error = |description: &str| -> RefOr<Response> {
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content("application/json", error_body())
                .build()
                .into()
        };
        let retry_after = utoipa::openapi::HeaderBuilder::new()
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer),
            ))
            .description(Some("seconds to wait before trying again"))
            .build();
        let unavailable: RefOr<Response> = utoipa::openapi::ResponseBuilder::new()
            .description("too many requests in flight, or the request took too long; retry")
            .header("Retry-After", retry_after.clone())
            .content("application/json", error_body())
            .build()
            .into();
        let rate_limited: RefOr<Response> = utoipa::openapi::ResponseBuilder::new()
            .description("too many requests from this client address; retry after the time given")
            .header("Retry-After", retry_after)
            .content("application/json", error_body())
            .build()
            .into();

        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                let params: Vec<ParameterIn> = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        RefOr::T(p) => Some(p.parameter_in.clone()),
                        RefOr::Ref(_) => None,
                    })
                    .collect();
                let has_path_param = params.iter().any(|p| matches!(p, ParameterIn::Path));
                let body_types: Vec<String> = match &op.request_body {
                    Some(RefOr::T(b)) => b.content.keys().cloned().collect(),
                    _ => Vec::new(),
                };
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, r: &RefOr<Response>| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| r.clone());
                };
                if !params.is_empty() || !body_types.is_empty() {
                    add(
                        "400",
                        &error("a parameter or the body is invalid; `field` names it"),
                    );
                }
                // Every route refuses a key that is wrong, revoked or expired; a route behind
                // a key also refuses none, and a key not allowed the object (403).
                add(
                    "401",
                    &error("missing (where a key is needed), wrong, revoked or expired key"),
                );
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add(
                        "403",
                        &error("this key may not do that (its role or its objects)"),
                    );
                }
                if has_path_param || NOT_FOUND_TOO.contains(&(method, path.as_str())) {
                    add("404", &error("what the request names is not stored"));
                }
                if !body_types.is_empty() {
                    add(
                        "413",
                        &error("the body is larger than this operation accepts"),
                    );
                }
                if body_types.iter().any(|t| t == "application/json") {
                    add("415", &error("the body is not sent as application/json"));
                }
                add("429", &rate_limited);
                add("503", &unavailable);

                if let Some(example) = response_example(method, path)
                    && let Some(RefOr::T(ok)) = responses.get_mut("200")
                    && let Some(RefOr::T(json)) = ok.content.get_mut("application/json")
                {
                    json.example = Some(example);
                }
                if let Some(RefOr::T(body)) = op.request_body.as_mut()
                    && let Some(example) = request_example(method, path)
                {
                    for (ty, content) in body.content.iter_mut() {
                        if let RefOr::T(content) = content
                            && content.example.is_none()
                        {
                            content.example =
                                Some(typed_example(ty).unwrap_or_else(|| example.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// A schedule as `POST /v1/missions/plan` answers the example spec of [`request_example`]
/// (planned on the shipped sample; `solve_ms` rounded).
const PLAN_RESPONSE: &str = include_str!("examples/plan-response.json");

/// The example answers documented beside their schemas.
fn response_example(method: &str, path: &str) -> Option<serde_json::Value> {
    match (method, path) {
        ("post", "/v1/missions/plan") => serde_json::from_str(PLAN_RESPONSE).ok(),
        ("get", "/v1/missions/{id}") => request_example("post", "/v1/missions/plan"),
        _ => None,
    }
}

/// The example body of a content type that is not JSON (a spreadsheet import).
fn typed_example(content_type: &str) -> Option<serde_json::Value> {
    match content_type {
        "text/csv" => {
            let csv = crate::import::template_csv();
            let text = String::from_utf8_lossy(&csv);
            Some(serde_json::Value::String(
                text.trim_start_matches('\u{feff}').to_string(),
            ))
        }
        super::routes::imports::XLSX
        | "application/vnd.ms-excel"
        | "application/vnd.oasis.opendocument.spreadsheet" => Some(serde_json::Value::String(
            "(the bytes of a workbook, e.g. GET /v1/templates/businesses.xlsx filled in)".into(),
        )),
        _ => None,
    }
}

/// The example body of each operation that takes one.
fn request_example(method: &str, path: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    let business = json!({
        "id": "jt-90001",
        "name": "KUD Sumber Makmur",
        "kind": "cooperative",
        "province": "35",
        "city": "Probolinggo",
        "description": "Koperasi petani bawang merah di Probolinggo.",
        "certifications": ["halal"],
        "offers": [{
            "commodity": "bawang_merah",
            "title": "Bawang merah Probolinggo",
            "capacity": {"qty": 40, "unit": "ton", "per": "month"}
        }],
        "needs": [{"commodity": "pupuk", "title": "Pupuk NPK"}],
        "contacts": {
            "contact_person": "Pak Slamet",
            "phone": "0812-3456-7890",
            "email": "kud.sumbermakmur@example.id"
        },
        "publish_contacts": false
    });
    Some(match (method, path) {
        ("put", "/v1/businesses/{id}") => business,
        ("post", "/v1/keys") => json!({
            "role": "province",
            "provinces": ["35"],
            "label": "Disperindag Jawa Timur",
            "expires": "2027-12-31"
        }),
        ("post", "/v1/deals") => json!({
            "buyer": "bt-00018",
            "seller": "jt-00454",
            "commodity": "bawang_merah",
            "value_idr": 125000000.0,
            "volume": {"qty": 5, "unit": "ton"},
            "date": "2023-09-11",
            "status": "mou",
            "mission": "jatim-banten-2023"
        }),
        ("post", "/v1/import") => serde_json::Value::String(format!("{business}\n")),
        ("post", "/v1/match") => json!({
            "need": {
                "text": "bawang merah halal untuk Serang",
                "volume": {"qty": 5, "unit": "ton", "per": "month"},
                "certifications": ["halal"]
            },
            "limit": 20
        }),
        ("post", "/v1/missions/plan") => json!({
            "name": "Temu bisnis Jatim–Banten",
            "host_province": "36",
            "date": "2023-09-11",
            "venue": "Serang",
            "slots": {"start": "09:00", "minutes": 20, "count": 6,
                      "breaks": [{"after": 2, "minutes": 15}]},
            "tables": 4,
            "max_meetings": 4,
            "participants": [
                {"id": "jt-00322", "side": "origin"},
                {"id": "jt-00454", "side": "origin", "available": [[0, 3]]},
                {"id": "bt-00050", "side": "host"},
                {"id": "bt-00018", "side": "host"}
            ],
            "requests": [{"a": "jt-00322", "b": "bt-00050", "priority": "must"}]
        }),
        ("post", "/v1/missions") | ("put", "/v1/missions/{id}") => json!({
            "name": "Misi Dagang Jatim–Banten",
            "host_province": "36",
            "organiser": "35",
            "date": "2023-09-11",
            "venue": "Serang",
            "slots": {"start": "09:00", "minutes": 20, "count": 6},
            "tables": 4,
            "max_meetings": 4,
            "participants": [
                {"id": "jt-00322", "side": "origin"},
                {"id": "bt-00050", "side": "host"}
            ],
            "firms": [{
                "id": "bt-kopi-serang", "name": "UD Kopi Serang", "kind": "umkm",
                "province": "36", "city": "Serang",
                "needs": [{"commodity": "kopi", "title": "Kopi robusta"}],
                "contacts": {"contact_person": "Ibu Ani", "phone": "0812-3456-7890"}
            }]
        }),
        ("post", "/v1/missions/{id}/commitments") => json!({
            "kind": "sale", "commodity": "bawang_merah", "qty": 20, "unit": "ton",
            "value_idr": 650000000.0, "a": "jt-00322", "b": "bt-00050", "meeting": 0
        }),
        ("post", "/v1/missions/{id}/participants") => serde_json::Value::String(
            "Nama Usaha;Provinsi;Kab/Kota;Menawarkan;Sisi\nUD Kopi Serang;Banten;Serang;Kopi robusta;tuan rumah\n".into(),
        ),
        ("post", "/v1/missions/{id}/requests") => json!({
            "a": "jt-00322", "b": "bt-00050", "priority": "must",
            "note": "Kami ingin menawarkan bawang merah Probolinggo", "window": [0, 2]
        }),
        ("post", "/v1/missions/{id}/attendance") => json!({
            "present": ["jt-00322", "bt-00050"], "absent": ["bt-kopi-serang"]
        }),
        ("post", "/v1/missions/{id}/replan") => json!({
            "meetings": [
                {"a": "jt-00322", "b": "bt-00050", "slot": 1, "table": 1},
                {"a": "jt-00454", "b": "bt-00018", "slot": 0, "table": 2}
            ],
            "locked": [{"a": "jt-00322", "b": "bt-00050"}]
        }),
        ("post", "/v1/missions/replan") => json!({
            "spec": request_example("post", "/v1/missions/plan")?,
            "previous": [
                {"a": "jt-00322", "b": "bt-00050", "slot": 0, "table": 1},
                {"a": "jt-00454", "b": "bt-00018", "slot": 0, "table": 2},
                {"a": "jt-00322", "b": "bt-00018", "slot": 1, "table": 1},
                {"a": "jt-00454", "b": "bt-00050", "slot": 1, "table": 2}
            ],
            "from_slot": 1,
            "absent": ["jt-00454"],
            "confirmed": [{"a": "jt-00322", "b": "bt-00018"}]
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MissionSpec;
    use crate::plan::export::Schedule;

    /// The documented examples are what the API really takes and gives.
    #[test]
    fn examples_have_the_documented_shapes() {
        let spec = request_example("post", "/v1/missions/plan").unwrap();
        serde_json::from_value::<MissionSpec>(spec).unwrap();
        let schedule = response_example("post", "/v1/missions/plan").unwrap();
        serde_json::from_value::<Schedule>(schedule).unwrap();
        let business = request_example("put", "/v1/businesses/{id}").unwrap();
        serde_json::from_value::<crate::model::Business>(business).unwrap();
        let deal = request_example("post", "/v1/deals").unwrap();
        serde_json::from_value::<crate::model::Deal>(deal).unwrap();
        let wish = request_example("post", "/v1/missions/{id}/requests").unwrap();
        serde_json::from_value::<crate::engine::NewMeetingRequest>(wish).unwrap();
        let req = request_example("post", "/v1/match").unwrap();
        serde_json::from_value::<crate::engine::MatchRequest>(req).unwrap();
    }

    /// Every `$ref` names a schema the document holds (schemathesis resolves them), and the
    /// meeting request routes are documented with their tally in the plan.
    #[test]
    fn every_schema_reference_resolves() {
        fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                        out.push(r.to_string());
                    }
                    m.values().for_each(|x| refs(x, out));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for r in &all {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{r}"));
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{r} is not in the document"
            );
        }
        for (path, method) in [
            ("/v1/missions/{id}/requests", "get"),
            ("/v1/missions/{id}/requests", "post"),
            ("/v1/missions/{id}/requests/{rid}", "delete"),
            ("/v1/missions/{id}/requests/{rid}/accept", "post"),
            ("/v1/missions/{id}/requests/{rid}/decline", "post"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
        let schedule = &doc["components"]["schemas"]["Schedule"]["properties"];
        assert!(schedule["requests"].is_object(), "{schedule}");
    }

    /// Every operation that takes a body has an example of it, and the shared errors are
    /// documented by rule.
    #[test]
    fn every_body_has_an_example_and_every_operation_a_503() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 15);
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("503"), "{method} {path}");
                assert!(responses.contains_key("429"), "{method} {path}");
                if let Some(body) = op.get("requestBody") {
                    for (ty, content) in body["content"].as_object().unwrap() {
                        assert!(content.get("example").is_some(), "{method} {path} {ty}");
                    }
                    assert!(responses.contains_key("413"), "{method} {path}");
                }
                if op.get("security").is_some() {
                    assert!(responses.contains_key("401"), "{method} {path}");
                }
            }
        }
    }

    /// The import takes JSONL, CSV and XLSX, each with an example; its 400 lists the bad
    /// rows; the templates are documented with their content types.
    #[test]
    fn imports_and_templates_are_documented() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let import = &doc["paths"]["/v1/import"]["post"];
        let body = import["requestBody"]["content"].as_object().unwrap();
        for ty in [
            "application/x-ndjson",
            "text/csv",
            super::super::routes::imports::XLSX,
        ] {
            assert!(body[ty]["example"].is_string(), "{ty}: {}", body[ty]);
        }
        let params: Vec<&str> = import["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(params, ["dry_run", "skip_invalid", "Idempotency-Key"]);
        let error = &doc["components"]["schemas"]["ErrorBody"]["properties"];
        assert!(
            error["rows"].is_object() && error["more"].is_object(),
            "{error}"
        );
        let csv = &doc["paths"]["/v1/templates/businesses.csv"]["get"]["responses"]["200"];
        assert!(csv["content"]["text/csv"].is_object(), "{csv}");
        let xlsx = &doc["paths"]["/v1/templates/businesses.xlsx"]["get"]["responses"]["200"];
        assert!(
            xlsx["content"][super::super::routes::imports::XLSX].is_object(),
            "{xlsx}"
        );
    }
}
