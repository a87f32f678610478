//! `GET /v1/supply`: the supply model's answer for one commodity and buying province —
//! origins by expected share, with their volume, surplus, distance and the reasons.

use super::Engine;
use super::types::{SupplyModelInfo, SupplyOrigin, SupplyResponse};
use crate::error::{Error, Result};
use crate::model::Lang;
use crate::score::supply_reasons;

impl Engine {
    /// Where province `to` is expected to buy `commodity` (a key or a name).
    pub fn supply(
        &self,
        commodity: &str,
        to: &str,
        limit: Option<usize>,
        lang: Lang,
    ) -> Result<SupplyResponse> {
        let r = &self.reference;
        let d = r.require_province_named("to", to)?;
        let c = match r.commodity(commodity.trim()) {
            Some(c) => c,
            None => match r.commodities_in_text(commodity).as_slice() {
                [c] => *c,
                [] => {
                    return Err(Error::invalid(
                        "commodity",
                        format!(
                            "unknown commodity {commodity:?}; give a catalog key or name (see GET /v1/commodities)"
                        ),
                    ));
                }
                _ => {
                    return Err(Error::invalid(
                        "commodity",
                        format!("{commodity:?} names several commodities; ask for one"),
                    ));
                }
            },
        };
        let limit = limit.unwrap_or(r.provinces.len());
        if limit == 0 || limit > r.provinces.len() {
            return Err(Error::invalid(
                "limit",
                format!("must be from 1 to {}", r.provinces.len()),
            ));
        }
        let params = *r.supply_params();
        let model = SupplyModelInfo {
            params,
            form: "S(o|d) ∝ P(o)·min(P(o)/C(o), r_cap)^gamma · exp(−b·km/1000 − c_sea·[sea crossing]); \
                   C = population × national production per head; the destination covers its own \
                   consumption first"
                .to_string(),
            fitted_on: "../shared/data/trade_flows_train.csv: 9 statements (rice into Jakarta, chili into \
                        Jakarta, Riau and Kepri); leave-one-out 8/9 main origins first \
                        (benches/supply_prototype/REPORT.md)"
                .to_string(),
        };
        let (dp, com) = (&r.provinces[d], &r.commodities[c]);
        let Some(s) = r.supply(c) else {
            return Ok(SupplyResponse {
                commodity: com.key.clone(),
                name: com.name_id.clone(),
                to: dp.code.clone(),
                to_name: dp.name.clone(),
                table: None,
                self_supply: None,
                production_t: None,
                consumption_t: None,
                deficit_t: None,
                origins: Vec::new(),
                no_figure: Vec::new(),
                model,
                message: Some(match lang {
                    Lang::En => format!("No production table measures {} yet", com.name_en),
                    Lang::Id => format!("Belum ada tabel produksi untuk {}", com.name_id),
                }),
            });
        };
        let round = |x: f64, places: i32| {
            let f = 10f64.powi(places);
            (x * f).round() / f
        };
        let origins = s
            .origins(d)
            .into_iter()
            .take(limit)
            .map(|(o, share)| {
                let op = &r.provinces[o];
                SupplyOrigin {
                    province: op.code.clone(),
                    name: op.name.clone(),
                    share: round(share, 5),
                    tons: s.tons(o).map(|t| round(t, 1)),
                    figure: s.figure(o),
                    self_ratio: s.ratio(o).map(|x| round(x, 3)),
                    surplus_t: s
                        .tons(o)
                        .zip(s.consumption(o))
                        .map(|(t, c)| round(t - c, 0)),
                    km: round(f64::from(r.distance_km(o, d)), 0),
                    sea_crossing: op.island != dp.island,
                    reasons: supply_reasons(r, c, o, d, lang),
                }
            })
            .collect();
        Ok(SupplyResponse {
            commodity: com.key.clone(),
            name: com.name_id.clone(),
            to: dp.code.clone(),
            to_name: dp.name.clone(),
            table: Some(s.table.clone()),
            self_supply: s.self_supply(d).map(|x| round(x, 4)),
            production_t: s.tons(d).map(|t| round(t, 1)),
            consumption_t: s.consumption(d).map(|t| round(t, 0)),
            deficit_t: s.deficit_t(d).map(|t| round(t, 0)),
            origins,
            no_figure: s
                .unknown_origins(d)
                .into_iter()
                .map(|o| r.provinces[o].code.clone())
                .collect(),
            model,
            message: None,
        })
    }
}
