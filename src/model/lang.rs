//! The language a reader wants: English or Indonesian. Every module that writes sentences for
//! people (score's reasons, the graph's relationship sentences, the planner's agendas) takes
//! this one type.

use serde::{Deserialize, Serialize};

/// The language of reasons and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    En,
    Id,
}

impl Lang {
    /// From a `lang=` value or an `Accept-Language` header: Indonesian when it comes first.
    pub fn parse(s: &str) -> Lang {
        let first = s
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("id") || first.starts_with("in") {
            Lang::Id
        } else {
            Lang::En
        }
    }

    /// A number with `decimals` places as this language writes it: `479,090.5` in English,
    /// `479.090,5` in Indonesian (thousands by a point, decimals by a comma).
    pub fn number(self, x: f64, decimals: usize) -> String {
        let (group, point) = match self {
            Lang::En => (',', '.'),
            Lang::Id => ('.', ','),
        };
        if !x.is_finite() {
            return x.to_string();
        }
        let text = format!("{:.*}", decimals, x.abs());
        let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
        let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
        if x < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
            out.push('-');
        }
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(ch);
        }
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        out
    }

    /// A share in per cent with no decimals below 10 % as one decimal: `77%`, `3.6%` / `3,6%`.
    pub fn percent(self, share: f64) -> String {
        let pct = 100.0 * share;
        let decimals = if pct.abs() < 9.95 && pct != 0.0 { 1 } else { 0 };
        format!("{}%", self.number(pct, decimals))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_only_when_it_comes_first() {
        assert_eq!(Lang::parse("id-ID,en;q=0.8"), Lang::Id);
        assert_eq!(Lang::parse("in"), Lang::Id);
        assert_eq!(Lang::parse("en-US,id;q=0.9"), Lang::En);
        assert_eq!(Lang::parse(""), Lang::En);
    }

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        assert_eq!(Lang::En.number(479_090.0, 0), "479,090");
        assert_eq!(Lang::Id.number(479_090.0, 0), "479.090");
        assert_eq!(Lang::Id.number(1_234_567.891, 2), "1.234.567,89");
        assert_eq!(Lang::En.number(2.26, 1), "2.3");
        assert_eq!(Lang::Id.number(-0.04, 1), "0,0");
        assert_eq!(Lang::Id.number(-1500.0, 0), "-1.500");
        assert_eq!(Lang::En.number(999.0, 0), "999");
        assert_eq!(Lang::Id.percent(0.036), "3,6%");
        assert_eq!(Lang::En.percent(0.77), "77%");
        assert_eq!(Lang::En.percent(0.0), "0%");
    }
}
