//! KBKI items that Indonesian small firms really list, per curated commodity: what a generated
//! offer of the commodity may name instead of the commodity alone (#22).
//!
//! Chosen by hand from `fixtures/kbki.csv` against what UMKM catalogues, marketplaces and East
//! Java's trade missions show (keripik and kerupuk, dodol, batik tulis and cap, cotton and embroidered cloth, rattan
//! and bamboo furniture, woven baskets, liquid soap, leather sandals and sports shoes, hand
//! tractors and rice threshers, bandeng presto, abon, ground coffee, regional varieties of
//! shallots and mangoes). Drawing every leaf under a commodity's code instead gave cannabis
//! extracts as snacks, methanol as a packaged drink, raw hides as shoes and urea as organic
//! fertiliser: a KBKI subtree is a statistical class, not a shop shelf.
//!
//! Each item is under its commodity's own KBKI code, or is what the catalog itself resolves
//! one of the commodity's synonyms to (keripik tempe and kerupuk beras are `makanan_ringan`'s
//! although BPS files them under 2314); the test in `catalog_items` checks both, and that
//! every item's unit is the commodity's (liquid soaps only for `produk_kebersihan`, which is
//! counted in litres).

/// Commodity key → KBKI codes of items its offers can name.
#[rustfmt::skip]
pub(crate) const ITEMS: &[(&str, &[&str])] = &[
    ("makanan_ringan", &[
        "2314006001", "2399909001", "2399909002", "2399909005",
        "2399911001", "2399911005", "2399911007", "2399911008", "2399912003", "2399913001",
        "2399913005", "2399916041", "2399916043", "2399916046", "2399916053",
    ]),
    ("batik", &[
        "2661008001", "2661008003", "2661009001", "2661009003", "2661010001", "2651001000",
    ]),
    // Cloth only: garments (sarung, kebaya, mukena, kaos) are KBKI 28, which `tekstil`'s
    // code (26) does not cover, so the catalog would not file them under it.
    ("tekstil", &[
        "2662002000", "2669007000", "2651003001", "2651006000", "2661002002", "2636002006",
    ]),
    ("mebel", &[
        "3814006001", "3814006002", "3814006007", "3814006009", "3814007001", "3814008001",
        "3814004001", "3814004002", "3814004004",
    ]),
    ("kerajinan", &[
        "3191301006", "3191301009", "3191304005", "3192301005", "3192301006", "3192302005",
        "3192302008", "3192303005", "3192304001", "3192309009", "3192303001",
    ]),
    ("produk_kebersihan", &["3532101002", "3532101004", "3532101007"]),
    ("sepatu", &[
        "2933001001", "2933001002", "2933005001", "2933005002", "2942002001", "2949004001",
        "2933003001", "2922002003", "2922002008",
    ]),
    ("mesin_peralatan", &[
        "4414100001", "4451302006", "4451301006", "4419302000", "4411900002", "4424103003",
    ]),
    ("olahan_perikanan", &[
        "2124101002", "2124101006", "2124101008", "2124103008", "2124204006", "2124204046",
    ]),
    ("olahan_daging", &["2117601001", "2117601005", "2117601008", "2117904018", "2117904015"]),
    ("kopi_olahan", &["2391103001", "2391103002"]),
    ("mangga", &["0131600002", "0131600003", "0131600004", "0131600007", "0131600010"]),
];
