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
}
