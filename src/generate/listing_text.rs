//! Titles and descriptions of offers and needs, in Indonesian or English.

use crate::model::Quantity;
use crate::reference::CommodityIx;

use super::business::Draft;
use super::model::Model;
use super::rng::Rng;
use super::tables::{SECTORS, Sector};
use super::text::{
    amount_en, amount_id, lower_first, nice, num_en, num_id, unit_en, unit_id, upper_first,
};

pub(super) fn offer_title(
    model: &Model,
    rng: &mut Rng,
    c: CommodityIx,
    label: Option<&str>,
    city: &str,
    english: bool,
) -> String {
    let titles = model.titles[c];
    let base = if english && rng.chance(0.6) {
        let en = upper_first(&model.english[c]);
        match model.category(c) {
            "horticulture" | "fishery" if rng.chance(0.5) => format!("Fresh {}", model.english[c]),
            _ if rng.chance(0.3) => format!("Premium {}", model.english[c]),
            _ => en,
        }
    } else if !titles.is_empty() && rng.chance(0.85) {
        rng.pick(titles).to_string()
    } else {
        upper_first(&model.lower[c])
    };
    match label {
        Some(l) if rng.chance(0.7) && !base.contains(l) => format!("{base} {l}"),
        _ if rng.chance(0.12) && !base.contains(city) => format!("{base} {city}"),
        _ => base,
    }
}

pub(super) fn need_title(model: &Model, rng: &mut Rng, c: CommodityIx, english: bool) -> String {
    let titles = model.titles[c];
    let base = if !titles.is_empty() && rng.chance(0.7) {
        rng.pick(titles).to_string()
    } else {
        upper_first(&model.lower[c])
    };
    if english {
        let en = &model.english[c];
        return match rng.below(3) {
            0 => format!("Sourcing {en}"),
            1 => format!("{} supply wanted", upper_first(en)),
            _ => base,
        };
    }
    let low = lower_first(&base);
    match rng.below(6) {
        0 => format!("Butuh {low}"),
        1 => format!("Kebutuhan {low} rutin"),
        2 => format!("Pasokan {low}"),
        3 => format!("Dicari pemasok {low}"),
        _ => base,
    }
}

pub(super) fn offer_description(
    model: &Model,
    rng: &mut Rng,
    c: CommodityIx,
    d: &Draft,
    qty: f64,
    unit: &str,
    per: &str,
) -> String {
    let q = Quantity {
        qty,
        unit: unit.to_string(),
        per: Some(per.to_string()),
    };
    if d.english {
        let en = &model.english[c];
        return match rng.below(4) {
            0 => format!(
                "Steady supply of {en}, up to {}. Delivery to other provinces by truck or ship.",
                amount_en(&q)
            ),
            1 => format!(
                "Graded and packed to order; minimum order {} {}.",
                num_en(nice(qty / 10.0)),
                unit_en(unit, 2.0)
            ),
            2 => format!("Long-term contracts welcome. Capacity {}.", amount_en(&q)),
            _ => format!(
                "Harvested and shipped weekly; price negotiable for regular buyers of {en}."
            ),
        };
    }
    let name = &model.lower[c];
    let cat = model.category(c);
    let mut parts: Vec<String> = Vec::new();
    parts.push(match rng.below(5) {
        0 => format!(
            "Stok {name} rutin setiap bulan, kapasitas {}.",
            amount_id(&q)
        ),
        1 => format!(
            "Minimal order {} {}.",
            num_id(nice(qty / 10.0)),
            unit_id(unit)
        ),
        2 => "Harga bisa nego untuk kontrak jangka panjang.".to_string(),
        3 => format!("Siap kirim ke luar provinsi, kapasitas {}.", amount_id(&q)),
        _ => format!("Pemasok {name} langsung dari produsen."),
    });
    let extra = match cat {
        "horticulture" | "food_crop" => {
            Some("Sortir grade A, kemasan karung atau keranjang sesuai permintaan.")
        }
        "fishery" => Some("Penanganan rantai dingin, pengiriman dengan boks berinsulasi."),
        "processed_food" => Some("Kemasan rapi dengan label, bisa maklon untuk merek pembeli."),
        "building_material" => Some("Bisa kirim langsung ke lokasi proyek."),
        "livestock" => Some("Sehat, dengan surat keterangan kesehatan hewan."),
        "estate_crop" => Some("Kadar air terjaga, kualitas ekspor tersedia."),
        _ => None,
    };
    if let Some(e) = extra.filter(|_| rng.chance(0.5)) {
        parts.push(e.to_string());
    }
    parts.join(" ")
}

pub(super) fn need_description(model: &Model, rng: &mut Rng, c: CommodityIx, d: &Draft) -> String {
    let name = &model.lower[c];
    let product = &model.lower[d.offers[0]];
    if d.english {
        return match rng.below(3) {
            0 => format!(
                "Raw material for our {}; regular monthly orders.",
                model.english[d.offers[0]]
            ),
            1 => format!(
                "Looking for a steady supplier of {} from another province.",
                model.english[c]
            ),
            _ => "Payment 14–30 days after delivery.".to_string(),
        };
    }
    match (SECTORS[d.sector].sector, rng.below(4)) {
        (Sector::Kuliner, 0 | 1) => {
            format!("Untuk kebutuhan dapur dan katering, {name} dipesan rutin tiap minggu.")
        }
        (Sector::Dagang, 0 | 1) => format!(
            "Untuk dipasarkan kembali ke pasar-pasar di daerah kami; mencari pemasok {name} tetap."
        ),
        (_, 0) => format!("Bahan baku produksi {product}, kebutuhan rutin tiap bulan."),
        (_, 1) => format!("Mencari pemasok {name} tetap dari luar provinsi."),
        (_, 2) => "Pembayaran tempo 14–30 hari, kontrak jangka panjang terbuka.".to_string(),
        _ => format!("Kualitas {name} sesuai standar, pengiriman ke gudang kami."),
    }
}
