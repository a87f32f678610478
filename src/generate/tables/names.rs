//! Words and people for business names: auspicious words, corporate tails, personal names
//! and honorifics per region, and the real BUMDs named after.

use super::places::Region;

/// Auspicious words of Indonesian business names ("Sumber Rejeki", "Berkah Jaya").
#[rustfmt::skip]
pub(crate) const NAME_FIRST: &[&str] = &[
    "Sumber", "Tani", "Berkah", "Sinar", "Maju", "Mitra", "Karya", "Putra", "Cahaya", "Mekar", "Harapan",
    "Anugerah", "Sari", "Tunas", "Bintang", "Mulya", "Surya", "Citra", "Bumi", "Sentosa", "Barokah", "Dwi",
    "Tri", "Panca", "Rejeki", "Gemilang", "Mustika", "Kencana", "Lestari", "Subur", "Agung", "Usaha",
    "Rukun", "Setia", "Langgeng", "Makmur", "Sido", "Jaya", "Cipta", "Prima",
];
#[rustfmt::skip]
pub(crate) const NAME_SECOND: &[&str] = &[
    "Rejeki", "Makmur", "Jaya", "Abadi", "Bersama", "Sentosa", "Mandiri", "Sejahtera", "Lestari", "Agung",
    "Utama", "Perkasa", "Mulia", "Barokah", "Sukses", "Indah", "Alam", "Nusantara", "Sakti", "Rahayu",
    "Luhur", "Berkah", "Makmur Jaya", "Sentosa Abadi", "Tani", "Lancar", "Rukun", "Santoso",
];
pub(crate) const CORP_TAIL: &[&str] = &[
    "Indonesia",
    "Nusantara",
    "Utama",
    "Abadi",
    "Perkasa",
    "Sejahtera",
    "Prima",
    "Mandiri",
    "Jaya",
];

/// Personal names by region: (male, female, male honorifics, female honorifics).
type People = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

#[rustfmt::skip]
pub(crate) fn people(region: Region) -> People {
    match region {
        Region::Java => (
            &["Slamet", "Sugeng", "Joko", "Bambang", "Suparman", "Wahyudi", "Agus", "Budi", "Hadi", "Sutrisno", "Darmo", "Gunawan", "Haryanto", "Karsono", "Mulyono"],
            &["Sri", "Endang", "Siti", "Tutik", "Wulan", "Ratna", "Yuni", "Darmi", "Lastri", "Sumarni", "Sulastri"],
            &["Pak", "Mas", "Cak", "Haji"],
            &["Bu", "Mbok", "Hajah", "Mbak"],
        ),
        Region::Sunda => (
            &["Asep", "Ujang", "Dadang", "Cecep", "Dede", "Yayan", "Entis", "Iwan", "Aceng", "Deden", "Ade", "Engkos"],
            &["Euis", "Neneng", "Iis", "Enok", "Imas", "Yeni", "Nining", "Lilis"],
            &["Kang", "Mang", "Pak", "Haji"],
            &["Teh", "Ceu", "Bu", "Hajah"],
        ),
        Region::Sumatra => (
            &["Rahmat", "Syahrul", "Zulkifli", "Hasan", "Fauzi", "Rizal", "Yusuf", "Ismail", "Azhar", "Teuku Ridwan", "Mukhlis"],
            &["Nurhayati", "Rosmawati", "Fitri", "Yusnidar", "Rahmah", "Cut Mutia"],
            &["Pak", "Haji", "Bang"],
            &["Bu", "Hajah", "Kak"],
        ),
        Region::Batak => (
            &["Siregar", "Nasution", "Simanjuntak", "Sitompul", "Manurung", "Hutapea", "Sinaga", "Lubis", "Tarigan", "Ginting"],
            &["Tiurma", "Lasma", "Rosmawati", "Nurhaida", "Rugun"],
            &["Pak", "Amang", "Haji"],
            &["Bu", "Inang", "Hajah"],
        ),
        Region::Minang => (
            &["Syafrizal", "Afrizal", "Yusrizal", "Nasrul", "Zulhendri", "Datuak Rajo", "Masrul"],
            &["Yusnimar", "Rosmaniar", "Nurhasanah", "Desmawati"],
            &["Uda", "Pak", "Haji"],
            &["Uni", "Bu", "Hajah"],
        ),
        Region::Bugis => (
            &["Andi Baso", "Syamsul", "Arifin", "Hasanuddin", "Ambo Dalle", "Rusli", "Muhlis", "Basri"],
            &["Ramlah", "Hasnah", "Andi Tenri", "Nurjannah", "Hamsiah"],
            &["Daeng", "Pak", "Haji"],
            &["Bu", "Hajah"],
        ),
        Region::Minahasa => (
            &["Ronald", "Stevi", "Frangky", "Jemmy", "Hendrik", "Wenas", "Lumentut", "Sondakh"],
            &["Meiske", "Olvie", "Deasy", "Fientje", "Sisca"],
            &["Pak", "Om"],
            &["Ibu", "Tante"],
        ),
        Region::Bali => (
            &["Made", "Wayan", "Ketut", "Nyoman", "Putu", "Komang", "Gede", "Kadek"],
            &["Luh Sari", "Ayu", "Made Sri", "Ketut Ayu", "Putu Rai"],
            &["Pak", "Bli"],
            &["Bu", "Mbok"],
        ),
        Region::Sasak => (
            &["Lalu Ahmad", "Muhammad", "Zainul", "Saparudin", "Mustafa", "Lalu Sahnan"],
            &["Baiq Nurul", "Rohani", "Sumiati", "Baiq Ernawati"],
            &["Pak", "Haji", "Amaq"],
            &["Bu", "Hajah", "Inaq"],
        ),
        Region::Kalimantan => (
            &["Akhmad", "Rudi", "Hendra", "Syarif", "Abdul Haris", "Hamdani", "Rusdi", "Norhadi"],
            &["Syarifah", "Yanti", "Rusmini", "Normah", "Aluh"],
            &["Pak", "Haji", "Abah"],
            &["Bu", "Hajah", "Acil"],
        ),
        Region::East => (
            &["Yohanes", "Marthen", "Yakob", "Johanis", "Frans", "Niko", "Abdullah", "Paulus", "Fransiskus", "Herman"],
            &["Maria", "Ruth", "Yuliana", "Agustina", "Ance", "Yosina"],
            &["Pak", "Bapa", "Om"],
            &["Ibu", "Mama", "Tante"],
        ),
    }
}

/// Real regional state firms that the first BUMD of a province is named after (synthetic
/// listings; the names are public). Later BUMDs get generated names.
#[rustfmt::skip]
pub(crate) const KNOWN_BUMD: &[(&str, &str)] = &[
    ("35", "PT Panca Wira Usaha Jawa Timur (Perseroda)"),
    ("36", "PT Agrobisnis Banten Mandiri (Perseroda)"),
    ("31", "PT Food Station Tjipinang Jaya (Perseroda)"),
    ("32", "PT Agro Jabar (Perseroda)"),
    ("33", "PT Jateng Agro Berdikari (Perseroda)"),
];
