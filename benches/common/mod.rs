//! Shared by the criterion benches (`mod common;` in each): which benchmarks the command line
//! selects, so that an expensive set-up runs only for benchmarks criterion will run, and sizes
//! read from the environment.

// Not every bench uses every helper.
#![allow(dead_code)]

/// criterion's options that take the next argument as their value (`--sample-size 10`).
const VALUED: &[&str] = &[
    "-c",
    "--color",
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--format",
    "--profile-time",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
];

/// Whether criterion will run at least one of the benchmarks `ids` (`group/function`), as far
/// as can be told without its regex engine: no filter selects all; `--list` and `--ignored`
/// run none; a plain-text filter selects an id that contains it; a filter with regex syntax is
/// taken to select everything (the set-up then runs, and criterion still filters).
pub fn selected(ids: &[String]) -> bool {
    let mut filter = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--list" || a == "--ignored" {
            return false;
        }
        if VALUED.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') && filter.is_none() {
            filter = Some(a);
        }
    }
    let Some(filter) = filter else {
        return true;
    };
    let regex_syntax = filter.chars().any(|c| "\\.+*?()|[]{}^$".contains(c));
    regex_syntax || ids.iter().any(|id| id.contains(&filter))
}

/// Sizes from a comma-separated environment variable (`10000,100000`, `1_000_000`), or
/// `default` when it is unset or empty.
pub fn sizes(var: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .map(|s| {
                s.trim()
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("{var}: {s:?} is not a whole number"))
            })
            .collect(),
        _ => default.to_vec(),
    }
}

/// A short label for a size: 10000 → `10k`, 1000000 → `1M`, 12345 → `12345`.
pub fn label(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}
