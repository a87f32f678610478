//! Who the parties of a plan are, as the documents print them: name, city, province name,
//! what they offer and need (catalog names, never keys), and a contact.
//!
//! The planner is pure, so it cannot look anything up: the caller fills a [`Details`] —
//! the engine from the store for registered businesses, a persisted mission from its own
//! participants — already in the reader's language, and with a contact only where the reader
//! may see it. A party the details do not know prints with the schedule's name alone.

use crate::model::contact::Contacts;
use std::collections::HashMap;

/// One party as the documents show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartyInfo {
    pub name: String,
    pub city: Option<String>,
    /// The province's name ("Jawa Timur"), not its code.
    pub province: Option<String>,
    /// What it offers, as catalog names in the reader's language.
    pub offers: Vec<String>,
    /// What it needs, likewise.
    pub needs: Vec<String>,
    /// Only when the reader may see it (the business publishes it, or the reader's key may).
    pub contact: Option<Contacts>,
}

impl PartyInfo {
    /// "Surabaya, Jawa Timur", whichever of the two is known.
    pub fn place(&self) -> String {
        match (&self.city, &self.province) {
            (Some(c), Some(p)) => format!("{c}, {p}"),
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (None, None) => String::new(),
        }
    }

    /// What a partner needs to reach the firm on the day: person, phone, WhatsApp, e-mail
    /// (an agenda's narrow column; the full contact is in the spreadsheet).
    pub fn contact_short(&self) -> Vec<String> {
        let Some(c) = &self.contact else {
            return Vec::new();
        };
        let wa = c.whatsapp.as_ref().map(|w| format!("WA {w}"));
        [
            c.contact_person.clone(),
            c.phone.clone(),
            wa,
            c.email.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect()
    }

    /// The contact on one line: person, phone, WhatsApp, e-mail, address, website.
    pub fn contact_line(&self) -> String {
        let Some(c) = &self.contact else {
            return String::new();
        };
        let wa = c.whatsapp.as_ref().map(|w| format!("WA {w}"));
        [
            c.contact_person.clone(),
            c.phone.clone(),
            wa,
            c.email.clone(),
            c.address.clone(),
            c.website.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// The parties of a plan by participant id, and the names of the meetings' topics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details {
    parties: HashMap<String, PartyInfo>,
    topics: HashMap<String, String>,
}

impl Details {
    /// Adds (or replaces) participant `id`.
    pub fn insert_party(&mut self, id: impl Into<String>, info: PartyInfo) {
        self.parties.insert(id.into(), info);
    }

    /// Names a topic key (a catalog commodity key such as `besi_baja`).
    pub fn insert_topic(&mut self, key: impl Into<String>, name: impl Into<String>) {
        self.topics.insert(key.into(), name.into());
    }

    pub fn party(&self, id: &str) -> Option<&PartyInfo> {
        self.parties.get(id)
    }

    /// A topic's name; an unknown key reads as words (`besi_baja` → `besi baja`), so no key
    /// reaches a page as it is written in the catalog.
    pub fn topic(&self, key: &str) -> String {
        match self.topics.get(key) {
            Some(name) => name.clone(),
            None => key.replace('_', " "),
        }
    }
}
