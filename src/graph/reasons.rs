//! The sentences a [`Signals`] gives for a match, in English or Indonesian, to the buyer or to
//! the seller, and the small formatting helpers they use (plurals, province names, rupiah
//! amounts, calendar years).

use serde::{Deserialize, Serialize};

use super::Signals;
use crate::model::Lang;
use crate::model::dates;

/// Who reads the reasons: the buyer (about a seller) or the seller (about a buyer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Asker {
    Buyer,
    Seller,
}

impl Signals {
    /// Sentences for the buyer about this seller. `provinces[i]` names province `i` (a missing
    /// name reads "province i").
    pub fn reasons(&self, lang: Lang, provinces: &[&str]) -> Vec<String> {
        self.reasons_as(Asker::Buyer, lang, provinces)
    }

    /// Sentences for whoever asks: the buyer about the seller, or the seller about the buyer.
    pub fn reasons_as(&self, asker: Asker, lang: Lang, provinces: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let en = lang == Lang::En;
        let (them_en, them_id) = match asker {
            Asker::Buyer => ("this seller", "penjual ini"),
            Asker::Seller => ("this buyer", "pembeli ini"),
        };
        let d = &self.direct;
        if d.completed > 0 {
            let year = d.last_completed_day.map(year_of);
            out.push(match (en, year) {
                (true, Some(y)) => format!(
                    "You have completed {} with {them_en} (last in {y})",
                    plural(d.completed, "deal", "deals")
                ),
                (true, None) => format!(
                    "You have completed {} with {them_en}",
                    plural(d.completed, "deal", "deals")
                ),
                (false, Some(y)) => format!(
                    "Anda telah menyelesaikan {} transaksi dengan {them_id} (terakhir pada {y})",
                    d.completed
                ),
                (false, None) => format!(
                    "Anda telah menyelesaikan {} transaksi dengan {them_id}",
                    d.completed
                ),
            });
        }
        if d.mou > 0 {
            out.push(if en {
                format!("You signed {} with {them_en}", plural(d.mou, "MoU", "MoUs"))
            } else {
                format!("Anda telah menandatangani {} MoU dengan {them_id}", d.mou)
            });
        }
        if d.failed > 0 {
            out.push(if en {
                let verb = if d.failed == 1 { "has" } else { "have" };
                format!(
                    "{} earlier {} with {them_en} {verb} failed",
                    d.failed,
                    if d.failed == 1 { "deal" } else { "deals" }
                )
            } else {
                format!("{} transaksi sebelumnya dengan {them_id} gagal", d.failed)
            });
        }
        let c = &self.common;
        let k = c.bought_from_seller;
        if k > 0 {
            out.push(match (asker, en) {
                (Asker::Buyer, true) => format!(
                    "{k} of your past partners {} bought from this seller",
                    if k == 1 { "has" } else { "have" }
                ),
                (Asker::Buyer, false) => {
                    format!("{k} mitra Anda sebelumnya pernah membeli dari penjual ini")
                }
                (Asker::Seller, true) => format!(
                    "{k} of this buyer's past partners {} bought from you",
                    if k == 1 { "has" } else { "have" }
                ),
                (Asker::Seller, false) => {
                    format!("{k} mitra sebelumnya dari pembeli ini pernah membeli dari Anda")
                }
            });
        } else if c.common > 0 {
            out.push(if en {
                format!(
                    "You and {them_en} share {}",
                    plural(c.common, "trading partner", "trading partners")
                )
            } else {
                format!(
                    "Anda dan {them_id} memiliki {} mitra dagang yang sama",
                    c.common
                )
            });
        }
        let t = &self.seller;
        if asker == Asker::Buyer && t.completed + t.failed > 0 {
            out.push(if en {
                format!(
                    "Track record: {} completed, {} failed {} with {}",
                    t.completed,
                    t.failed,
                    if t.completed + t.failed == 1 {
                        "deal"
                    } else {
                        "deals"
                    },
                    plural(t.distinct_buyers, "buyer", "buyers")
                )
            } else {
                format!(
                    "Rekam jejak: {} transaksi selesai, {} gagal, dengan {} pembeli",
                    t.completed, t.failed, t.distinct_buyers
                )
            });
        }
        let p = &self.provinces;
        if let (Some(sp), Some(bp)) = (p.seller_province, p.buyer_province)
            && sp != bp
            && p.value_idr > 0.0
        {
            let (s, b) = (province_name(provinces, sp), province_name(provinces, bp));
            let v = idr(p.value_idr, lang);
            out.push(if en {
                format!("{s} sold {v} of goods to {b} in past deals")
            } else {
                format!("{s} telah menjual barang senilai {v} ke {b} dalam transaksi sebelumnya")
            });
        }
        let centrality = match asker {
            Asker::Buyer => self.seller_centrality,
            Asker::Seller => self.buyer_centrality,
        };
        if centrality >= 0.9 {
            let top = ((1.0 - centrality) * 100.0).ceil().max(1.0);
            out.push(if en {
                format!(
                    "{} is among the best-connected {top}% of businesses in the deal network",
                    capitalise(them_en)
                )
            } else {
                format!(
                    "{} termasuk {top}% bisnis dengan jaringan transaksi terluas",
                    capitalise(them_id)
                )
            });
        }
        out
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn province_name(names: &[&str], p: u8) -> String {
    match names.get(usize::from(p)) {
        Some(n) => (*n).to_string(),
        None => format!("province {p}"),
    }
}

/// Rupiah for a sentence: "Rp 1.2 bn" / "Rp 1,2 miliar".
fn idr(value: f64, lang: Lang) -> String {
    let v = value.max(0.0);
    let scales: [(f64, &str, &str); 3] = [
        (1e12, "tn", "triliun"),
        (1e9, "bn", "miliar"),
        (1e6, "million", "juta"),
    ];
    for (scale, en, id) in scales {
        if v >= scale {
            let mut n = format!("{:.1}", v / scale);
            if n.ends_with(".0") {
                n.truncate(n.len() - 2);
            }
            return match lang {
                Lang::En => format!("Rp {n} {en}"),
                Lang::Id => format!("Rp {} {id}", n.replace('.', ",")),
            };
        }
    }
    let digits = format!("{:.0}", v);
    let sep = if lang == Lang::En { ',' } else { '.' };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(sep);
        }
        grouped.push(ch);
    }
    format!("Rp {grouped}")
}

