//! Numbers and words shared by the generators: "nice" quantities and trader prices, numbers
//! and units as Indonesian and English write them, and capitalisation helpers.

use crate::model::Quantity;

/// The catalog name before any parenthesis or comma: "Kelapa sawit (CPO)" → "Kelapa sawit".
pub(super) fn short_name(name: &str) -> &str {
    let end = name.find([',', '(']).unwrap_or(name.len());
    name[..end].trim()
}

pub(super) fn lower_first(s: &str) -> String {
    let first_word = s.split(' ').next().unwrap_or("");
    if first_word.len() > 1 && first_word.chars().all(|c| c.is_ascii_uppercase()) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(super) fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(super) fn title_case(s: &str) -> String {
    s.split(' ').map(upper_first).collect::<Vec<_>>().join(" ")
}

/// Rounds to two significant digits, so quantities read like a person wrote them.
pub(super) fn nice(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let mut m = x;
    let mut e: i32 = 0;
    while m >= 100.0 {
        m /= 10.0;
        e += 1;
    }
    while m < 10.0 {
        m *= 10.0;
        e -= 1;
    }
    let m = m.round();
    if e >= 0 {
        m * 10f64.powi(e)
    } else {
        m / 10f64.powi(-e)
    }
}

/// A price rounded to a step a trader would quote.
pub(super) fn round_price(x: f64) -> f64 {
    let step = match x {
        x if x >= 10_000_000.0 => 500_000.0,
        x if x >= 1_000_000.0 => 50_000.0,
        x if x >= 100_000.0 => 5_000.0,
        x if x >= 10_000.0 => 500.0,
        x if x >= 1_000.0 => 50.0,
        _ => 5.0,
    };
    ((x / step).round() * step).max(step)
}

/// A number as Indonesians write it: `1.500`, `2,5`.
pub(super) fn num_id(x: f64) -> String {
    fmt_num(x, '.', ',')
}

/// A number as English writes it: `1,500`, `2.5`.
pub(super) fn num_en(x: f64) -> String {
    fmt_num(x, ',', '.')
}

fn fmt_num(x: f64, thousands: char, decimal: char) -> String {
    let cents = (x * 100.0).round() as u64;
    let (int, frac) = (cents / 100, cents % 100);
    let digits = int.to_string();
    let mut out = String::with_capacity(digits.len() + 6);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(ch);
    }
    if frac > 0 {
        out.push(decimal);
        if frac % 10 == 0 {
            out.push_str(&(frac / 10).to_string());
        } else {
            out.push_str(&format!("{frac:02}"));
        }
    }
    out
}

pub(super) fn unit_id(unit: &str) -> &str {
    match unit {
        "m3" => "m³",
        u => u,
    }
}

pub(super) fn unit_en(unit: &str, qty: f64) -> &str {
    let one = qty == 1.0;
    match unit {
        "ton" if !one => "tons",
        "ekor" => "head",
        "lembar" if !one => "pieces",
        "lembar" => "piece",
        "liter" if !one => "litres",
        "liter" => "litre",
        "m3" => "m³",
        u => u,
    }
}

fn per_id(per: &str) -> &str {
    match per {
        "day" => "per hari",
        "week" => "per minggu",
        "year" => "per tahun",
        "quarter" => "per triwulan",
        _ => "per bulan",
    }
}

fn per_en(per: &str) -> &str {
    match per {
        "day" => "a day",
        "week" => "a week",
        "year" => "a year",
        "quarter" => "a quarter",
        _ => "a month",
    }
}

pub(super) fn amount_id(q: &Quantity) -> String {
    format!(
        "{} {} {}",
        num_id(q.qty),
        unit_id(&q.unit),
        per_id(q.per.as_deref().unwrap_or("month"))
    )
}

pub(super) fn amount_en(q: &Quantity) -> String {
    format!(
        "{} {} {}",
        num_en(q.qty),
        unit_en(&q.unit, q.qty),
        per_en(q.per.as_deref().unwrap_or("month"))
    )
}

/// "a, b dan c" / "a, b and c".
pub(super) fn join_list(items: &[String], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_numbers_prices_and_number_formats() {
        assert_eq!(nice(37.3), 37.0);
        assert_eq!(nice(4.27), 4.3);
        assert_eq!(nice(1234.0), 1200.0);
        assert_eq!(nice(0.0456), 0.046);
        assert_eq!(round_price(28_260.0), 28_500.0);
        assert_eq!(num_id(1_500_000.0), "1.500.000");
        assert_eq!(num_id(2.5), "2,5");
        assert_eq!(num_en(12_000.25), "12,000.25");
    }
}
