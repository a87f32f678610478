//! `jalin snapshot`: a copy of a replica's derived state — its search index as of its last
//! commit and its deal network's snapshot — into a new directory, taken beside the running
//! server. A new replica started on the copy (`jalin serve --data COPY --database-url …`)
//! opens both and applies only the changes written since, instead of rebuilding them from
//! the database (issue #19). The records themselves stay in PostgreSQL; a SQLite data
//! directory is copied whole with `jalin backup`.

use std::io::ErrorKind;
use std::path::Path;

use super::NETWORK_SNAPSHOT;
use crate::error::{Error, Result};

/// What a snapshot holds.
#[derive(Debug, Clone, Copy)]
pub struct DerivedCopy {
    /// The last change the copied index holds.
    pub index_seq: u64,
    /// Whether the deal network's snapshot was copied (a replica with few deals keeps none;
    /// the new one builds its network from the database).
    pub network: bool,
}

/// Copies the derived state of the replica data directory `data` into `out`, which must
/// not exist or be empty.
pub fn copy_derived(data: &Path, out: &Path) -> Result<DerivedCopy> {
    if data.join("jalin.db").exists() {
        return Err(Error::invalid(
            "--data",
            format!(
                "{} holds a SQLite store: copy it whole with `jalin backup` and `jalin \
                 restore`; `jalin snapshot` copies a PostgreSQL replica's index and network",
                data.display()
            ),
        ));
    }
    let search = data.join("search");
    if !search.join("meta.json").exists() {
        return Err(Error::invalid(
            "--data",
            format!("no search index in {}", data.display()),
        ));
    }
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::invalid(
                    "out",
                    format!(
                        "{} is not empty; a snapshot goes into a new directory",
                        out.display()
                    ),
                ));
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("reading {}", out.display()), e)),
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    // The network first: the server replaces its snapshot by renaming a new file over it,
    // so the file opened here stays whole while it is read.
    let network = match std::fs::File::open(data.join(NETWORK_SNAPSHOT)) {
        Ok(mut from) => {
            let path = out.join(NETWORK_SNAPSHOT);
            let mut to = std::fs::File::create(&path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
            std::io::copy(&mut from, &mut to)
                .and_then(|_| to.sync_all())
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            true
        }
        Err(e) if e.kind() == ErrorKind::NotFound => false,
        Err(e) => {
            return Err(Error::io(
                format!("reading {}", data.join(NETWORK_SNAPSHOT).display()),
                e,
            ));
        }
    };
    let payload = crate::search::copy_committed(&search, &out.join("search"))?;
    Ok(DerivedCopy {
        index_seq: payload.seq,
        network,
    })
}
