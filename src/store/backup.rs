//! Backups of the SQLite store while it serves: `VACUUM INTO` writes a consistent snapshot
//! of the last committed state into a new file, from a read transaction, so writers go on
//! meanwhile (WAL mode). A backup is a complete store: restoring it is putting it in a new
//! data directory; the search index and the deal network are derived and rebuilt there.

use std::path::Path;

use super::Store;
use crate::error::{Error, Result};

/// `jalin backup`: a consistent copy of the SQLite store at `db` into `path` (a new file),
/// through a read-only connection of its own — no migration, no checkpoint — so a running
/// server's writers are never held up. Returns the copy's last change sequence.
pub fn backup_file(db: &Path, path: &Path) -> Result<u64> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    vacuum_into(&conn, path)
}

fn vacuum_into(conn: &rusqlite::Connection, path: &Path) -> Result<u64> {
    if path.exists() {
        return Err(Error::invalid(
            "FILE",
            format!(
                "{} exists already; a backup never overwrites a file",
                path.display()
            ),
        ));
    }
    let target = path
        .to_str()
        .ok_or_else(|| Error::invalid("FILE", "the path must be valid UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [target])?;
    finish_copy(path)
}

/// Syncs and protects a written copy; returns its last change sequence.
fn finish_copy(path: &Path) -> Result<u64> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    file.sync_all()
        .map_err(|e| Error::io(format!("syncing {}", path.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("protecting {}", path.display()), e))?;
    }
    let copy =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let seq: i64 = copy.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    Ok(seq.max(0) as u64)
}

impl Store {
    /// Writes a consistent copy of the store to `path`, which must not exist yet, and
    /// syncs it to disk. Returns the copy's last change sequence.
    pub fn backup_to(&self, path: &Path) -> Result<u64> {
        if path.exists() {
            return Err(Error::invalid(
                "FILE",
                format!(
                    "{} exists already; a backup never overwrites a file",
                    path.display()
                ),
            ));
        }
        let target = path
            .to_str()
            .ok_or_else(|| Error::invalid("FILE", "the path must be valid UTF-8"))?;
        self.sqlite_conn()?.execute("VACUUM INTO ?1", [target])?;
        let file = std::fs::File::open(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        file.sync_all()
            .map_err(|e| Error::io(format!("syncing {}", path.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io(format!("protecting {}", path.display()), e))?;
        }
        let copy = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let seq: i64 = copy.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })?;
        Ok(seq.max(0) as u64)
    }

    /// Puts the backup `from` in place as the store of the data directory `dir`, which must
    /// not hold a store yet (restore into a new directory, then point the server at it).
    /// The file is checked to be a jalin store first. Nothing derived is copied: the next
    /// open builds the search index and the deal network from it.
    pub fn restore(from: &Path, dir: &Path) -> Result<()> {
        let db = dir.join("jalin.db");
        if db.exists() {
            return Err(Error::invalid(
                "--data",
                format!(
                    "{} holds a store already; restore into a new directory and point the \
                     server at it (nothing was changed)",
                    dir.display()
                ),
            ));
        }
        // A jalin store: it opens, and has the changes table every version has.
        let check =
            rusqlite::Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| {
                    c.query_row("SELECT count(*) FROM changes", [], |r| r.get::<_, i64>(0))
                });
        if check.is_err() {
            return Err(Error::invalid(
                "FILE",
                format!("{} is not a jalin backup", from.display()),
            ));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let partial = dir.join("jalin.db.restoring");
        std::fs::copy(from, &partial)
            .and_then(|_| std::fs::File::open(&partial)?.sync_all())
            .map_err(|e| Error::io(format!("copying {} into place", from.display()), e))?;
        std::fs::rename(&partial, &db)
            .map_err(|e| Error::io(format!("moving {} into place", db.display()), e))?;
        // The rename is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
