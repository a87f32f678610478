//! Business names and descriptions, by kind and sector, with regional personal names.

use crate::model::{BusinessKind, Quantity};
use crate::reference::{CommodityIx, ProvinceIx};

use super::business::Draft;
use super::model::Model;
use super::rng::Rng;
use super::tables::{CORP_TAIL, NAME_FIRST, NAME_SECOND, SECTORS, Sector, people};
use super::text::{amount_en, amount_id, join_list, title_case, upper_first};

/// Initials of the significant words: "Asosiasi Petani Bawang Merah Nganjuk" → "APBMN".
fn acronym(name: &str) -> String {
    name.split(' ')
        .filter(|w| !matches!(*w, "dan" | "di" | "&"))
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

fn auspicious(rng: &mut Rng) -> String {
    let a = *rng.pick(NAME_FIRST);
    let mut b = *rng.pick(NAME_SECOND);
    while b == a || b.starts_with(a) {
        b = *rng.pick(NAME_SECOND);
    }
    format!("{a} {b}")
}

fn person(model: &Model, rng: &mut Rng, p: ProvinceIx, honorific: bool) -> String {
    let (men, women, hm, hw) = people(model.region[p]);
    let woman = rng.chance(0.4);
    let name = if woman {
        rng.pick(women)
    } else {
        rng.pick(men)
    };
    if honorific {
        let h = if woman { rng.pick(hw) } else { rng.pick(hm) };
        format!("{h} {name}")
    } else {
        name.to_string()
    }
}

/// A short product word for names: "Brambang", "Lombok", "Mina" for fish…
fn product_word(model: &Model, rng: &mut Rng, c: CommodityIx) -> String {
    let words: &[&str] = match model.key(c) {
        "bawang_merah" => &["Brambang", "Bawang"],
        "cabai_rawit" | "cabai_besar" => &["Lombok", "Cabe"],
        "padi" | "beras" => &["Beras", "Padi", "Lumbung"],
        "sapi" | "daging_sapi" => &["Lembu", "Sapi"],
        "daging_ayam" | "ayam_hidup" | "doc_ayam" | "telur_ayam" => &["Unggas", "Ayam", "Telur"],
        "susu" => &["Susu", "Perah"],
        k if model.category(c) == "fishery" && k != "rumput_laut" => &["Mina", "Bahari", "Samudra"],
        "rumput_laut" => &["Rumput Laut", "Bahari"],
        "mebel" | "kayu" | "veneer" | "kayu_lapis" | "kayu_bulat" => &["Jati", "Kayu", "Mebel"],
        "pupuk" | "pupuk_organik" | "benih" => &["Agro", "Tani"],
        "pakan_ternak" | "pakan_ikan" => &["Pakan", "Feed"],
        "semen" | "bata" | "bata_ringan" | "besi_baja" => &["Bangunan", "Beton", "Material"],
        _ => &[],
    };
    if words.is_empty() {
        model.proper[c].clone()
    } else {
        rng.pick(words).to_string()
    }
}

pub(super) fn business_name(
    model: &Model,
    rng: &mut Rng,
    p: ProvinceIx,
    d: &Draft,
    city: &str,
) -> String {
    use BusinessKind as K;
    let sec = &SECTORS[d.sector];
    let main = d.offers[0];
    let prov = &model.r.provinces[p];
    let prov_short = if prov.abbrev.is_empty() {
        prov.name.as_str()
    } else {
        prov.abbrev.as_str()
    };
    let product = &model.proper[main];
    match d.kind {
        K::Umkm => match (sec.sector, rng.below(6)) {
            (Sector::Kuliner, 0 | 1) => {
                let place = *rng.pick(&["Rumah Makan", "Warung", "Depot", "Katering", "Dapur"]);
                format!("{place} {}", person(model, rng, p, true))
            }
            (Sector::Kuliner, 2 | 3) => {
                let place = *rng.pick(&["Rumah Makan", "Resto", "Katering", "Warung Makan"]);
                format!("{place} {}", auspicious(rng))
            }
            (Sector::Olahan | Sector::Tekstil, 0 | 1) => {
                format!("{product} {}", person(model, rng, p, true))
            }
            (Sector::Horti | Sector::Ternak | Sector::Ikan | Sector::Kebun, 0) => {
                let suffix = *rng.pick(&["Farm", "Tani", "Putra", "Group"]);
                format!("{} {suffix}", person(model, rng, p, false))
            }
            (_, 1 | 2) => {
                let legal = *rng.pick(&["UD", "UD", "CV", "PD"]);
                format!(
                    "{legal} {} {}",
                    product_word(model, rng, main),
                    rng.pick(NAME_SECOND)
                )
            }
            (_, 3) => format!("CV {} Putra", person(model, rng, p, false)),
            _ => {
                let legal = *rng.pick(&["UD", "UD", "CV", "CV", "PD", "Toko"]);
                format!("{legal} {}", auspicious(rng))
            }
        },
        K::Cooperative => match (sec.sector, rng.below(4)) {
            (Sector::Ternak, 0) if model.key(main) == "susu" => format!("KPSP {}", auspicious(rng)),
            (Sector::Ternak, 0 | 1) => format!(
                "Koperasi Peternak {} {}",
                product_word(model, rng, main),
                rng.pick(NAME_SECOND)
            ),
            (Sector::Ikan, 0 | 1) => format!("Koperasi Nelayan Mina {}", rng.pick(NAME_SECOND)),
            (Sector::Horti | Sector::Pangan | Sector::Kebun, 0) => {
                format!("Koperasi Tani {}", auspicious(rng))
            }
            (_, 1) => format!("Koperasi Produsen {product} {city}"),
            (_, 2) => format!("KUD {}", auspicious(rng)),
            _ => format!("Koperasi Serba Usaha {}", auspicious(rng)),
        },
        K::Association => {
            let base = match (sec.sector, rng.below(4)) {
                (Sector::Horti | Sector::Pangan | Sector::Kebun, 0) => {
                    format!("Gabungan Kelompok Tani {}", auspicious(rng))
                }
                (Sector::Horti | Sector::Pangan | Sector::Kebun, _) => {
                    format!("Asosiasi Petani {product} {city}")
                }
                (Sector::Ternak, _) => format!("Asosiasi Peternak {product} {}", prov.name),
                (Sector::Ikan, 0) => format!("Himpunan Nelayan {city}"),
                (Sector::Ikan, _) => format!("Asosiasi Pembudidaya {product} {}", prov.name),
                (Sector::Tekstil | Sector::Manufaktur, 0) => {
                    format!("Perkumpulan Perajin {product} {city}")
                }
                (Sector::Kuliner, _) => format!("Asosiasi Pengusaha Kuliner {}", prov.name),
                (_, 1) => format!("Himpunan Pengusaha {product} {}", prov.name),
                (_, 2) => format!(
                    "Gabungan Pengusaha {} {}",
                    title_case(sec.label_id),
                    prov.name
                ),
                _ => format!("Asosiasi Industri Kecil Menengah {product} {city}"),
            };
            if rng.chance(0.35) {
                format!("{base} ({})", acronym(&base))
            } else {
                base
            }
        }
        K::Bumd => match rng.below(5) {
            0..=2 => {
                let word = *rng.pick(&[
                    "Agro",
                    "Pangan",
                    "Niaga",
                    "Wira",
                    "Aneka",
                    "Sarana",
                    "Agrobisnis",
                    "Mina",
                    "Bina",
                ]);
                let tail = *rng.pick(&[
                    "Mandiri",
                    "Utama",
                    "Berdikari",
                    "Sejahtera",
                    "Jaya",
                    "Makmur",
                    "Usaha",
                ]);
                format!("PT {word} {prov_short} {tail} (Perseroda)")
            }
            3 => {
                let word = *rng.pick(&["Pasar", "Pangan", "Agro", "Aneka Usaha", "Tirta"]);
                format!("Perumda {word} {city}")
            }
            _ => format!("PD Aneka Usaha {city}"),
        },
        K::Corporate => {
            let word = if rng.chance(0.6) {
                rng.pick(sec.words).to_string()
            } else {
                product_word(model, rng, main)
            };
            match rng.below(4) {
                0 => format!("PT {} {word} {}", rng.pick(NAME_FIRST), rng.pick(CORP_TAIL)),
                1 => format!("PT {city} {word} {}", rng.pick(CORP_TAIL)),
                2 => format!("PT {} {word}", auspicious(rng)),
                _ => format!(
                    "PT {word} {} {}",
                    rng.pick(NAME_SECOND),
                    rng.pick(CORP_TAIL)
                ),
            }
        }
    }
}

pub(super) fn business_description(
    model: &Model,
    rng: &mut Rng,
    p: ProvinceIx,
    d: &Draft,
    city: &str,
    founded: u32,
    cap: &Quantity,
) -> String {
    use BusinessKind as K;
    let sec = &SECTORS[d.sector];
    let prov = &model.r.provinces[p].name;
    let ids: Vec<String> = d.offers.iter().map(|&c| model.lower[c].clone()).collect();
    let ens: Vec<String> = d.offers.iter().map(|&c| model.english[c].clone()).collect();
    let (product, products) = (&ids[0], join_list(&ids, "dan"));
    let (product_en, products_en) = (&ens[0], join_list(&ens, "and"));
    let members = match d.kind {
        K::Association => rng.range(2, 60) * 5,
        _ => rng.range(3, 120) * 5,
    };
    let provinces = rng.range(3, 20);
    if d.english {
        return match d.kind {
            K::Umkm => match rng.below(3) {
                0 => format!(
                    "Family-run {product_en} business in {city}, {prov}, since {founded}. Capacity {}.",
                    amount_en(cap)
                ),
                1 => format!(
                    "Small producer of {products_en} from {city}, founded {founded}; we supply about {}.",
                    amount_en(cap)
                ),
                _ => format!(
                    "{} supplier based in {city} since {founded}, shipping across Indonesia.",
                    upper_first(product_en)
                ),
            },
            K::Cooperative => format!(
                "Cooperative of {members} {} in {city}, founded {founded}; markets its members' {products_en}, about {}.",
                sec.members_en,
                amount_en(cap)
            ),
            K::Association => format!(
                "Association of {members} {} in {prov}, founded {founded}. Members supply {products_en}.",
                sec.members_en
            ),
            K::Bumd => format!(
                "Regional government-owned enterprise of {prov}, trading the province's {products_en} since {founded}."
            ),
            K::Corporate => format!(
                "{} company in {city} since {founded}; capacity {}, shipping to {provinces} provinces.",
                upper_first(sec.label_en),
                amount_en(cap)
            ),
        };
    }
    let cap_id = amount_id(cap);
    match d.kind {
        K::Umkm => match (sec.sector, rng.below(4)) {
            (Sector::Kuliner, _) => format!(
                "Rumah makan dan katering di {city} sejak {founded}, melayani sekitar {} porsi per hari. Juga menjual {products}.",
                rng.range(5, 80) * 10
            ),
            (Sector::Horti | Sector::Pangan | Sector::Kebun, 0) => format!(
                "Petani dan pemasok {product} sejak {founded}. Lahan {} hektare di {city}, kapasitas {cap_id}.",
                rng.range(1, 25)
            ),
            (Sector::Horti | Sector::Pangan | Sector::Kebun, 1) => format!(
                "Pengepul {product} dari petani sekitar {city}; berdiri {founded}, pasokan rutin {cap_id}."
            ),
            (Sector::Ternak, 0 | 1) => {
                format!("Peternakan keluarga di {city} sejak {founded}, kapasitas {cap_id}.")
            }
            (Sector::Ikan, 0 | 1) => {
                format!("Usaha perikanan di {city}, {prov}, sejak {founded}; kapasitas {cap_id}.")
            }
            (Sector::Olahan | Sector::Manufaktur | Sector::Tekstil, 0 | 1) => format!(
                "Industri rumahan {product} di {city} dengan {} karyawan, berdiri {founded}. Kapasitas produksi {cap_id}.",
                rng.range(3, 40)
            ),
            (_, 2) => format!(
                "Usaha keluarga di {city}, {prov}, yang memasarkan {products} sejak {founded}. Kapasitas {cap_id}."
            ),
            _ => format!(
                "UMKM {} dari {city} sejak {founded}: {products}, kapasitas {cap_id}.",
                sec.label_id
            ),
        },
        K::Cooperative => format!(
            "Koperasi dengan {members} anggota {} di {city}, berdiri {founded}. Memasarkan {products} hasil anggota, kapasitas {cap_id}.",
            sec.members_id
        ),
        K::Association => format!(
            "Asosiasi {members} {} di {prov}, didirikan {founded}. Anggota memasok {products}.",
            sec.members_id
        ),
        K::Bumd => format!(
            "Badan usaha milik daerah {prov} di bidang {}; memasarkan {products} hasil daerah sejak {founded}.",
            sec.label_id
        ),
        K::Corporate => match rng.below(2) {
            0 => format!(
                "Perusahaan {} di {city} sejak {founded}, kapasitas {cap_id}, distribusi ke {provinces} provinsi.",
                sec.label_id
            ),
            _ => format!(
                "Produsen dan distributor {products} berskala besar, berkantor di {city} sejak {founded}; kapasitas {cap_id}."
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronym_takes_the_initials_of_significant_words() {
        assert_eq!(acronym("Asosiasi Petani Bawang Merah Nganjuk"), "APBMN");
    }
}
