//! Views shaped for the HTTP API: a business's place in the network ([`BusinessTies`], for
//! `GET /v1/businesses/{id}/network`) and the graph's estimated heap use ([`MemoryUse`]).

use serde::Serialize;

use super::signals::TrackRecord;
use super::storage::NameSlot;
use super::{Business, DealGraph, Role, Tie};

/// A business's place in the network, for `GET /v1/businesses/{id}/network`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusinessTies {
    pub id: String,
    pub province: u8,
    /// Sorted by completed value, then MoU value, then deals, then id; cut to the limit.
    pub partners: Vec<Partner>,
    /// Provinces of all partners, by completed value.
    pub provinces: Vec<ProvinceTrade>,
    pub totals: NetworkTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Partner {
    pub id: String,
    pub province: u8,
    /// What the business did with this partner.
    pub role: Role,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    /// Value of the completed deals.
    pub value_idr: f64,
    pub mou_value_idr: f64,
    pub last_day: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvinceTrade {
    pub province: u8,
    pub partners: u32,
    pub deals: u32,
    /// Completed value, both directions.
    pub value_idr: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkTotals {
    /// All partners, failed-only ones included.
    pub partners: u32,
    /// Partners with a completed or MoU deal.
    pub ties: u32,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    pub value_idr: f64,
    pub mou_value_idr: f64,
    pub last_day: Option<i32>,
    /// The business's record as a seller.
    pub as_seller: TrackRecord,
    pub pagerank: f64,
    pub centrality: f64,
}

/// Estimated heap bytes by part (from capacities; the allocator adds a little).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryUse {
    /// Pair aggregates, partner rows and business aggregates.
    pub graph: usize,
    pub names: usize,
    pub deals: usize,
    pub other: usize,
    pub total: usize,
}

impl DealGraph {
    /// A business's partners (the `limit` biggest by completed value), the provinces it trades
    /// with and its totals. `None` for an unknown business.
    pub fn ties_of(&self, business: &str, limit: usize) -> Option<BusinessTies> {
        let ix = self.lookup(business)?;
        let me = self.business(ix);
        let mut partners = Vec::new();
        let mut by_province: Vec<(u32, u32, f64)> = vec![(0, 0, 0.0); self.provinces];
        let mut totals = NetworkTotals {
            partners: 0,
            ties: 0,
            completed: 0,
            failed: 0,
            mou: 0,
            value_idr: 0.0,
            mou_value_idr: 0.0,
            last_day: None,
            as_seller: TrackRecord::of(me),
            pagerank: self
                .centrality
                .pagerank
                .get(ix as usize)
                .copied()
                .unwrap_or(0.0),
            centrality: self.percentile(ix),
        };
        for (z, pid) in self.partners(ix) {
            let t = self.tie(pid);
            let province = self.business(z).province;
            totals.partners += 1;
            totals.ties += u32::from(t.is_tie());
            totals.completed += t.completed;
            totals.failed += t.failed;
            totals.mou += t.mou;
            totals.value_idr += t.value_completed;
            totals.mou_value_idr += t.value_mou;
            totals.last_day = Some(totals.last_day.map_or(t.last_day, |d| d.max(t.last_day)));
            if let Some(p) = by_province.get_mut(usize::from(province)) {
                p.0 += 1;
                p.1 += t.completed + t.failed + t.mou;
                p.2 += t.value_completed;
            }
            partners.push(Partner {
                id: self.name(z).to_string(),
                province,
                role: t.role_of(ix < z),
                completed: t.completed,
                failed: t.failed,
                mou: t.mou,
                value_idr: t.value_completed,
                mou_value_idr: t.value_mou,
                last_day: t.last_day,
            });
        }
        let order = |a: &Partner, b: &Partner| {
            b.value_idr
                .total_cmp(&a.value_idr)
                .then(b.mou_value_idr.total_cmp(&a.mou_value_idr))
                .then((b.completed + b.mou + b.failed).cmp(&(a.completed + a.mou + a.failed)))
                .then_with(|| a.id.cmp(&b.id))
        };
        if limit < partners.len() {
            if limit > 0 {
                partners.select_nth_unstable_by(limit - 1, order);
            }
            partners.truncate(limit);
        }
        partners.sort_unstable_by(order);
        let mut provinces: Vec<ProvinceTrade> = by_province
            .into_iter()
            .enumerate()
            .filter(|(_, p)| p.0 > 0)
            .map(|(i, (partners, deals, value_idr))| ProvinceTrade {
                province: i as u8,
                partners,
                deals,
                value_idr,
            })
            .collect();
        provinces.sort_by(|a, b| {
            b.value_idr
                .total_cmp(&a.value_idr)
                .then(b.deals.cmp(&a.deals))
                .then(a.province.cmp(&b.province))
        });
        Some(BusinessTies {
            id: self.name(ix).to_string(),
            province: me.province,
            partners,
            provinces,
            totals,
        })
    }

    // -- accounting ---------------------------------------------------------------------------

    /// Estimated heap bytes, from capacities (hash tables by their bucket counts).
    pub fn memory(&self) -> MemoryUse {
        use std::mem::size_of;
        let buckets = |cap: usize| {
            if cap == 0 {
                0
            } else {
                (cap * 8 / 7).next_power_of_two()
            }
        };
        let rows = self.base.edge_count() * 8 + (self.base.node_count() + 1) * 8;
        let delta: usize = self.delta.capacity() * size_of::<Vec<(u32, u32)>>()
            + self.delta.iter().map(|d| d.capacity() * 8).sum::<usize>();
        let graph = self.ties.capacity() * size_of::<Tie>()
            + self.tie_bits.capacity() * 8
            + rows
            + delta
            + self.businesses.capacity() * size_of::<Business>();
        let names = self.name_arena.capacity()
            + self.name_end.capacity() * 4
            + buckets(self.name_index.capacity()) * (size_of::<(u64, NameSlot)>() + 1)
            + buckets(self.name_collisions.capacity()) * (size_of::<(Box<str>, u32)>() + 1);
        let deals = self.deal_prev.capacity() * 4
            + self.deal_day.capacity() * 4
            + self.deal_flags.capacity()
            + self.deal_id_end.capacity() * 4
            + self.deal_ids.capacity();
        let other = 8
            * (self.flows.flow.len()
                + self.flows.sold.len()
                + self.flows.bought.len()
                + 4 * self.provinces
                + self.commodities)
            + self.centrality.pagerank.capacity() * 8
            + self.centrality.percentile.capacity() * 4;
        MemoryUse {
            graph,
            names,
            deals,
            other,
            total: graph + names + deals + other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{TODAY, deal, graph};
    use crate::graph::{DealEdge, DealStatus};

    #[test]
    fn network_view_lists_partners_by_value() {
        let on = |d: DealEdge, buyer_province: u8, seller_province: u8| DealEdge {
            buyer_province,
            seller_province,
            ..d
        };
        let g = graph(vec![
            on(
                DealEdge {
                    value_idr: 100.0,
                    day: TODAY - 10,
                    ..deal("1", "p1", "n")
                },
                1,
                0,
            ),
            on(
                DealEdge {
                    value_idr: 200.0,
                    ..deal("2", "p1", "n")
                },
                1,
                0,
            ),
            on(
                DealEdge {
                    status: DealStatus::Failed,
                    value_idr: 9.0,
                    ..deal("3", "p1", "n")
                },
                1,
                0,
            ),
            on(
                DealEdge {
                    value_idr: 500.0,
                    ..deal("4", "n", "p2")
                },
                0,
                2,
            ),
            on(
                DealEdge {
                    status: DealStatus::Mou,
                    value_idr: 50.0,
                    ..deal("5", "p2", "n")
                },
                2,
                0,
            ),
            on(
                DealEdge {
                    status: DealStatus::Failed,
                    ..deal("6", "n", "p3")
                },
                0,
                1,
            ),
            on(
                DealEdge {
                    status: DealStatus::Mou,
                    value_idr: 70.0,
                    ..deal("7", "p4", "n")
                },
                3,
                0,
            ),
        ]);
        assert!(g.ties_of("nobody", 10).is_none());
        let all = g.ties_of("n", 10).unwrap();
        let order: Vec<&str> = all.partners.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(order, vec!["p2", "p1", "p4", "p3"]);
        let roles: Vec<Role> = all.partners.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            vec![Role::Both, Role::SoldTo, Role::SoldTo, Role::BoughtFrom]
        );
        let p1 = &all.partners[1];
        assert_eq!((p1.completed, p1.failed, p1.mou, p1.province), (2, 1, 0, 1));
        assert_eq!((p1.value_idr, p1.last_day), (300.0, TODAY));
        let t = &all.totals;
        assert_eq!((t.partners, t.ties), (4, 3));
        assert_eq!((t.completed, t.failed, t.mou), (3, 2, 2));
        assert_eq!((t.value_idr, t.mou_value_idr), (800.0, 120.0));
        assert_eq!(t.last_day, Some(TODAY));
        assert_eq!(
            (t.as_seller.completed, t.as_seller.failed, t.as_seller.mou),
            (2, 1, 2)
        );
        assert_eq!(t.as_seller.distinct_buyers, 1);
        let provinces: Vec<(u8, u32, u32, f64)> = all
            .provinces
            .iter()
            .map(|p| (p.province, p.partners, p.deals, p.value_idr))
            .collect();
        assert_eq!(
            provinces,
            vec![(2, 1, 2, 500.0), (1, 2, 4, 300.0), (3, 1, 1, 0.0)]
        );
        let top = g.ties_of("n", 2).unwrap();
        assert_eq!(top.partners, all.partners[..2].to_vec());
        assert_eq!(top.totals, all.totals, "totals cover every partner");
        assert!(g.ties_of("n", 0).unwrap().partners.is_empty());
        let json = serde_json::to_value(&top).unwrap();
        assert_eq!(json["partners"][0]["role"], "both");
        assert_eq!(json["partners"][1]["role"], "sold_to");
        assert_eq!(g.ties_of("p3", 5).unwrap().partners[0].role, Role::SoldTo);
    }
}