/// The calendar year of a day number (days since 1970-01-01), proleptic Gregorian.
fn year_of(day: i32) -> i64 {
    dates::year_of(i64::from(day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::DealEdge;
    use crate::graph::tests::{TODAY, deal, graph};

    #[test]
    fn reasons_in_english_and_indonesian() {
        let names = ["Aceh", "Jawa Timur", "Banten"];
        // X (Banten) buys from Y (Jawa Timur); three of X's suppliers also bought from Y.
        let mut deals = vec![
            DealEdge {
                buyer_province: 2,
                value_idr: 0.5e9,
                day: 19_783,
                ..deal("x1", "x", "y")
            },
            DealEdge {
                buyer_province: 2,
                value_idr: 0.7e9,
                day: 19_875,
                ..deal("x2", "x", "y")
            },
        ];
        for i in 1..=3 {
            let z = format!("z{i}");
            deals.push(deal(&format!("zy{i}"), &z, "y"));
            deals.push(DealEdge {
                buyer_province: 2,
                seller_province: 0,
                ..deal(&format!("xz{i}"), "x", &z)
            });
        }
        let g = graph(deals);
        let s = g.signals("x", "y", TODAY);
        assert_eq!(
            s.reasons(Lang::En, &names),
            vec![
                "You have completed 2 deals with this seller (last in 2024)",
                "3 of your past partners have bought from this seller",
                "Track record: 5 completed, 0 failed deals with 4 buyers",
                "Jawa Timur sold Rp 1.2 bn of goods to Banten in past deals",
            ]
        );
        assert_eq!(
            s.reasons(Lang::Id, &names),
            vec![
                "Anda telah menyelesaikan 2 transaksi dengan penjual ini (terakhir pada 2024)",
                "3 mitra Anda sebelumnya pernah membeli dari penjual ini",
                "Rekam jejak: 5 transaksi selesai, 0 gagal, dengan 4 pembeli",
                "Jawa Timur telah menjual barang senilai Rp 1,2 miliar ke Banten dalam \
                 transaksi sebelumnya",
            ]
        );
        assert_eq!(
            s.reasons_as(Asker::Seller, Lang::En, &[]),
            vec![
                "You have completed 2 deals with this buyer (last in 2024)",
                "3 of this buyer's past partners have bought from you",
                "province 1 sold Rp 1.2 bn of goods to province 2 in past deals",
            ]
        );
        assert!(
            g.signals("x", "nobody", TODAY)
                .reasons(Lang::En, &names)
                .is_empty()
        );
    }

    #[test]
    fn money_and_years_read_naturally() {
        assert_eq!(idr(1.2e9, Lang::En), "Rp 1.2 bn");
        assert_eq!(idr(340.5e9, Lang::Id), "Rp 340,5 miliar");
        assert_eq!(idr(2e12, Lang::Id), "Rp 2 triliun");
        assert_eq!(idr(25e6, Lang::En), "Rp 25 million");
        assert_eq!(idr(750_000.0, Lang::En), "Rp 750,000");
        assert_eq!(idr(750_000.0, Lang::Id), "Rp 750.000");
        assert_eq!(idr(12.0, Lang::Id), "Rp 12");
        assert_eq!(
            (year_of(0), year_of(-1), year_of(11_016)),
            (1970, 1969, 2000)
        );
        assert_eq!((year_of(19_722), year_of(19_723)), (2023, 2024));
    }
}
