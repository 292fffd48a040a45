//! The app's outbox in IndexedDB, as rows of JSON text: the app writes signed documents here
//! before any network call (its own `outbox` module gives the rows their type); any page of
//! this origin may read them, and signing out deletes the synced ones (see [`crate::signout`]).

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};

/// One stored entry: its key (the store's key path, `id@version`) and the entry as JSON text,
/// read back byte for byte (a JS object would turn 4.0 into 4, and the server would see another
/// body under the same version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub json: String,
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

/// Write (insert or replace) `rows` and delete the rows keyed `remove`, in one transaction:
/// either both happen or neither. Returns once it is committed.
pub async fn write(rows: &[Row], remove: &[String]) -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(|e| e.to_string())?;
    let store = tx.store(STORE).map_err(|e| e.to_string())?;
    for row in rows {
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

/// Every row; one that is not a row (not written by this app) is skipped.
pub async fn rows() -> Result<Vec<Row>, String> {
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
        .collect())
}

/// Remove every row (tests; signing out removes only synced entries).
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
