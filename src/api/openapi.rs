//! The OpenAPI document ([`ApiDoc`], served at `/openapi.json` and browsed at `/docs`): every
//! route's `#[utoipa::path]` is listed here, so a new route must be added to `paths(...)` (and its
//! `__path_*` type imported).

use utoipa::OpenApi;

use super::error::{ErrorBody, ErrorDetail};
// `paths(...)` names each handler without its module, through the `__path_*` type that
// `#[utoipa::path]` generates: utoipa turns a module path there into the operation's tag,
// which would change the document.
use super::routes::businesses::{__path_delete_business, __path_get_business, __path_put_business};
use super::routes::corridors::__path_corridors;
use super::routes::deals::__path_post_deal;
use super::routes::health::__path_healthz;
use super::routes::imports::__path_import;
use super::routes::matching::__path_match_;
use super::routes::missions::{__path_mission, __path_missions, __path_plan_mission};
use super::routes::network::{__path_business_network, __path_flows, __path_intro};
use super::routes::reference::{__path_advantages, __path_commodities, __path_provinces};
use super::routes::search::__path_search;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jalin",
        description = "Business matchmaking across Indonesia's 38 provinces."
    ),
    paths(healthz, provinces, advantages, commodities, search, match_, corridors, get_business,
        missions, mission, plan_mission, business_network, intro, flows,
        put_business, delete_business, post_deal, import),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody, ErrorDetail))
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
