//! The outbox in IndexedDB: signed documents are written here before any network call and stay
//! until the server has acknowledged them (their state is then kept, for the sync view).

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};

use crate::sync::OutboxEntry;

/// One stored entry: its key (the store's key path) and the entry as JSON text.
#[derive(Serialize, Deserialize)]
struct Row {
    key: String,
    json: String,
}

const DB: &str = "opdcheck";
const STORE: &str = "outbox";

async fn open() -> Result<Rexie, String> {
    Rexie::builder(DB)
        .version(1)
        .add_object_store(ObjectStore::new(STORE).key_path("key"))
        .build()
        .await
        .map_err(|e| format!("IndexedDB: {e:?}"))
}

/// Write (insert or replace) entries in one transaction; returns once it is committed.
pub async fn put(entries: &[OutboxEntry]) -> Result<(), String> {
    write(entries, &[]).await
}

/// Write `entries` and delete the entries keyed `remove`, in one transaction: either both
/// happen or neither (a document saved under a new id never exists twice, nor not at all).
pub async fn write(entries: &[OutboxEntry], remove: &[String]) -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(|e| e.to_string())?;
    let store = tx.store(STORE).map_err(|e| e.to_string())?;
    for e in entries {
        // The entry as JSON text beside its key: read back byte for byte (a JS object would
        // turn 4.0 into 4, and the server would see another body under the same version).
        let row = Row {
            key: e.key.clone(),
            json: serde_json::to_string(e).map_err(|e| e.to_string())?,
        };
        let value = row
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| e.to_string())?;
        store.put(&value, None).await.map_err(|e| e.to_string())?;
    }
    for key in remove {
        store
            .delete(key.as_str().into())
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.done().await.map_err(|e| e.to_string())?;
    db.close();
    Ok(())
}

/// Every entry; one that no longer reads (an older app) is skipped, not fatal.
pub async fn all() -> Result<Vec<OutboxEntry>, String> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadOnly)
        .map_err(|e| e.to_string())?;
    let store = tx.store(STORE).map_err(|e| e.to_string())?;
    let values = store.get_all(None, None).await.map_err(|e| e.to_string())?;
    db.close();
    Ok(values
        .into_iter()
        .filter_map(|v| serde_wasm_bindgen::from_value::<Row>(v).ok())
        .filter_map(|r| serde_json::from_str(&r.json).ok())
        .collect())
}

/// Remove every entry (tests; signing out removes only synced entries, see `sync::sign_out_plan`).
pub async fn clear() -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(|e| e.to_string())?;
    tx.store(STORE)
        .map_err(|e| e.to_string())?
        .clear()
        .await
        .map_err(|e| e.to_string())?;
    tx.done().await.map_err(|e| e.to_string())?;
    db.close();
    Ok(())
}
