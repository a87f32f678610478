//! The KBKI catalog as the API and the CLI read it: `GET /v1/catalog?q=` (names and codes),
//! `GET /v1/catalog/{code}` (an entry, its ancestors and children) and
//! `GET /v1/commodities/{key}` (a curated commodity with its KBKI path). Every entry shown
//! carries how many listings of the directory are filed under it (one count query on the
//! search index's `kbki` path field per entry; an answer lists at most 100).

use super::Engine;
use super::types::{
    CatalogEntry, CatalogEntryResponse, CatalogQuery, CatalogResolution, CatalogSearchResponse,
    CommodityResponse,
};
use crate::catalog::{Catalog, EntryIx};
use crate::error::{Error, Result};

/// The most entries one catalog answer lists.
const MAX_CATALOG_LIMIT: usize = 100;

impl Engine {
    /// An entry as the API shows it, with the count of listings filed under it.
    fn catalog_view(&self, catalog: &Catalog, e: EntryIx) -> Result<CatalogEntry> {
        let entry = catalog.entry(e);
        Ok(CatalogEntry {
            code: entry.code.clone(),
            name_id: entry.name_id.clone(),
            level: entry.level,
            listings: self.index.count_kbki(&entry.code)?,
        })
    }

    fn catalog_views(&self, catalog: &Catalog, entries: &[EntryIx]) -> Result<Vec<CatalogEntry>> {
        entries
            .iter()
            .map(|&e| self.catalog_view(catalog, e))
            .collect()
    }
}

impl Engine {
    /// Entries by name or code prefix, and what the query resolves to as a product name.
    pub fn catalog_search(&self, q: &CatalogQuery) -> Result<CatalogSearchResponse> {
        let limit = q.limit.unwrap_or(20);
        if !(1..=MAX_CATALOG_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be 1 to {MAX_CATALOG_LIMIT}"),
            ));
        }
        let catalog = self.reference.catalog();
        let text = q.q.as_deref().unwrap_or("").trim();
        if text.len() > super::MAX_QUERY_TEXT {
            return Err(Error::invalid(
                "q",
                format!("is longer than {} bytes", super::MAX_QUERY_TEXT),
            ));
        }
        if text.is_empty() {
            let sections: Vec<EntryIx> = (0..catalog.len())
                .filter(|e| catalog.entry(*e).parent().is_none())
                .take(limit)
                .collect();
            return Ok(CatalogSearchResponse {
                resolved: None,
                entries: self.catalog_views(catalog, &sections)?,
            });
        }
        let mut found = catalog.search(text, limit);
        if found.is_empty() {
            found = catalog.nearest(text, limit);
        }
        let resolved = catalog
            .resolve(text)
            .map(|r| -> Result<CatalogResolution> {
                Ok(CatalogResolution {
                    entry: self.catalog_view(catalog, r.entry)?,
                    commodity: r
                        .commodity
                        .map(|c| self.reference.commodities[c].key.clone()),
                    via: r.via,
                })
            })
            .transpose()?;
        Ok(CatalogSearchResponse {
            resolved,
            entries: self.catalog_views(catalog, &found)?,
        })
    }

    /// One entry with its ancestors, children and the curated commodities filed under it.
    pub fn catalog_entry(&self, code: &str) -> Result<CatalogEntryResponse> {
        let catalog = self.reference.catalog();
        let e = catalog.find(code).ok_or_else(|| Error::NotFound {
            what: "KBKI code",
            id: code.to_string(),
        })?;
        let commodities = self
            .reference
            .commodities
            .iter()
            .enumerate()
            .filter(|(c, _)| {
                catalog
                    .commodity_entry(*c)
                    .is_some_and(|ce| ce == e || catalog.ancestors(ce).contains(&e))
            })
            .map(|(_, com)| com.key.clone())
            .collect();
        Ok(CatalogEntryResponse {
            entry: self.catalog_view(catalog, e)?,
            ancestors: self.catalog_views(catalog, &catalog.ancestors(e))?,
            children: self.catalog_views(catalog, catalog.children(e))?,
            commodities,
        })
    }

    /// A curated commodity by key (`kopi_olahan`) or by one of its names ("Kopi arabika"),
    /// with its KBKI path.
    pub fn commodity(&self, key: &str) -> Result<CommodityResponse> {
        let r = &self.reference;
        let c = match r.commodity(key.trim()) {
            Some(c) => Some(c),
            None => match r.commodities_in_text(&key.replace('_', " ")).as_slice() {
                [c] => Some(*c),
                _ => None,
            },
        };
        let c = c.ok_or_else(|| Error::NotFound {
            what: "commodity",
            id: key.to_string(),
        })?;
        let catalog = r.catalog();
        let kbki_path = match catalog.commodity_entry(c) {
            Some(e) => {
                let mut path = catalog.ancestors(e);
                path.push(e);
                self.catalog_views(catalog, &path)?
            }
            None => Vec::new(),
        };
        Ok(CommodityResponse {
            commodity: r.commodities[c].clone(),
            kbki_path,
        })
    }
}
