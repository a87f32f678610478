//! The one narrow SQL interface both backends implement ([`Sql`]), so the store's queries
//! are written once: statements with `?1`, `?2`… placeholders (PostgreSQL's `$1` is
//! substituted by its backend), typed parameters ([`V`]) and rows read by column index
//! ([`R`]). The SQL itself is the common subset of SQLite and PostgreSQL (upserts with
//! `ON CONFLICT … DO UPDATE`, `RETURNING`, `CAST(? AS TEXT) IS NULL`); what differs — the
//! schema, connections, transactions, locks — lives in `sqlite.rs` and `postgres.rs`.

use crate::error::Result;

/// A statement parameter. Typed even when null: PostgreSQL checks a parameter's type
/// against the column's, null or not.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    T(Option<&'a str>),
    I(Option<i64>),
    F(f64),
}

/// Text.
pub(crate) fn t(s: &str) -> V<'_> {
    V::T(Some(s))
}

/// An integer.
pub(crate) fn i(n: i64) -> V<'static> {
    V::I(Some(n))
}

/// One row of a result, read by column index.
pub(crate) enum R<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl R<'_> {
    pub(crate) fn text(&self, i: usize) -> Result<String> {
        match self {
            R::Lite(r) => Ok(r.get(i)?),
            R::Pg(r) => Ok(r.try_get(i)?),
        }
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self {
            R::Lite(r) => Ok(r.get(i)?),
            R::Pg(r) => Ok(r.try_get(i)?),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64> {
        match self {
            R::Lite(r) => Ok(r.get(i)?),
            R::Pg(r) => Ok(r.try_get(i)?),
        }
    }

    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self {
            R::Lite(r) => Ok(r.get(i)?),
            R::Pg(r) => Ok(r.try_get(i)?),
        }
    }

    pub(crate) fn real(&self, i: usize) -> Result<f64> {
        match self {
            R::Lite(r) => Ok(r.get(i)?),
            R::Pg(r) => Ok(r.try_get(i)?),
        }
    }
}

/// A connection or a transaction of either backend.
pub(crate) trait Sql {
    /// Runs a statement; returns the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[V<'_>]) -> Result<u64>;
    /// Calls `f` on each row of a query, streaming (`f` cannot use the connection), until
    /// it returns `false`.
    fn each_while(
        &mut self,
        sql: &str,
        params: &[V<'_>],
        f: &mut dyn FnMut(&R<'_>) -> Result<bool>,
    ) -> Result<()>;
}

impl dyn Sql + '_ {
    /// Calls `f` on each row of a query, streaming.
    pub(crate) fn each(
        &mut self,
        sql: &str,
        params: &[V<'_>],
        f: &mut dyn FnMut(&R<'_>) -> Result<()>,
    ) -> Result<()> {
        self.each_while(sql, params, &mut |r| f(r).map(|()| true))
    }

    /// Every row of a query, mapped by `f`.
    pub(crate) fn all<T>(
        &mut self,
        sql: &str,
        params: &[V<'_>],
        mut f: impl FnMut(&R<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, params, &mut |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, mapped by `f`, if there is one.
    pub(crate) fn one<T>(
        &mut self,
        sql: &str,
        params: &[V<'_>],
        f: impl FnOnce(&R<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.each_while(sql, params, &mut |r| {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(false)
        })?;
        Ok(out)
    }

    /// Whether a query returns any row.
    pub(crate) fn exists(&mut self, sql: &str, params: &[V<'_>]) -> Result<bool> {
        Ok(self.one(sql, params, |_| Ok(()))?.is_some())
    }

    /// A query's one integer (a count, a maximum), 0 when it is null or there is no row.
    pub(crate) fn int(&mut self, sql: &str, params: &[V<'_>]) -> Result<i64> {
        Ok(self
            .one(sql, params, |r| r.opt_int(0))?
            .flatten()
            .unwrap_or(0))
    }
}

/// `?N` placeholders as PostgreSQL's `$N` (none of our statements has a `?` elsewhere).
pub(crate) fn dollar_placeholders(sql: &str) -> String {
    sql.replace('?', "$")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            super::dollar_placeholders("SELECT 1 WHERE a = ?1 AND b = ?12"),
            "SELECT 1 WHERE a = $1 AND b = $12"
        );
    }
}
