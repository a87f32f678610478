//! Tests of `bulk.rs`: a batch writes what row writes write, on both backends.

use super::super::tests::backends;
use super::super::{Actor, Store, with_actor};
use super::*;
use crate::model::{BusinessKind, DealStatus};

fn business(id: &str) -> Business {
    Business {
        id: id.into(),
        name: format!("UD {id}"),
        kind: BusinessKind::Umkm,
        province: "35".into(),
        city: Some("Malang\tkota\\ \"baru\"\nbaris".into()),
        description: None,
        certifications: vec![],
        offers: vec![],
        needs: vec![],
        contacts: None,
        publish_contacts: false,
    }
}

fn deal(id: Option<&str>, buyer: &str, seller: &str) -> Deal {
    Deal {
        id: id.map(str::to_string),
        buyer: buyer.into(),
        seller: seller.into(),
        commodity: "bawang_merah".into(),
        value_idr: 1234567.891,
        volume: None,
        date: "2024-01-02".into(),
        status: DealStatus::Completed,
        mission: None,
    }
}

/// What a store holds, every table an import writes, as text (audit without its time).
fn dump(s: &Store) -> Vec<String> {
    s.read(|db| {
        let mut out = Vec::new();
        for (sql, n) in [
            // In rowid order (PostgreSQL's row-by-row upserts use up a rowid on every
            // replacement too, so the numbers may differ; their order may not).
            (
                "SELECT id, province, doc, seq FROM businesses ORDER BY rowid",
                4,
            ),
            (
                "SELECT business_id, contact_person, phone, whatsapp, email, address, website,
                        publish
                 FROM contacts ORDER BY business_id",
                8,
            ),
            (
                "SELECT id, buyer, seller, commodity, CAST(value_idr AS TEXT), date, status, doc,
                        seq
                 FROM deals ORDER BY id",
                9,
            ),
            ("SELECT seq, entity, entity_id FROM changes ORDER BY seq", 3),
            (
                "SELECT key_id, role, route, request_id, entity, entity_id, province, seq,
                        before, after
                 FROM audit ORDER BY id",
                10,
            ),
        ] {
            db.each(sql, &[], &mut |r| {
                let mut line = Vec::new();
                for i in 0..n {
                    line.push(match r.opt_text(i) {
                        Ok(t) => format!("{t:?}"),
                        Err(_) => format!("{:?}", r.opt_int(i)?),
                    });
                }
                out.push(line.join(" | "));
                Ok(())
            })?;
        }
        Ok(out)
    })
    .unwrap()
}

#[test]
fn a_batch_writes_what_row_writes_write() {
    let stores: Vec<(Store, Store)> = backends().into_iter().zip(backends()).collect();
    for (rows, batched) in stores {
        let backend = rows.backend();
        let actor = Actor {
            key_id: "k1".into(),
            role: "province",
            route: "POST /v1/import".into(),
            request_id: Some("r-1".into()),
        };
        let mut with_contacts = business("b");
        with_contacts.contacts = Some(Contacts {
            phone: Some("+628123456789".into()),
            address: Some("Jl. Tab\there".into()),
            ..Contacts::default()
        });
        with_contacts.publish_contacts = true;
        let mut publish_only = business("a");
        publish_only.publish_contacts = true;
        publish_only.province = "33".into();
        let b_again = business("b");
        for s in [&rows, &batched] {
            // Before: a stored business, a deleted one, and a deal holding the id the
            // first unnamed deal of the batch would take.
            s.write(|w| {
                w.put_business(&business("a"))?;
                w.put_business(&business("gone"))?;
                w.delete_business("gone")?;
                w.put_deal(&deal(Some("d-000006"), "a", "a"))
            })
            .unwrap();
        }
        with_actor(actor.clone(), || {
            rows.write(|w| {
                w.put_business(&with_contacts)?;
                w.put_deal(&deal(None, "a", "b"))?;
                w.put_business(&publish_only)?;
                w.put_business(&b_again)?;
                w.put_deal(&deal(None, "b", "a"))?;
                w.put_deal(&deal(Some("x-1"), "b", "a"))
            })
            .unwrap();
            batched
                .write(|w| {
                    let needs = BatchNeeds {
                        businesses: vec!["b".into(), "a".into(), "b".into(), "gone".into()],
                        parties: vec!["a".into(), "b".into()],
                        deals: vec!["x-1".into(), "d-000006".into()],
                        unnamed_deals: 2,
                        records: 6,
                    };
                    let mut batch = w.import_batch(&needs)?;
                    assert_eq!(batch.tombstone("gone"), Some(3), "{backend}");
                    assert!(!batch.business_exists("gone"), "{backend}");
                    assert!(!batch.business_exists("b"), "{backend}");
                    assert_eq!(batch.business_province("a"), Some("35"));
                    assert!(batch.get_deal("d-000006").is_some(), "{backend}");
                    assert!(!batch.put_business(&with_contacts)?);
                    assert!(batch.business_exists("b"));
                    assert_eq!(batch.put_deal(w, &deal(None, "a", "b"))?, "d-000006x");
                    assert!(batch.put_business(&publish_only)?);
                    assert_eq!(batch.business_province("a"), Some("33"));
                    assert!(
                        batch.put_business(&b_again)?,
                        "written earlier in the batch"
                    );
                    assert_eq!(batch.put_deal(w, &deal(None, "b", "a"))?, "d-000009");
                    batch.put_deal(w, &deal(Some("x-1"), "b", "a"))?;
                    assert_eq!(batch.len(), 6);
                    assert!(batch.put_business(&business("gone")).is_err());
                    w.write_import_batch(batch)
                })
                .unwrap();
        });
        // The writes after the batch take the sequences after it.
        for s in [&rows, &batched] {
            s.write(|w| w.put_business(&business("c"))).unwrap();
        }
        let (want, got) = (dump(&rows), dump(&batched));
        assert_eq!(want.len(), got.len(), "{backend}: {want:#?}\n{got:#?}");
        for (w, g) in want.iter().zip(&got) {
            assert_eq!(w, g, "{backend}");
        }
        assert_eq!(rows.last_seq().unwrap(), 11, "{backend}");
        assert_eq!(batched.last_seq().unwrap(), 11, "{backend}");
        assert_eq!(
            batched.get_business("b").unwrap().map(|b| b.contacts),
            Some(None),
            "{backend}: the second write of b removed its contacts"
        );
    }
}

