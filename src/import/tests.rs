use super::*;
use crate::model::{BusinessKind, Certification};
use crate::reference::Reference;

fn read(csv: &str) -> Vec<Result<crate::model::Business, Vec<CellError>>> {
    let r = Reference::embedded().unwrap();
    let table = read_table(TableFormat::Csv, csv.as_bytes()).unwrap();
    let map = ColumnMap::from_headers(&table.headers).unwrap();
    table
        .rows
        .iter()
        .map(|row| business_from_row(&r, &map, row))
        .collect()
}

#[test]
fn indonesian_headers_names_and_plain_word_capacities_are_read() {
    let rows = read(
        "\u{feff}Nama Usaha;Jenis;Provinsi;Kab/Kota;Produk;Butuh;Sertifikat;No. HP;E-mail;Tampilkan Kontak;No\n\
         KUB Kopi Sembalun;Koperasi;NTB;Lombok Timur;\"Kopi arabika 5 ton/bulan; Madu hutan\";pupuk kandang 2 ton per bulan;Halal, PIRT;0812-3456-7890;Info@Kopi.ID;ya;1\n\
         \"PT Bawang Jaya\";PT;jawa tengah;Brebes;\"Bawang merah 20 ton/minggu; cabe rawit\";;;;;;2\n",
    );
    let a = rows[0].as_ref().unwrap();
    assert_eq!(a.kind, BusinessKind::Cooperative);
    assert_eq!(a.province, "52");
    assert_eq!(a.city.as_deref(), Some("Lombok Timur"));
    assert_eq!(a.offers.len(), 2);
    assert_eq!(a.offers[1].commodity, "madu");
    assert_eq!(a.needs[0].commodity, "pupuk_organik");
    assert_eq!(a.offers[0].commodity, "kopi");
    assert_eq!(a.offers[0].title, "Kopi arabika");
    let cap = a.offers[0].capacity.as_ref().unwrap();
    assert_eq!(
        (cap.qty, cap.unit.as_str(), cap.per.as_deref()),
        (5.0, "ton", Some("month"))
    );
    assert_eq!(
        a.certifications,
        [Certification::Halal, Certification::Pirt]
    );
    let c = a.contacts.as_ref().unwrap();
    assert_eq!(c.phone.as_deref(), Some("+6281234567890"));
    assert_eq!(c.email.as_deref(), Some("Info@kopi.id"));
    assert!(a.publish_contacts);
    assert!(a.id.starts_with("52-kub-kopi-sembalun-"), "{}", a.id);
    let b = rows[1].as_ref().unwrap();
    assert_eq!(b.kind, BusinessKind::Corporate);
    assert_eq!(b.province, "33");
    let keys: Vec<&str> = b.offers.iter().map(|l| l.commodity.as_str()).collect();
    assert_eq!(keys, ["bawang_merah", "cabai_rawit"]);
    assert_eq!(
        b.offers[0].capacity.as_ref().unwrap().per.as_deref(),
        Some("week")
    );
    assert!(!b.publish_contacts);
}

#[test]
fn every_bad_cell_is_named_with_what_would_do() {
    let rows = read(
        "Name,Kind,Province,Offers,Phone,Website\n\
         UD Satu,UMKM,Jawa Tengh,kopi,,\n\
         ,Warung,Bali,mobil listrik,12345,www.x.id\n\
         UD Tiga,UMKM,Bali,kopi 5 bakul,,\n",
    );
    let e = rows[0].as_ref().unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].column, "Province");
    assert!(
        e[0].message.contains("did you mean Jawa Tengah?"),
        "{}",
        e[0].message
    );
    let e = rows[1].as_ref().unwrap_err();
    let columns: Vec<&str> = e.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(columns, ["Name", "Kind", "Offers", "Phone"], "{e:?}");
    let e = rows[2].as_ref().unwrap_err();
    assert!(e[0].message.contains("cannot read the amount"), "{e:?}");
    // "karung" (sacks) is a catalog product too, but it is part of the amount here.
    let rows = read("Name,Province,Offers\nUD Empat,Bali,kopi 3 karung\n");
    let e = rows[0].as_ref().unwrap_err();
    assert!(
        e[0].message
            .contains("cannot read the amount in \"kopi 3 karung\""),
        "{e:?}"
    );
}

#[test]
fn headers_are_matched_loosely_and_required_ones_named() {
    let h = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let map = ColumnMap::from_headers(&h(&["  NAMA usaha ", "PROVINCE", "Kab / Kota", "Catatan"]))
        .unwrap();
    assert!(map.has(Column::City));
    assert_eq!(map.ignored, ["Catatan"]);
    let e = ColumnMap::from_headers(&h(&["Nama", "Kota"])).unwrap_err();
    assert!(e[0].message.contains("Provinsi"), "{e:?}");
    let e = ColumnMap::from_headers(&h(&["Nama", "Name", "Provinsi"])).unwrap_err();
    assert_eq!(e[0].column, "Name");
}

