//! Units and periods of quantities, in one place: the units a caller may write, the words
//! people use for them in free text, the base unit each converts to, and the code a base unit
//! has in the search index's `amount_unit` fast field.
//!
//! **Invariant:** every unit names its base as a [`BaseUnit`], whose discriminant is its index
//! code, so a unit added here is compared and indexed without another table to keep in step.

/// What an amount is counted in once converted: kilograms for mass, the unit itself otherwise.
/// The discriminant is the code stored in the index; 0 means "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BaseUnit {
    Kg = 1,
    Liter = 2,
    Ekor = 3,
    Pcs = 4,
    M3 = 5,
    Lembar = 6,
    Unit = 7,
}

impl BaseUnit {
    pub const ALL: [BaseUnit; 7] = [
        BaseUnit::Kg,
        BaseUnit::Liter,
        BaseUnit::Ekor,
        BaseUnit::Pcs,
        BaseUnit::M3,
        BaseUnit::Lembar,
        BaseUnit::Unit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BaseUnit::Kg => "kg",
            BaseUnit::Liter => "liter",
            BaseUnit::Ekor => "ekor",
            BaseUnit::Pcs => "pcs",
            BaseUnit::M3 => "m3",
            BaseUnit::Lembar => "lembar",
            BaseUnit::Unit => "unit",
        }
    }

    /// The index code (never 0).
    pub fn code(self) -> u64 {
        self as u64
    }

    pub fn from_code(code: u64) -> Option<BaseUnit> {
        BaseUnit::ALL.into_iter().find(|b| b.code() == code)
    }
}

/// A unit a quantity may be given in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub name: &'static str,
    pub base: BaseUnit,
    /// How many base units one of this unit is.
    pub factor: f64,
}

const fn unit(name: &'static str, base: BaseUnit, factor: f64) -> Unit {
    Unit { name, base, factor }
}

/// Every unit a caller may write, with its base and factor.
pub const UNITS: [Unit; 11] = [
    unit("ton", BaseUnit::Kg, 1000.0),
    unit("t", BaseUnit::Kg, 1000.0),
    unit("kuintal", BaseUnit::Kg, 100.0),
    unit("kg", BaseUnit::Kg, 1.0),
    unit("g", BaseUnit::Kg, 0.001),
    unit("liter", BaseUnit::Liter, 1.0),
    unit("ekor", BaseUnit::Ekor, 1.0),
    unit("pcs", BaseUnit::Pcs, 1.0),
    unit("m3", BaseUnit::M3, 1.0),
    unit("lembar", BaseUnit::Lembar, 1.0),
    unit("unit", BaseUnit::Unit, 1.0),
];

/// Other words for units in free text ("5 kwintal", "10 buah"), with the unit they mean.
/// Looked up before the units' own names, so the short `t` reads as `ton`.
const UNIT_WORDS: [(&str, &str); 8] = [
    ("t", "ton"),
    ("tons", "ton"),
    ("kwintal", "kuintal"),
    ("kilo", "kg"),
    ("kilogram", "kg"),
    ("ltr", "liter"),
    ("l", "liter"),
    ("buah", "pcs"),
];

/// The unit called `name`, as a caller writes it in a quantity.
pub fn unit_named(name: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.name == name)
}

/// The unit a word of free text means: a unit's name or another word for it.
pub fn unit_of_word(word: &str) -> Option<&'static Unit> {
    match UNIT_WORDS.iter().find(|(w, _)| *w == word) {
        Some((_, name)) => unit_named(name),
        None => unit_named(word),
    }
}

/// "ton, kuintal, …": the units, for error messages (the short alias `t` left out).
pub fn unit_list() -> String {
    UNITS
        .iter()
        .filter(|u| u.name != "t")
        .map(|u| u.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The periods a quantity may be given per, with how many of them make a month.
pub const PERIODS: [(&str, f64); 5] = [
    ("day", 30.0),
    ("week", 30.0 / 7.0),
    ("month", 1.0),
    ("quarter", 1.0 / 3.0),
    ("year", 1.0 / 12.0),
];

/// Words for periods in free text ("per bulan", "a week"), with the period they mean.
const PERIOD_WORDS: [(&str, &str); 14] = [
    ("bulan", "month"),
    ("month", "month"),
    ("sebulan", "month"),
    ("perbulan", "month"),
    ("bln", "month"),
    ("minggu", "week"),
    ("week", "week"),
    ("seminggu", "week"),
    ("hari", "day"),
    ("day", "day"),
    ("sehari", "day"),
    ("tahun", "year"),
    ("year", "year"),
    ("setahun", "year"),
];

/// How many of `period` make a month.
pub fn per_month(period: &str) -> Option<f64> {
    PERIODS.iter().find(|(p, _)| *p == period).map(|(_, f)| *f)
}

/// The period a word of free text means.
pub fn period_of_word(word: &str) -> Option<&'static str> {
    PERIOD_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_has_a_distinct_name_and_an_indexed_base() {
        for (i, u) in UNITS.iter().enumerate() {
            assert!(UNITS[..i].iter().all(|v| v.name != u.name), "{}", u.name);
            assert_eq!(BaseUnit::from_code(u.base.code()), Some(u.base));
            assert!(u.factor > 0.0);
        }
        for (word, name) in UNIT_WORDS {
            assert!(
                unit_named(name).is_some(),
                "{word} means unknown unit {name}"
            );
        }
        for (word, p) in PERIOD_WORDS {
            assert!(per_month(p).is_some(), "{word} means unknown period {p}");
        }
        assert!(
            BaseUnit::ALL.iter().all(|b| b.code() != 0),
            "0 means unknown"
        );
    }

    #[test]
    fn words_resolve_to_units() {
        assert_eq!(unit_of_word("kwintal").map(|u| u.name), Some("kuintal"));
        assert_eq!(unit_of_word("t").map(|u| u.name), Some("ton"));
        assert_eq!(unit_of_word("ton").map(|u| u.factor), Some(1000.0));
        assert_eq!(unit_of_word("buah").map(|u| u.base), Some(BaseUnit::Pcs));
        assert_eq!(unit_of_word("karung"), None);
        assert_eq!(period_of_word("sebulan"), Some("month"));
    }
}
