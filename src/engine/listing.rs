//! The business listing (`GET /v1/businesses`): businesses a page at a time in key order,
//! filtered by province, kind and commodity, with a cursor for the next page. Contacts come
//! with the records; the API removes those its caller may not see.

use super::Engine;
use crate::error::{Error, Result};
use crate::model::{Business, BusinessKind};

/// What a page asks for.
#[derive(Debug, Clone, Default)]
pub struct BusinessPageQuery {
    /// A province's code, name, abbreviation or capital.
    pub province: Option<String>,
    /// `umkm`, `bumd`, `cooperative`, `association` or `corporate`.
    pub kind: Option<String>,
    /// A catalog commodity key: businesses offering or needing it.
    pub commodity: Option<String>,
    /// The cursor: the `next` of the previous page (0 or none: from the start).
    pub after: u64,
    pub limit: usize,
}

/// One page, and the cursor of the next (none at the end).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BusinessPage {
    pub businesses: Vec<Business>,
    /// Pass as `after` for the next page; absent when this page is the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

/// How many stored businesses one read takes while filtering.
const BATCH: usize = 500;

impl Engine {
    /// A page of the business listing; the filters are checked first (400 naming the
    /// parameter).
    pub fn business_page(&self, q: &BusinessPageQuery) -> Result<BusinessPage> {
        let province = match &q.province {
            Some(p) => {
                let ix = self.reference.require_province_named("province", p)?;
                Some(self.reference.provinces[ix].code.clone())
            }
            None => None,
        };
        let kind = match &q.kind {
            Some(k) => Some(
                BusinessKind::ALL
                    .into_iter()
                    .find(|x| x.as_str() == k.trim())
                    .ok_or_else(|| {
                        Error::invalid(
                            "kind",
                            format!(
                                "unknown kind {k:?}; use umkm, bumd, cooperative, association \
                                 or corporate"
                            ),
                        )
                    })?,
            ),
            None => None,
        };
        if let Some(c) = &q.commodity
            && self.reference.commodity(c).is_none()
        {
            return Err(Error::invalid(
                "commodity",
                format!("unknown commodity {c:?}; see GET /v1/commodities"),
            ));
        }
        let wanted = |b: &Business| {
            kind.is_none_or(|k| b.kind == k)
                && q.commodity
                    .as_deref()
                    .is_none_or(|c| b.offers.iter().chain(&b.needs).any(|l| l.commodity == c))
        };
        let mut out = Vec::new();
        let mut after = q.after;
        loop {
            let batch = self
                .store
                .businesses_page(after, province.as_deref(), BATCH)?;
            let last_batch = batch.len() < BATCH;
            for (key, b) in batch {
                after = key;
                if wanted(&b) {
                    out.push(b);
                    if out.len() >= q.limit {
                        return Ok(BusinessPage {
                            businesses: out,
                            next: Some(key),
                        });
                    }
                }
            }
            if last_batch {
                return Ok(BusinessPage {
                    businesses: out,
                    next: None,
                });
            }
        }
    }
}
