//! Province-level trade revealed by completed deals: [`ProvinceFlows`] (province to province,
//! and per province and commodity, updated by every deal), Balassa's revealed comparative
//! advantage and Michaely's trade complementarity.

use serde::Serialize;

use super::DealGraph;

/// Completed deal value between provinces, and per province and commodity, kept up to date by
/// every [`DealGraph::add`].
///
/// `flow` counts every completed deal (the diagonal holds deals inside a province); `sold` and
/// `bought` count only deals that cross a province border — exports and imports — because a
/// province trading with itself reveals no advantage over the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvinceFlows {
    pub(super) provinces: usize,
    pub(super) commodities: usize,
    /// `[seller_province × provinces + buyer_province]`.
    pub(super) flow: Vec<f64>,
    /// Σ over seller provinces of `flow[·][buyer_province]`.
    pub(super) purchases: Vec<f64>,
    /// `[province × commodities + commodity]`.
    pub(super) sold: Vec<f64>,
    pub(super) bought: Vec<f64>,
    pub(super) sold_total: Vec<f64>,
    pub(super) bought_total: Vec<f64>,
    /// Σ over provinces of `sold[·][commodity]`.
    pub(super) commodity_total: Vec<f64>,
    pub(super) total: f64,
}

impl ProvinceFlows {
    pub(super) fn new(provinces: usize, commodities: usize) -> ProvinceFlows {
        ProvinceFlows {
            provinces,
            commodities,
            flow: vec![0.0; provinces * provinces],
            purchases: vec![0.0; provinces],
            sold: vec![0.0; provinces * commodities],
            bought: vec![0.0; provinces * commodities],
            sold_total: vec![0.0; provinces],
            bought_total: vec![0.0; provinces],
            commodity_total: vec![0.0; commodities],
            total: 0.0,
        }
    }

    pub(super) fn record(&mut self, seller: usize, buyer: usize, commodity: usize, value: f64) {
        let (p, c) = (self.provinces, self.commodities);
        self.flow[seller * p + buyer] += value;
        self.purchases[buyer] += value;
        if seller != buyer {
            self.sold[seller * c + commodity] += value;
            self.bought[buyer * c + commodity] += value;
            self.sold_total[seller] += value;
            self.bought_total[buyer] += value;
            self.commodity_total[commodity] += value;
            self.total += value;
        }
    }

    pub fn provinces(&self) -> usize {
        self.provinces
    }

    pub fn commodities(&self) -> usize {
        self.commodities
    }

    /// Completed value sold by businesses of province `from` to businesses of province `to`
    /// (0 out of range).
    pub fn flow(&self, from: usize, to: usize) -> f64 {
        if from < self.provinces && to < self.provinces {
            self.flow[from * self.provinces + to]
        } else {
            0.0
        }
    }

    /// Completed value bought by province `p` from anywhere, itself included.
    pub fn purchases(&self, p: usize) -> f64 {
        self.purchases.get(p).copied().unwrap_or(0.0)
    }

    /// Value of commodity `c` that province `p` sold to other provinces.
    pub fn sold(&self, p: usize, c: usize) -> f64 {
        self.cell(&self.sold, p, c)
    }

    /// Value of commodity `c` that province `p` bought from other provinces.
    pub fn bought(&self, p: usize, c: usize) -> f64 {
        self.cell(&self.bought, p, c)
    }

    /// All that province `p` sold to other provinces.
    pub fn sold_total(&self, p: usize) -> f64 {
        self.sold_total.get(p).copied().unwrap_or(0.0)
    }

    /// All that province `p` bought from other provinces.
    pub fn bought_total(&self, p: usize) -> f64 {
        self.bought_total.get(p).copied().unwrap_or(0.0)
    }

    fn cell(&self, table: &[f64], p: usize, c: usize) -> f64 {
        if p < self.provinces && c < self.commodities {
            table[p * self.commodities + c]
        } else {
            0.0
        }
    }

    /// Balassa's revealed comparative advantage from deals:
    /// `RCA(p,c) = (S[p,c] / S[p]) / (S[all,c] / S[all])` over inter-provincial sales. `None`
    /// when `p` sold nothing, nobody sold `c`, or an index is out of range.
    pub fn rca(&self, p: usize, c: usize) -> Option<f64> {
        if p >= self.provinces || c >= self.commodities {
            return None;
        }
        let (sp, sc) = (self.sold_total[p], self.commodity_total[c]);
        if sp <= 0.0 || sc <= 0.0 || self.total <= 0.0 {
            return None;
        }
        Some((self.sold(p, c) / sp) / (sc / self.total))
    }

    /// Michaely's trade complementarity, 0 (nothing in common) to 100 (the seller province
    /// exports exactly the mix the buyer province imports):
    /// `TC(s,b) = 100 · (1 − Σ_c |m[b,c] − x[s,c]| / 2)`, m the buyer's import shares and x the
    /// seller's export shares by value. `None` when either has no such trade.
    pub fn complementarity(&self, seller: usize, buyer: usize) -> Option<f64> {
        if seller >= self.provinces || buyer >= self.provinces {
            return None;
        }
        let (xs, mb) = (self.sold_total[seller], self.bought_total[buyer]);
        if xs <= 0.0 || mb <= 0.0 {
            return None;
        }
        let c = self.commodities;
        let x = &self.sold[seller * c..(seller + 1) * c];
        let m = &self.bought[buyer * c..(buyer + 1) * c];
        let gap: f64 = x.iter().zip(m).map(|(x, m)| (m / mb - x / xs).abs()).sum();
        Some(100.0 * (1.0 - gap / 2.0))
    }
}

