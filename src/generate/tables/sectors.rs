//! Lines of business ([`Sector`], [`SECTORS`]) and the share of each kind of business.

/// Lines of business. Each has a pool of goods it offers, the kinds of business that run it
/// (weights in `BusinessKind::ALL` order: UMKM, BUMD, cooperative, association, corporate),
/// and words for names and descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sector {
    Horti,
    Pangan,
    Kebun,
    Ternak,
    Ikan,
    Olahan,
    Kuliner,
    Input,
    Bangunan,
    Manufaktur,
    Tekstil,
    /// Traders of farm goods; BUMDs here market their province's strengths.
    Dagang,
}

pub(crate) struct SectorDef {
    pub(crate) sector: Sector,
    /// Offered goods; empty for `Dagang`, which trades every farm and food good.
    pub(crate) offers: &'static [&'static str],
    pub(crate) kinds: [f64; 5],
    pub(crate) label_id: &'static str,
    pub(crate) label_en: &'static str,
    /// Who the members of a cooperative or association are.
    pub(crate) members_id: &'static str,
    pub(crate) members_en: &'static str,
    /// Words for company names.
    pub(crate) words: &'static [&'static str],
}

pub(crate) fn sector_ix(s: Sector) -> usize {
    SECTORS
        .iter()
        .position(|d| d.sector == s)
        .expect("every sector is in SECTORS")
}

