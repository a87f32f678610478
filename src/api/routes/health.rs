//! `GET /healthz`: liveness and the store/index figures.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::ApiResult;
use crate::api::{AppState, query};
use crate::engine::Status;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    #[serde(flatten)]
    pub store: Status,
}

/// Liveness and the store/index figures.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub(crate) async fn healthz(State(engine): State<AppState>) -> ApiResult<Json<Health>> {
    let status = query(move || engine.status()).await?;
    Ok(Json(Health {
        status: "ok".into(),
        store: status,
    }))
}