impl DealGraph {
    /// Completed trade between provinces and by commodity.
    pub fn province_flows(&self) -> &ProvinceFlows {
        &self.flows
    }

    /// [`ProvinceFlows::rca`].
    pub fn rca_from_deals(&self, province: usize, commodity: usize) -> Option<f64> {
        self.flows.rca(province, commodity)
    }

    /// [`ProvinceFlows::complementarity`].
    pub fn complementarity(&self, seller_province: usize, buyer_province: usize) -> Option<f64> {
        self.flows.complementarity(seller_province, buyer_province)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{assert_close, deal, graph};
    use crate::graph::{DealEdge, DealStatus};

    /// Completed flows (seller province → buyer province, commodity, value): 0→1 c0 60,
    /// 0→2 c1 20, 1→2 c1 40, 2→0 c0 30; inside province 0: c0 100; a failed 0→1 and an MoU
    /// 0→1 that do not count. Province 3 never trades.
    fn province_deals() -> Vec<DealEdge> {
        let flow = |id: &str, sp: u8, bp: u8, c: u16, v: f64| DealEdge {
            seller_province: sp,
            buyer_province: bp,
            commodity: c,
            value_idr: v,
            ..deal(
                id,
                &format!("buyer-{bp}-{id}"),
                &format!("seller-{sp}-{id}"),
            )
        };
        vec![
            flow("a", 0, 1, 0, 60.0),
            flow("b", 0, 2, 1, 20.0),
            flow("c", 1, 2, 1, 40.0),
            flow("d", 2, 0, 0, 30.0),
            flow("e", 0, 0, 0, 100.0),
            DealEdge {
                status: DealStatus::Failed,
                ..flow("f", 0, 1, 0, 1000.0)
            },
            DealEdge {
                status: DealStatus::Mou,
                ..flow("g", 0, 1, 1, 500.0)
            },
        ]
    }

    #[test]
    fn province_flows_count_completed_value() {
        let g = graph(province_deals());
        let f = g.province_flows();
        assert_eq!(f.flow(0, 1), 60.0);
        assert_eq!(
            f.flow(0, 0),
            100.0,
            "the diagonal holds trade inside a province"
        );
        assert_eq!(f.flow(2, 0), 30.0);
        assert_eq!(f.flow(1, 0), 0.0);
        assert_eq!(f.flow(9, 0), 0.0);
        assert_eq!(f.purchases(0), 130.0);
        assert_eq!(
            (f.sold(0, 0), f.sold(0, 1), f.sold_total(0)),
            (60.0, 20.0, 80.0)
        );
        assert_eq!((f.bought(2, 1), f.bought_total(2)), (60.0, 60.0));
        assert_eq!(
            f.bought_total(0),
            30.0,
            "inside-province trade is not an import"
        );
    }

    #[test]
    fn rca_from_deals_by_hand() {
        let g = graph(province_deals());
        // S[0] = (60, 20), S[1] = (0, 40), S[2] = (30, 0); S[all] = (90, 60), total 150.
        assert_close!(
            g.rca_from_deals(0, 0).unwrap(),
            (60.0 / 80.0) / (90.0 / 150.0)
        );
        assert_close!(g.rca_from_deals(0, 0).unwrap(), 1.25);
        assert_close!(g.rca_from_deals(1, 1).unwrap(), 2.5);
        assert_eq!(g.rca_from_deals(1, 0), Some(0.0));
        assert_close!(g.rca_from_deals(2, 0).unwrap(), 1.0 / 0.6);
        assert_eq!(g.rca_from_deals(3, 0), None, "province 3 sold nothing");
        assert_eq!(g.rca_from_deals(0, 7), None);
        assert_eq!(DealGraph::new(4, 2).rca_from_deals(0, 0), None);
    }

    #[test]
    fn michaely_complementarity_by_hand() {
        let g = graph(province_deals());
        // x[0] = (.75, .25); m[2] = (0, 1): Σ|m − x| = 1.5 → 25.
        assert_close!(g.complementarity(0, 2).unwrap(), 25.0);
        // x[1] = (0, 1) is exactly what province 2 imports.
        assert_close!(g.complementarity(1, 2).unwrap(), 100.0);
        // m[1] = (1, 0): Σ = .5 → 75.
        assert_close!(g.complementarity(0, 1).unwrap(), 75.0);
        assert_close!(g.complementarity(2, 2).unwrap(), 0.0);
        assert_close!(g.complementarity(2, 1).unwrap(), 100.0);
        assert_eq!(g.complementarity(3, 0), None);
        assert_eq!(g.complementarity(0, 3), None);
        assert_eq!(g.complementarity(0, 40), None);
    }
}