#[rustfmt::skip]
pub(crate) const SECTORS: &[SectorDef] = &[
    SectorDef {
        sector: Sector::Horti,
        offers: &["bawang_merah", "bawang_putih", "bawang_bombay", "cabai_rawit", "cabai_besar", "tomat", "kentang", "kubis", "wortel", "mangga", "manggis", "pisang", "jeruk", "apel", "alpukat", "buah_naga", "bawang_daun", "kembang_kol", "sawi", "kacang_panjang", "terung", "buncis", "ketimun", "labu_siam", "kangkung", "bayam", "melinjo", "paprika", "jamur", "petai", "jengkol", "nanas"],
        kinds: [14.0, 6.0, 25.0, 16.0, 3.0],
        label_id: "hortikultura",
        label_en: "horticulture",
        members_id: "petani",
        members_en: "farmers",
        words: &["Agro", "Tani", "Hortikultura", "Agri", "Hijau"],
    },
    SectorDef {
        sector: Sector::Pangan,
        offers: &["padi", "beras", "jagung", "kedelai", "kacang_tanah", "ubi_kayu", "ubi_jalar", "katul"],
        kinds: [6.0, 16.0, 22.0, 8.0, 5.0],
        label_id: "tanaman pangan",
        label_en: "food crops",
        members_id: "petani",
        members_en: "farmers",
        words: &["Pangan", "Agri", "Tani", "Beras", "Lumbung"],
    },
    SectorDef {
        sector: Sector::Kebun,
        offers: &["kelapa", "kopra", "kelapa_sawit", "kopi", "kakao", "cengkeh", "pala", "lada", "vanili", "jambu_mete", "tembakau", "tebu", "karet", "teh"],
        kinds: [6.0, 10.0, 16.0, 12.0, 10.0],
        label_id: "perkebunan",
        label_en: "plantation crops",
        members_id: "pekebun",
        members_en: "smallholders",
        words: &["Perkebunan", "Agro", "Plantation", "Kebun", "Estate"],
    },
    SectorDef {
        sector: Sector::Ternak,
        offers: &["sapi", "kambing", "domba", "daging_sapi", "daging_ayam", "ayam_hidup", "doc_ayam", "telur_ayam", "susu", "madu", "sarang_walet", "daging_kerbau"],
        kinds: [8.0, 10.0, 15.0, 12.0, 8.0],
        label_id: "peternakan",
        label_en: "livestock",
        members_id: "peternak",
        members_en: "livestock farmers",
        words: &["Ternak", "Peternakan", "Farm", "Satwa", "Unggas"],
    },
    SectorDef {
        sector: Sector::Ikan,
        offers: &["perikanan_tangkap", "ikan_segar", "ikan_beku", "udang", "udang_beku", "lele", "patin", "fillet_dori", "bandeng", "tuna", "ikan_hias", "benih_ikan", "rumput_laut", "ikan_perairan_umum"],
        kinds: [8.0, 8.0, 14.0, 12.0, 8.0],
        label_id: "perikanan",
        label_en: "fisheries",
        members_id: "nelayan dan pembudidaya ikan",
        members_en: "fishers and fish farmers",
        words: &["Mina", "Bahari", "Samudra", "Seafood", "Perikanan", "Segara"],
    },
    SectorDef {
        sector: Sector::Olahan,
        offers: &["olahan_perikanan", "gula", "gula_merah", "molases", "minyak_goreng", "tepung_tapioka", "tepung_terigu", "kopi_olahan", "olahan_daging", "makanan_ringan", "kecap", "sambal", "bumbu", "minuman", "garam"],
        kinds: [20.0, 6.0, 5.0, 12.0, 20.0],
        label_id: "pengolahan pangan",
        label_en: "food processing",
        members_id: "pelaku usaha olahan pangan",
        members_en: "food processors",
        words: &["Food", "Pangan", "Boga", "Rasa", "Citarasa", "Foods"],
    },
    SectorDef {
        sector: Sector::Kuliner,
        offers: &["olahan_daging", "sambal", "bumbu", "makanan_ringan", "kopi_olahan", "minuman", "olahan_perikanan"],
        kinds: [12.0, 0.0, 0.0, 3.0, 3.0],
        label_id: "kuliner dan katering",
        label_en: "food service",
        members_id: "pengusaha rumah makan dan katering",
        members_en: "restaurants and caterers",
        words: &["Boga", "Katering", "Kuliner", "Catering", "Rasa"],
    },
    SectorDef {
        sector: Sector::Input,
        offers: &["pupuk", "pupuk_organik", "pakan_ternak", "pakan_ikan", "benih", "mesin_peralatan", "karung"],
        kinds: [3.0, 6.0, 2.0, 5.0, 14.0],
        label_id: "sarana produksi pertanian",
        label_en: "farm inputs",
        members_id: "penyalur sarana produksi",
        members_en: "input dealers",
        words: &["Agrindo", "Feed", "Pakan", "Benih", "Saprotan", "Agro"],
    },
    SectorDef {
        sector: Sector::Bangunan,
        offers: &["semen", "bata", "bata_ringan", "besi_baja", "kayu", "kayu_bulat", "kayu_lapis"],
        kinds: [4.0, 8.0, 0.0, 5.0, 14.0],
        label_id: "bahan bangunan",
        label_en: "building materials",
        members_id: "pengusaha bahan bangunan",
        members_en: "building-material suppliers",
        words: &["Beton", "Baja", "Bangun", "Material", "Konstruksi"],
    },
    SectorDef {
        sector: Sector::Manufaktur,
        offers: &["veneer", "mebel", "rokok", "cerutu", "arang_tempurung", "arang_kayu", "mesin_peralatan", "karung", "kemasan", "produk_kebersihan", "sepatu"],
        kinds: [7.0, 2.0, 0.0, 8.0, 12.0],
        label_id: "industri pengolahan",
        label_en: "manufacturing",
        members_id: "pelaku industri kecil dan menengah",
        members_en: "small manufacturers",
        words: &["Industri", "Manufaktur", "Furnindo", "Plastindo", "Teknik", "Karya"],
    },
    SectorDef {
        sector: Sector::Tekstil,
        offers: &["batik", "tekstil", "kerajinan"],
        kinds: [8.0, 0.0, 1.0, 6.0, 4.0],
        label_id: "tekstil dan kerajinan",
        label_en: "textiles and crafts",
        members_id: "perajin",
        members_en: "artisans",
        words: &["Tekstil", "Garmen", "Busana", "Kriya", "Batik"],
    },
    SectorDef {
        sector: Sector::Dagang,
        offers: &[],
        kinds: [4.0, 28.0, 5.0, 0.0, 9.0],
        label_id: "perdagangan hasil bumi",
        label_en: "agricultural trading",
        members_id: "pedagang",
        members_en: "traders",
        words: &["Niaga", "Perdagangan", "Trading", "Distribusi", "Logistik"],
    },
];

/// Share of each kind among all businesses, in `BusinessKind::ALL` order (UMKM, BUMD,
/// cooperative, association, corporate).
pub(crate) const KIND_SHARES: [f64; 5] = [75.0, 4.0, 10.0, 4.0, 7.0];
