//! How to reach a business: a contact person, phone, WhatsApp, e-mail, address and website,
//! validated and normalised without any reference data.
//!
//! Phones are kept in one form, `+62` and the digits (`0812-3456-789`, `62812…` and
//! `+62 812 …` are one number), so that the same number written two ways is the same value
//! and a link (`tel:`, `wa.me`) can be built from it. Contacts are personal data: who may see
//! them is decided where the caller is known (the API), never here; this module only makes
//! sure what is stored is well formed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;

/// The contacts of a business. Shown only to callers with the write token, or to everyone
/// when the business sets `publish_contacts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_person: Option<String>,
    /// Normalised to `+62…`; `0812-3456-789`, `62812…` and `+62 812 …` are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A phone number that takes WhatsApp, normalised like `phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// An `http://` or `https://` address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

const MAX_CONTACT: usize = 300;

impl Contacts {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Contacts::default()
    }

    /// Checks and normalises every field (`field` is the path of the whole object); empty
    /// strings count as absent.
    pub fn normalize(&mut self, field: &str) -> Result<(), FieldError> {
        let path = |name: &str| format!("{field}.{name}");
        for (name, value) in [
            ("contact_person", &mut self.contact_person),
            ("phone", &mut self.phone),
            ("whatsapp", &mut self.whatsapp),
            ("email", &mut self.email),
            ("address", &mut self.address),
            ("website", &mut self.website),
        ] {
            if let Some(v) = value {
                // An address written over several lines (a spreadsheet cell) is one line.
                let joined;
                let t = if name == "address" && v.contains(['\n', '\r']) {
                    joined = v
                        .split(['\n', '\r'])
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                        .join(", ");
                    joined.as_str()
                } else {
                    v.trim()
                };
                if t.is_empty() {
                    *value = None;
                    continue;
                }
                if t.len() > MAX_CONTACT {
                    return Err(FieldError::new(
                        path(name),
                        format!("is longer than {MAX_CONTACT} bytes"),
                    ));
                }
                if let Some(c) = t
                    .chars()
                    .find(|c| super::is_hidden_control(*c) || matches!(c, '\n' | '\r' | '\t'))
                {
                    return Err(FieldError::new(
                        path(name),
                        format!(
                            "must be one line without control or text-direction characters \
                             (found U+{:04X})",
                            u32::from(c)
                        ),
                    ));
                }
                *v = t.to_string();
            }
        }
        for (name, value) in [("phone", &mut self.phone), ("whatsapp", &mut self.whatsapp)] {
            if let Some(v) = value {
                *v = normalize_phone(v).map_err(|m| FieldError::new(path(name), m))?;
            }
        }
        if let Some(e) = &mut self.email {
            *e = normalize_email(e).map_err(|m| FieldError::new(path("email"), m))?;
        }
        if let Some(w) = &self.website {
            check_website(w).map_err(|m| FieldError::new(path("website"), m))?;
        }
        Ok(())
    }
}

/// An Indonesian phone number as `+62` and its digits: `0812-3456-789`, `(021) 555 1234`,
/// `62812…`, `+62 812 …`. Spaces, dashes, dots and brackets are ignored.
pub fn normalize_phone(text: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "{text:?} is not an Indonesian phone number; write it like 0812-3456-7890, \
             +62 812 3456 7890 or (021) 555-1234"
        )
    };
    let mut digits = String::new();
    for (i, c) in text.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(bad()),
        }
    }
    let national = if let Some(rest) = digits.strip_prefix("62") {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else {
        return Err(bad());
    };
    // A national number (without the leading 0) is 7 to 12 digits and never starts with 0.
    if !(7..=12).contains(&national.len()) || national.starts_with('0') {
        return Err(bad());
    }
    Ok(format!("+62{national}"))
}

/// An e-mail address in its usual shape (`name@domain.tld`), the domain lower-cased.
pub fn normalize_email(text: &str) -> Result<String, String> {
    let bad = || format!("{text:?} is not an e-mail address like nama@usaha.co.id");
    let (local, domain) = text.trim().rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let local_ok = !local.is_empty()
        && !local.contains('@')
        && !local.chars().any(|c| c.is_whitespace() || c.is_control());
    if !(domain_ok && local_ok) {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A website: `http://` or `https://` and a host.
fn check_website(text: &str) -> Result<(), String> {
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("{text:?} must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !host.contains('.') || text.chars().any(char::is_whitespace) {
        return Err(format!(
            "{text:?} is not a web address like https://usaha.co.id"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_phones_are_one_form() {
        for written in [
            "0812-3456-789",
            "62812 3456 789",
            "+62 812 3456 789",
            "0812.3456.789",
        ] {
            assert_eq!(normalize_phone(written).as_deref(), Ok("+628123456789"));
        }
        assert_eq!(
            normalize_phone("(021) 555-1234").as_deref(),
            Ok("+62215551234")
        );
        for bad in [
            "12345",
            "0812",
            "+1 415 555 0100",
            "0812-abc",
            "00812345678",
            "",
        ] {
            assert!(normalize_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_and_websites_are_checked() {
        assert_eq!(
            normalize_email(" Info@Kopi.CO.ID ").as_deref(),
            Ok("Info@kopi.co.id")
        );
        for bad in [
            "info",
            "info@",
            "@kopi.id",
            "info@kopi",
            "a b@kopi.id",
            "x@kopi..id",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
        assert!(check_website("https://kopi.co.id/tentang").is_ok());
        assert!(check_website("http://kopi.id").is_ok());
        for bad in [
            "kopi.id",
            "ftp://kopi.id",
            "https://",
            "javascript:alert(1)",
        ] {
            assert!(check_website(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_field_and_empty_means_absent() {
        let mut c = Contacts {
            phone: Some("0812-3456-789".into()),
            email: Some("  ".into()),
            website: Some("www.kopi.id".into()),
            ..Contacts::default()
        };
        let e = c.normalize("contacts").unwrap_err();
        assert_eq!(e.field, "contacts.website");
        c.website = None;
        c.contact_person = Some("Ibu\u{202E}Sari".into());
        assert_eq!(
            c.normalize("contacts").unwrap_err().field,
            "contacts.contact_person"
        );
        c.contact_person = None;
        c.address = Some("Jl. Raya Sembalun 1\nLombok Timur".into());
        c.normalize("contacts").unwrap();
        assert_eq!(
            c.address.as_deref(),
            Some("Jl. Raya Sembalun 1, Lombok Timur")
        );
        assert_eq!(c.phone.as_deref(), Some("+628123456789"));
        assert_eq!(c.email, None);
    }
}