#[test]
fn derived_ids_are_stable_and_valid() {
    let a = derive_id("52", "KUB  Kopi Sembalun", "Lombok Timur");
    assert_eq!(a, derive_id("52", "kub kopi sembalun", "lombok timur"));
    assert_ne!(a, derive_id("52", "KUB Kopi Sembalun", "Lombok Barat"));
    assert!(crate::model::validate_id("id", &a).is_ok());
    let long = derive_id("11", &"Usaha Dagang Sangat Panjang ".repeat(10), "");
    assert!(crate::model::validate_id("id", &long).is_ok(), "{long}");
    assert!(crate::model::validate_id("id", &derive_id("11", "Toko 王", "")).is_ok());
}

#[test]
fn the_templates_read_back_without_errors() {
    let rows = read(std::str::from_utf8(&template_csv()).unwrap());
    assert_eq!(rows.len(), 1);
    let b = rows[0].as_ref().unwrap();
    assert_eq!(b.offers.len(), 2);
    let xlsx = template_xlsx().unwrap();
    let table = read_table(TableFormat::Workbook, xlsx.as_slice()).unwrap();
    let csv = read_table(TableFormat::Csv, template_csv().as_slice()).unwrap();
    assert_eq!(table.headers, csv.headers);
    assert_eq!(table.rows[0].cells, csv.rows[0].cells);
    assert_eq!(table.rows[0].number, 2);
}

#[test]
fn broken_files_are_errors_not_panics() {
    assert!(read_table(TableFormat::Workbook, &b"PK\x03\x04garbage"[..]).is_err());
    assert!(read_table(TableFormat::Csv, &b""[..]).is_err());
    let e = read_table(TableFormat::Csv, &b"Nama,Provinsi\n\xff\xfe,x\n"[..]).unwrap_err();
    assert_eq!(e.0, 2);
}

#[test]
fn deal_sheets_are_read_with_rupiah_and_dates_as_people_write_them() {
    let r = Reference::embedded().unwrap();
    let table = read_table(
        TableFormat::Csv,
        "Pembeli;Penjual;Komoditas;Nilai (Rp);Volume;Tanggal;Status\n\
         bt-1;jt-2;Bawang merah;Rp 125.000.000;5 ton;11/09/2023;MoU\n\
         bt-1;jt-2;kopi;1,5 miliar;;2023-09-12;selesai\n\
         bt-1;;mobil;banyak;5 karung;31/02/2023;entah\n"
            .as_bytes(),
    )
    .unwrap();
    let map = ColumnMap::from_headers(&table.headers).unwrap();
    assert_eq!(map.kind(), SheetKind::Deals);
    let d = deal_from_row(&r, &map, &table.rows[0]).unwrap();
    assert_eq!(
        (d.commodity.as_str(), d.value_idr, d.date.as_str()),
        ("bawang_merah", 125e6, "2023-09-11")
    );
    assert_eq!(d.status, crate::model::DealStatus::Mou);
    assert_eq!(d.volume.unwrap().qty, 5.0);
    let d = deal_from_row(&r, &map, &table.rows[1]).unwrap();
    assert_eq!(d.value_idr, 1.5e9);
    let e = deal_from_row(&r, &map, &table.rows[2]).unwrap_err();
    let columns: Vec<&str> = e.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(
        columns,
        [
            "Penjual",
            "Komoditas",
            "Nilai (Rp)",
            "Volume",
            "Tanggal",
            "Status"
        ],
        "{e:?}"
    );
    let e = ColumnMap::from_headers(&["Pembeli".to_string(), "Penjual".to_string()]).unwrap_err();
    assert!(e.iter().any(|c| c.message.contains("Komoditas")), "{e:?}");
    let deals = read_table(TableFormat::Csv, template_deals_csv().as_slice()).unwrap();
    let map = ColumnMap::from_headers(&deals.headers).unwrap();
    assert!(deal_from_row(&r, &map, &deals.rows[0]).is_ok());
}

#[test]
fn products_beyond_the_curated_catalog_map_through_kbki() {
    let rows = read(
        "Nama Usaha;Provinsi;Produk\n\
         UD Camilan;Jatim;\"Keripik tempe 200 kg/bulan; Dodol nangka 100 kg; Mesin las\"\n\
         UD Mainan;Jatim;Boneka\n\
         UD Aneka;Jatim;Berdiameter\n",
    );
    let a = rows[0].as_ref().unwrap();
    let got: Vec<(&str, Option<&str>, &str)> = a
        .offers
        .iter()
        .map(|l| (l.commodity.as_str(), l.kbki.as_deref(), l.title.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            // A curated name with BPS's more specific code.
            ("makanan_ringan", Some("2314006001"), "Keripik tempe"),
            // Not curated: BPS's item, filed under the curated entry above it (23999).
            ("makanan_ringan", Some("2399916043"), "Dodol nangka"),
            ("mesin_peralatan", Some("44241"), "Mesin las"),
        ]
    );
    // A KBKI product no curated commodity covers, and a name nothing knows: both say why,
    // the second with the nearest KBKI entries.
    let e = &rows[1].as_ref().unwrap_err()[0];
    assert!(
        e.message.contains("no catalog commodity covers"),
        "{}",
        e.message
    );
    let e = &rows[2].as_ref().unwrap_err()[0];
    assert!(e.message.contains("nearest KBKI entries"), "{}", e.message);
}
