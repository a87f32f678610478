//! Views of the deal network: who a business has traded with, a warm introduction through
//! past deals, and completed trade between provinces.

use super::types::{
    DealCounts, FlowView, FlowsView, HopView, IntroView, NetworkView, PartnerView,
    ProvinceTradeView,
};
use super::{Engine, MAX_LIMIT};
use crate::error::{Error, Result};
use crate::model::Lang;

fn role_name(role: crate::graph::Role) -> String {
    match role {
        crate::graph::Role::BoughtFrom => "bought_from",
        crate::graph::Role::SoldTo => "sold_to",
        crate::graph::Role::Both => "both",
    }
    .to_string()
}

impl Engine {
    fn name_of(&self, id: &str) -> Option<String> {
        self.store.get_business(id).ok().flatten().map(|b| b.name)
    }

    /// Who a business has traded with.
    pub fn business_network(&self, id: &str, limit: usize, lang: Lang) -> Result<NetworkView> {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Error::invalid(
                "limit",
                format!("must be from 1 to {MAX_LIMIT}"),
            ));
        }
        let business = self.get_business(id)?;
        let r = &self.reference;
        let code = |p: u8| {
            r.provinces
                .get(p as usize)
                .map(|x| x.code.clone())
                .unwrap_or_default()
        };
        let net = self.network();
        let Some(view) = net.graph().ties_of(id, limit) else {
            return Ok(NetworkView {
                business: business.summary(),
                partners: Vec::new(),
                provinces: Vec::new(),
                deals: DealCounts {
                    partners: 0,
                    completed: 0,
                    failed: 0,
                    mou: 0,
                    value_idr: 0.0,
                },
                message: Some(match lang {
                    Lang::En => format!("{} has no recorded deals yet", business.name),
                    Lang::Id => format!("{} belum memiliki transaksi tercatat", business.name),
                }),
            });
        };
        drop(net);
        Ok(NetworkView {
            business: business.summary(),
            partners: view
                .partners
                .iter()
                .map(|p| PartnerView {
                    name: self.name_of(&p.id),
                    id: p.id.clone(),
                    province: code(p.province),
                    role: role_name(p.role),
                    completed: p.completed,
                    failed: p.failed,
                    mou: p.mou,
                    value_idr: p.value_idr,
                    last_date: crate::model::format_date(i64::from(p.last_day)),
                })
                .collect(),
            provinces: view
                .provinces
                .iter()
                .map(|p| ProvinceTradeView {
                    province: code(p.province),
                    name: r
                        .provinces
                        .get(p.province as usize)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    partners: p.partners,
                    deals: p.deals,
                    value_idr: p.value_idr,
                })
                .collect(),
            deals: DealCounts {
                partners: view.totals.partners,
                completed: view.totals.completed,
                failed: view.totals.failed,
                mou: view.totals.mou,
                value_idr: view.totals.value_idr,
            },
            message: None,
        })
    }

    /// The strongest short path of past deals from one business to another.
    pub fn intro(&self, from: &str, to: &str, lang: Lang) -> Result<IntroView> {
        for (field, id) in [("from", from), ("to", to)] {
            crate::model::validate_id(field, id)?;
            if self.store.business_key(id)?.is_none() {
                return Err(Error::NotFound {
                    what: "business",
                    id: id.to_string(),
                });
            }
        }
        let path = self.network().graph().intro(from, to, 4);
        let message = match (&path, lang) {
            (None, Lang::En) => Some(format!(
                "no chain of past deals of at most 4 hops connects {from} and {to}"
            )),
            (None, Lang::Id) => Some(format!(
                "tidak ada rantai transaksi (paling banyak 4 langkah) yang menghubungkan {from} dan {to}"
            )),
            _ => None,
        };
        Ok(IntroView {
            from: from.to_string(),
            to: to.to_string(),
            path: path.map(|p| {
                p.hops
                    .into_iter()
                    .map(|h| HopView {
                        from_name: self.name_of(&h.from),
                        to_name: self.name_of(&h.to),
                        from: h.from,
                        to: h.to,
                        role: role_name(h.role),
                        deals: h.deals,
                        completed: h.completed,
                        mou: h.mou,
                        value_idr: h.value_idr,
                        last_date: crate::model::format_date(i64::from(h.last_day)),
                    })
                    .collect()
            }),
            message,
        })
    }

    /// Completed trade between provinces (within a province included), largest first.
    pub fn flows(&self) -> FlowsView {
        let r = &self.reference;
        let net = self.network();
        let f = net.graph().province_flows();
        let np = r.provinces.len();
        let mut flows: Vec<FlowView> = (0..np)
            .flat_map(|a| (0..np).map(move |b| (a, b)))
            .filter_map(|(a, b)| {
                let v = f.flow(a, b);
                (v > 0.0).then(|| FlowView {
                    from: r.provinces[a].code.clone(),
                    to: r.provinces[b].code.clone(),
                    value_idr: v,
                })
            })
            .collect();
        flows.sort_by(|a, b| b.value_idr.total_cmp(&a.value_idr));
        FlowsView { flows }
    }
}
