//! *Elixir in Action*, chapter 6: a key-value store with a cast `put` and a
//! call `get`.
//!
//! ```text
//! cargo run --example key_value_store
//! ```

use std::collections::HashMap;

use genserver::prelude::*;

/// The store's state: a plain map, owned by the server's task.
#[derive(Default)]
struct KeyValueStore {
    map: HashMap<String, String>,
}

#[gen_server]
impl KeyValueStore {
    /// Stores `value` under `key`. A cast: the client does not wait.
    #[cast]
    fn put(&mut self, key: String, value: String) {
        self.map.insert(key, value);
    }

    /// The value stored under `key`. A call: the client waits for the reply.
    #[call]
    fn get(&self, key: String) -> Option<String> {
        self.map.get(&key).cloned()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = KeyValueStore::start(KeyValueStore::default()).await?;
    store.put("some_key".into(), "some_value".into());
    let value = store.get("some_key".into()).await?;
    println!("some_key => {value:?}");
    println!("missing  => {:?}", store.get("missing".into()).await?);
    store.stop().await?;
    Ok(())
}
