//! A consistent copy of the committed search index, taken beside the server that writes it
//! (`jalin snapshot`): the files its last commit names, hard-linked where the destination
//! is on the same file system and copied otherwise, then that commit's `meta.json`. Segment
//! files are never changed once written, so a link is a copy; a merge that deletes a file
//! meanwhile makes the copy start over. A replica started on the copy applies only the
//! changes committed since (issue #19).

use std::io::ErrorKind;
use std::path::Path;

use tantivy::Index;

use super::{Payload, read_payload};
use crate::error::{Error, Result};

/// How many times a copy starts over when the index commits under it.
const ATTEMPTS: usize = 20;

/// Copies the index committed in `src` into the empty or missing directory `dst`; returns
/// the copy's payload (the change sequence it holds).
pub fn copy_committed(src: &Path, dst: &Path) -> Result<Payload> {
    let meta_path = src.join("meta.json");
    for _ in 0..ATTEMPTS {
        let before = std::fs::read(&meta_path)
            .map_err(|e| Error::io(format!("reading {}", meta_path.display()), e))?;
        let index = Index::open_in_dir(src)?;
        let metas = index.load_metas()?;
        let payload = read_payload(&index)?;
        if dst.exists() {
            std::fs::remove_dir_all(dst)
                .map_err(|e| Error::io(format!("clearing {}", dst.display()), e))?;
        }
        std::fs::create_dir_all(dst)
            .map_err(|e| Error::io(format!("creating {}", dst.display()), e))?;
        // A segment's files are named by its id (`{id}.idx`, `{id}.store`, `{id}.7.del` …).
        let ids: std::collections::HashSet<String> = metas
            .segments
            .iter()
            .map(|m| m.id().uuid_string())
            .collect();
        let listing = std::fs::read_dir(src)
            .map_err(|e| Error::io(format!("reading {}", src.display()), e))?;
        for entry in listing {
            let entry = entry.map_err(|e| Error::io(format!("reading {}", src.display()), e))?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|n| n.split('.').next()) else {
                continue;
            };
            if !ids.contains(id) {
                continue;
            }
            match link_or_copy(&entry.path(), &dst.join(&name)) {
                Ok(()) => {}
                // A file a merge removed after a later commit: the commit read again
                // below says so.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::io(format!("copying {}", entry.path().display()), e));
                }
            }
        }
        // Tantivy's list of the files it manages, so the copy's own merges delete them.
        let managed = src.join(".managed.json");
        match std::fs::copy(&managed, dst.join(".managed.json")) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("copying {}", managed.display()), e)),
        }
        let after = std::fs::read(&meta_path)
            .map_err(|e| Error::io(format!("reading {}", meta_path.display()), e))?;
        if before != after {
            // A commit came between: the files copied may be another commit's. With the
            // same commit before and after, every file it names was kept (merges delete
            // only files no commit names).
            continue;
        }
        std::fs::write(dst.join("meta.json"), &before)
            .map_err(|e| Error::io(format!("writing {}", dst.display()), e))?;
        // The copy must open as an index with every segment's files.
        Index::open_in_dir(dst)?.reader()?;
        return Ok(payload);
    }
    Err(Error::Busy(format!(
        "the index in {} committed during every one of {ATTEMPTS} attempts to copy it; \
         retry when fewer writes arrive",
        src.display()
    )))
}

fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(e),
        Err(_) => std::fs::copy(from, to).map(|_| ()),
    }
}
