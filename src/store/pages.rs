//! Businesses a page at a time, with their contacts, in key order: what the business
//! listing and its exports (`GET /v1/businesses`) read. The caller decides which contacts
//! a reader may see.

use super::db::{V, i};
use super::{Store, parse_doc};
use crate::error::Result;
use crate::model::{Business, Contacts};

impl Store {
    /// Up to `limit` businesses with keys above `after`, in key order, optionally of one
    /// province, each with its key and its contacts.
    pub fn businesses_page(
        &self,
        after: u64,
        province: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(u64, Business)>> {
        self.read(|db| {
            db.all(
                "SELECT b.rowid, b.doc, c.contact_person, c.phone, c.whatsapp, c.email,
                        c.address, c.website, c.publish
                 FROM businesses b LEFT JOIN contacts c ON c.business_id = b.id
                 WHERE b.rowid > ?1 AND (CAST(?2 AS TEXT) IS NULL OR b.province = ?2)
                 ORDER BY b.rowid LIMIT ?3",
                &[i(after as i64), V::T(province), i(limit as i64)],
                |r| {
                    let mut b: Business = parse_doc(&r.text(1)?)?;
                    let contacts = Contacts {
                        contact_person: r.opt_text(2)?,
                        phone: r.opt_text(3)?,
                        whatsapp: r.opt_text(4)?,
                        email: r.opt_text(5)?,
                        address: r.opt_text(6)?,
                        website: r.opt_text(7)?,
                    };
                    b.contacts = Some(contacts).filter(|c| !c.is_empty());
                    b.publish_contacts = r.opt_int(8)?.is_some_and(|p| p != 0);
                    Ok((r.int(0)?.max(0) as u64, b))
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Business, BusinessKind, Contacts};
    use crate::store::Store;

    fn business(id: &str, province: &str) -> Business {
        Business {
            id: id.into(),
            name: format!("UD {id}"),
            kind: BusinessKind::Umkm,
            province: province.into(),
            city: None,
            description: None,
            certifications: Vec::new(),
            offers: Vec::new(),
            needs: Vec::new(),
            contacts: None,
            publish_contacts: false,
        }
    }

    #[test]
    fn pages_follow_keys_filter_by_province_and_carry_contacts() {
        let s = Store::open_temporary().unwrap();
        for (n, p) in [("p1", "35"), ("p2", "36"), ("p3", "35"), ("p4", "35")] {
            let mut b = business(n, p);
            if n == "p3" {
                b.contacts = Some(Contacts {
                    phone: Some("+6281234567890".into()),
                    ..Contacts::default()
                });
                b.publish_contacts = true;
            }
            s.write(|w| w.put_business(&b)).unwrap();
        }
        let first = s.businesses_page(0, Some("35"), 2).unwrap();
        let ids: Vec<&str> = first.iter().map(|(_, b)| b.id.as_str()).collect();
        assert_eq!(ids, ["p1", "p3"]);
        assert!(first[1].1.publish_contacts && first[1].1.contacts.is_some());
        let next = s.businesses_page(first[1].0, Some("35"), 2).unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].1.id, "p4");
        assert_eq!(s.businesses_page(0, None, 10).unwrap().len(), 4);
    }
}
