//! Text analysis for listings and queries: tokenising, lower-casing, accent folding,
//! Indonesian and English stopwords, and Indonesian stemming.
//!
//! Two analyzers are registered on every index: `jalin_exact` (no stemming, for an exact
//! field that lets the user's own wording rank first) and `jalin_stem` (stopwords removed,
//! stemmed: *membutuhkan*, *kebutuhan* and *butuh* meet at *butuh*). Which stemmer is a
//! setting ([`Analysis`]) so the judged query set can compare them on the same data:
//! Snowball's Indonesian rules (frostem, already in tantivy's tree) strip affixes by rule;
//! Sastrawi (Nazief–Adriani) only strips when a root-dictionary word remains.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// How listing text is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Analysis {
    /// Lower-case and fold only, one field, no stemming, no typo tolerance: the first
    /// version, kept as the baseline of the judged query set.
    Basic,
    /// Snowball's Indonesian stemmer (frostem).
    Snowball,
    /// Sastrawi's dictionary-checked Nazief–Adriani stemmer.
    #[default]
    Sastrawi,
}

impl Analysis {
    pub fn code(self) -> u32 {
        match self {
            Analysis::Basic => 0,
            Analysis::Snowball => 1,
            Analysis::Sastrawi => 2,
        }
    }
}

pub const EXACT: &str = "jalin_exact";
pub const STEM: &str = "jalin_stem";

/// Function words that carry no meaning for matching, Indonesian and English, including the
/// words of intent ("butuh", "supplier") that query understanding reads separately.
pub const STOPWORDS: &[&str] = &[
    "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "ini", "itu", "atau", "pada", "dalam",
    "kami", "kita", "saya", "anda", "adalah", "ada", "akan", "juga", "tidak", "bisa", "per",
    "serta", "oleh", "para", "sebagai", "karena", "sudah", "telah", "lebih", "sangat", "setiap",
    "tiap", "siap", "kualitas", "the", "and", "of", "for", "with", "from", "in", "to", "a", "an",
    "we", "our", "is", "are", "be", "by", "on", "at", "or",
];

/// The analyzer of the exact field (and of everything under [`Analysis::Basic`]).
pub fn exact() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The analyzer of the stemmed field. Words in `protected` (the catalog's product words)
/// are never stemmed: rule-based stemming reads *ke-lapa*, *ke-ripik* and *ter-igu* as
/// affixed words, and a product name must survive intact.
pub fn stemmed(analysis: Analysis, protected: Arc<HashSet<String>>) -> TextAnalyzer {
    let stopwords = StopWordFilter::remove(STOPWORDS.iter().map(|s| s.to_string()));
    match analysis {
        Analysis::Basic => exact(),
        Analysis::Snowball | Analysis::Sastrawi => {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(stopwords)
                .filter(IndonesianStemmer {
                    analysis,
                    protected,
                })
                .build()
        }
    }
}

fn sastrawi() -> &'static sastrawi::Stemmer<'static> {
    static DICT: OnceLock<sastrawi::Dictionary> = OnceLock::new();
    static STEMMER: OnceLock<sastrawi::Stemmer<'static>> = OnceLock::new();
    STEMMER.get_or_init(|| sastrawi::Stemmer::new(DICT.get_or_init(sastrawi::Dictionary::new)))
}

/// Stems one lower-cased word.
pub fn stem(analysis: Analysis, word: &str) -> Cow<'_, str> {
    match analysis {
        Analysis::Basic => Cow::Borrowed(word),
        Analysis::Snowball => {
            static SNOWBALL: OnceLock<frostem::Stemmer> = OnceLock::new();
            SNOWBALL
                .get_or_init(|| frostem::Stemmer::new(frostem::Algorithm::Indonesian))
                .stem(word)
        }
        // Numbers and short words are left as they are; Sastrawi may otherwise strip them.
        Analysis::Sastrawi if word.len() <= 3 || word.bytes().any(|b| b.is_ascii_digit()) => {
            Cow::Borrowed(word)
        }
        Analysis::Sastrawi => sastrawi().stem_word(word),
    }
}

/// A tantivy token filter applying [`stem`] to words that are not protected.
#[derive(Clone)]
struct IndonesianStemmer {
    analysis: Analysis,
    protected: Arc<HashSet<String>>,
}

impl TokenFilter for IndonesianStemmer {
    type Tokenizer<T: Tokenizer> = StemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> StemFilter<T> {
        StemFilter {
            analysis: self.analysis,
            protected: self.protected,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
struct StemFilter<T> {
    analysis: Analysis,
    protected: Arc<HashSet<String>>,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for StemFilter<T> {
    type TokenStream<'a> = StemStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemStream {
            analysis: self.analysis,
            protected: self.protected.clone(),
            tail: self.inner.token_stream(text),
        }
    }
}

struct StemStream<T> {
    analysis: Analysis,
    protected: Arc<HashSet<String>>,
    tail: T,
}

impl<T: TokenStream> TokenStream for StemStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if self.protected.contains(&token.text) {
            return true;
        }
        if let Cow::Owned(s) = stem(self.analysis, &token.text) {
            token.text = s;
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The analysed tokens of a text, each once, in order.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out: Vec<String> = Vec::new();
    while let Some(t) = stream.next() {
        if !out.contains(&t.text) {
            out.push(t.text.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affixes_are_stripped_by_both_stemmers() {
        for a in [Analysis::Snowball, Analysis::Sastrawi] {
            let mut an = stemmed(a, Arc::default());
            assert_eq!(tokens(&mut an, "membutuhkan"), ["butuh"], "{a:?}");
            assert_eq!(tokens(&mut an, "penjualan"), ["jual"], "{a:?}");
            assert!(tokens(&mut an, "yang dan untuk").is_empty(), "{a:?}");
        }
        assert_eq!(
            tokens(&mut stemmed(Analysis::Basic, Arc::default()), "Membutuhkan"),
            ["membutuhkan"]
        );
    }

    #[test]
    fn product_words_are_protected_from_stemming() {
        let protected: Arc<HashSet<String>> = Arc::new(
            ["kelapa", "keripik"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
        let mut an = stemmed(Analysis::Snowball, protected);
        assert_eq!(
            tokens(&mut an, "keripik kelapa kebutuhan"),
            ["keripik", "kelapa", "butuh"]
        );
    }

    #[test]
    fn the_exact_analyzer_folds_but_does_not_stem() {
        assert_eq!(
            tokens(&mut exact(), "Kopi Gayo Café, membutuhkan"),
            ["kopi", "gayo", "cafe", "membutuhkan"]
        );
    }
}
