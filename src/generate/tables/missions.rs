//! East Java's real domestic trade missions ([`MISSIONS`]).

/// East Java's domestic trade missions, from `shared/data/jatim_trade_missions.csv` (the Hong
/// Kong mission has no partner province and is left out). `date` is as given there: a day, a
/// month or a year ([`mission_day`](crate::generate::missions::mission_day) picks a fixed day
/// for the last two). Totals in rupiah;
/// `sell`/`buy` are East Java's sales and purchases where reported (0 = not reported).
/// `origin`/`host` are participant counts (reported for three missions; otherwise 60 + 100),
/// `deals` the reported number of transactions where known. `sells`/`buys` map the goods the
/// source names to catalog keys.
pub(crate) struct MissionDef {
    pub(crate) date: &'static str,
    pub(crate) partner: &'static str,
    slug: &'static str,
    pub(crate) total_idr: f64,
    pub(crate) sell_idr: f64,
    pub(crate) buy_idr: f64,
    pub(crate) origin: usize,
    pub(crate) host: usize,
    pub(crate) deals: Option<usize>,
    pub(crate) sells: &'static [&'static str],
    pub(crate) buys: &'static [&'static str],
}

#[rustfmt::skip]
pub(crate) const MISSIONS: &[MissionDef] = &[
    MissionDef { date: "2020", partner: "16", slug: "sumsel", total_idr: 306_550_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef { date: "2021", partner: "31", slug: "dki", total_idr: 750_440_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef { date: "2022-02", partner: "72", slug: "sulteng", total_idr: 104_920_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef { date: "2022", partner: "63", slug: "kalsel", total_idr: 147_310_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef {
        date: "2022-12-14", partner: "62", slug: "kalteng", total_idr: 293_590_000_000.0, sell_idr: 0.0, buy_idr: 0.0,
        origin: 55, host: 98, deals: Some(40),
        sells: &["daging_sapi", "rokok", "beras", "pakan_ikan"], buys: &[],
    },
    MissionDef {
        date: "2023-09-11", partner: "36", slug: "banten", total_idr: 340_477_000_000.0, sell_idr: 312_017_000_000.0, buy_idr: 28_400_000_000.0,
        origin: 57, host: 100, deals: None,
        sells: &["pakan_ikan", "rumput_laut", "daging_sapi", "benih", "rokok", "semen", "bata_ringan", "kopi", "daging_ayam", "beras", "mebel"],
        buys: &["beras", "arang_tempurung", "besi_baja", "lada", "gula_merah"],
    },
    MissionDef {
        date: "2025-05-08", partner: "64", slug: "kaltim", total_idr: 1_053_146_943_500.0, sell_idr: 598_953_143_500.0, buy_idr: 230_099_800_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["pakan_ikan", "makanan_ringan", "tekstil", "telur_ayam", "sapi", "daging_ayam", "olahan_perikanan", "rokok", "bumbu", "mesin_peralatan"],
        buys: &[],
    },
    MissionDef {
        date: "2025-09-17", partner: "63", slug: "kalsel", total_idr: 1_661_131_683_000.0, sell_idr: 1_574_000_000_000.0, buy_idr: 86_894_000_000.0,
        origin: 61, host: 120, deals: None,
        sells: &["telur_ayam", "daging_ayam", "sapi", "kambing", "kopi", "mesin_peralatan", "pakan_ikan", "pakan_ternak", "apel", "jeruk", "rokok", "bumbu", "pupuk", "tekstil", "besi_baja", "benih", "gula_merah", "minyak_goreng"],
        buys: &["arang_kayu", "bandeng", "patin", "udang", "veneer", "arang_tempurung", "olahan_daging", "kayu_bulat"],
    },
    MissionDef {
        date: "2025-09-29", partner: "16", slug: "sumsel", total_idr: 1_000_055_301_000.0, sell_idr: 904_867_201_000.0, buy_idr: 95_188_100_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["olahan_daging", "susu", "daging_ayam", "rokok", "ikan_beku", "gula_merah", "beras", "makanan_ringan", "fillet_dori", "mesin_peralatan", "sepatu", "produk_kebersihan", "benih"],
        buys: &["kelapa", "veneer", "madu", "daging_ayam"],
    },
    MissionDef {
        date: "2025-10-18", partner: "72", slug: "sulteng", total_idr: 1_542_000_000_000.0, sell_idr: 1_297_000_000_000.0, buy_idr: 245_090_000_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["semen", "besi_baja", "benih", "susu", "olahan_daging", "pakan_ikan"],
        buys: &["kopi", "kelapa", "tuna", "bandeng"],
    },
    MissionDef {
        date: "2026-01-29", partner: "33", slug: "jateng", total_idr: 3_152_408_358_000.0, sell_idr: 2_759_547_585_000.0, buy_idr: 296_860_773_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["rokok", "beras", "kopi", "molases", "pakan_ikan", "benih", "olahan_perikanan", "daging_ayam", "daging_sapi", "susu", "gula", "doc_ayam", "fillet_dori", "sapi", "jagung", "tekstil", "veneer", "pupuk_organik"],
        buys: &["kayu_bulat", "karung", "cengkeh", "tembakau", "katul", "minuman", "sambal", "kemasan", "tepung_tapioka", "kerajinan", "gula_merah"],
    },
    MissionDef {
        date: "2026-03-02", partner: "31", slug: "dki", total_idr: 5_744_955_800_000.0, sell_idr: 5_615_355_800_000.0, buy_idr: 129_600_000_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["daging_ayam", "doc_ayam", "ayam_hidup", "kopi", "fillet_dori", "olahan_perikanan", "olahan_daging", "susu", "telur_ayam", "gula", "pakan_ikan", "rokok", "tekstil", "sambal", "kecap", "bumbu", "makanan_ringan", "batik", "kayu", "ikan_hias", "cerutu", "domba"],
        buys: &["daging_sapi"],
    },
];

impl MissionDef {
    pub(crate) fn id(&self) -> String {
        format!("jatim-{}-{}", self.slug, &self.date[..4])
    }
}