#[test]
fn copy_text_escapes_separators_and_refuses_nul() {
    let mut out = Vec::new();
    copy_cell(&mut out, &Cell::T(Some("a\tb\\c\nd\re".into()))).unwrap();
    assert_eq!(out, b"a\\tb\\\\c\\nd\\re");
    out.clear();
    copy_cell(&mut out, &Cell::T(None)).unwrap();
    copy_cell(&mut out, &Cell::F(0.1)).unwrap();
    copy_cell(&mut out, &Cell::F(1e21)).unwrap();
    assert_eq!(out, b"\\N0.11000000000000000000000");
    assert!(copy_cell(&mut out, &Cell::T(Some("a\0".into()))).is_err());
}

/// The store's own indexes (SQLite), by name.
fn index_names(w: &mut Writer<'_>) -> Result<Vec<String>> {
    w.db().all(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
        &[],
        |r| r.text(0),
    )
}

/// Writes `n` businesses `{prefix}{i}` and `n` deals between them as one import batch.
fn import_batch_of(w: &mut Writer<'_>, prefix: &str, n: usize) -> Result<()> {
    let needs = BatchNeeds {
        records: 2 * n,
        ..BatchNeeds::default()
    };
    let mut batch = w.import_batch(&needs)?;
    for i in 0..n {
        batch.put_business(&business(&format!("{prefix}{i}")))?;
    }
    for i in 0..n {
        let (buyer, seller) = (format!("{prefix}{i}"), format!("{prefix}{}", (i + 1) % n));
        batch.put_deal(w, &deal(Some(&format!("{prefix}-d{i}")), &buyer, &seller))?;
    }
    w.write_import_batch(batch)
}

#[test]
fn a_large_import_builds_its_deferred_indexes_before_it_commits() {
    let s = Store::open_temporary().unwrap();
    let all = s.write(index_names).unwrap();
    for name in [
        "deals_buyer",
        "deals_seq",
        "audit_entity",
        "businesses_keys",
    ] {
        assert!(all.iter().any(|n| n == name), "{name} in {all:?}");
    }
    // A small batch leaves the indexes alone.
    let during = s
        .write(|w| {
            import_batch_of(w, "s", 10)?;
            index_names(w)
        })
        .unwrap();
    assert_eq!(during, all);
    // A large one drops them while it writes; a rollback brings them back.
    let n = DEFER_MIN_BATCH / 2;
    let during = s
        .write_or_roll_back(|w| {
            import_batch_of(w, "r", n)?;
            Ok((index_names(w)?, false))
        })
        .unwrap();
    assert!(!during.iter().any(|n| n == "deals_buyer"), "{during:?}");
    assert_eq!(s.write(index_names).unwrap(), all);
    // A commit builds them first, holding the new rows.
    s.write(|w| import_batch_of(w, "c", n)).unwrap();
    assert_eq!(s.write(index_names).unwrap(), all);
    let (by_buyer, by_seq, check) = s
        .read(|db| {
            Ok((
                db.int(
                    "SELECT count(*) FROM deals INDEXED BY deals_buyer WHERE buyer = 'c7'",
                    &[],
                )?,
                db.int(
                    "SELECT count(*) FROM deals INDEXED BY deals_seq WHERE seq > 0",
                    &[],
                )?,
                db.all("PRAGMA integrity_check", &[], |r| r.text(0))?,
            ))
        })
        .unwrap();
    assert_eq!((by_buyer, by_seq), (1, (10 + n) as i64));
    assert_eq!(check, vec!["ok".to_string()]);
}
