//! `jalin keys …`: creating, listing and revoking API keys on the store alone (beside a
//! running server), split out of `main.rs`.

use super::*;

/// `jalin keys …`: on the store alone, so it runs beside a server; recorded in the audit
/// trail as `cli`.
pub(super) fn keys(data: &DataArg, action: KeysAction) -> Result<(), Error> {
    use jalin::auth::{NewKey, Principal, Role};
    std::fs::create_dir_all(&data.data)
        .map_err(|e| Error::io(format!("creating {}", data.data.display()), e))?;
    let store = data.open_store()?;
    let cli = Principal::admin("cli");
    let actor = jalin::store::Actor {
        key_id: "cli".into(),
        role: "admin",
        route: "jalin keys".into(),
        request_id: None,
    };
    let clean = |s: &str| jalin::model::printable(s);
    match action {
        KeysAction::Create {
            role,
            provinces,
            business,
            label,
            expires,
        } => {
            let role = match role.as_str() {
                "admin" => Role::Admin,
                "province" => Role::Province,
                "business" => Role::Business,
                "reader" => Role::Reader,
                other => {
                    return Err(Error::invalid(
                        "--role",
                        format!("{other:?}: give admin, province, business or reader"),
                    ));
                }
            };
            let reference = jalin::reference::Reference::embedded()?;
            let new = NewKey {
                role,
                provinces,
                business,
                label,
                expires,
            };
            let made = jalin::store::with_actor(actor, || {
                jalin::engine::create_key(&store, &reference, &cli, new)
            })?;
            let (record, key) = made.map_err(|f| Error::invalid("--role", f.0))?;
            eprintln!(
                "created key {} ({}); it is printed once, below — only its hash is stored",
                record.id,
                record.role.as_str()
            );
            println!("{key}");
            Ok(())
        }
        KeysAction::List => {
            for k in store.keys()? {
                let scope = match (&k.business, k.provinces.is_empty()) {
                    (Some(b), _) => b.clone(),
                    (None, false) => k.provinces.join(","),
                    (None, true) => "-".into(),
                };
                let state = match (&k.revoked, &k.expires) {
                    (Some(r), _) => format!("revoked {r}"),
                    (None, Some(e)) => format!("until {e}"),
                    (None, None) => "live".into(),
                };
                println!(
                    "{}  {:8}  {:12}  {:24}  {}",
                    k.id,
                    k.role.as_str(),
                    clean(&scope),
                    state,
                    clean(k.label.as_deref().unwrap_or(""))
                );
            }
            Ok(())
        }
        KeysAction::Revoke { id } => {
            let at = jalin::auth::now_utc();
            let revoked =
                jalin::store::with_actor(actor, || store.write(|w| w.revoke_key(&id, &at)))?;
            match revoked {
                Some(k) => {
                    eprintln!("revoked key {} ({})", k.id, k.role.as_str());
                    Ok(())
                }
                None => Err(Error::NotFound {
                    what: "key",
                    id: clean(&id),
                }),
            }
        }
    }
}
