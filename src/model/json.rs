//! JSON parsing whose errors name the failing field's path (`need.volume.qty`), for the
//! API's request bodies and the CLI's `--request` and mission specs alike. No HTTP here: a
//! failure is a [`FieldError`]; the API turns it into a 400, the CLI into exit code 2.
//!
//! Invariant: the field is the JSON path of the offending value, or `body` when the text is
//! not a JSON object, is malformed, or fails as a whole.

use serde::de::DeserializeOwned;

use super::FieldError;

/// Parses JSON naming the failing field (`need.volume.qty`) in the error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(FieldError::new("body", "the body must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (message, field) = match inner.classify() {
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io => {
                (format!("malformed JSON: {inner}"), "body".to_string())
            }
            _ if path == "." => (inner.to_string(), "body".to_string()),
            _ => (inner.to_string(), path),
        };
        FieldError::new(field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        need: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        qty: f64,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Outer>(br#"{"need": {"qty": "x"}}"#).unwrap_err();
        assert_eq!(e.field, "need.qty");
        assert_eq!(parse_json::<Outer>(b"[1]").unwrap_err().field, "body");
        let e = parse_json::<Outer>(b"{\"need\": ").unwrap_err();
        assert_eq!(e.field, "body");
        assert!(e.message.starts_with("malformed JSON"), "{}", e.message);
        assert_eq!(parse_json::<Outer>(b"{}").unwrap_err().field, "body");
        assert!(parse_json::<Outer>(br#" {"need": {"qty": 5}}"#).is_ok());
    }
}
