//! The list of connections in the engine's memory, indexed by id (engine.rs holds it).

use std::collections::HashMap;

use crate::model::{Connection, ConnectionId};
use crate::store::Metadata;

/// The list in memory, indexed by connection id: a sweep of a thousand connections looks them
/// up thousands of times. Read through `Deref`; changed only through `replace` and
/// `connection_mut`, which keep the index right.
#[derive(Default)]
pub(crate) struct Listed {
    meta: Metadata,
    index: HashMap<ConnectionId, usize>,
}

impl Listed {
    pub(crate) fn new(meta: Metadata) -> Self {
        let mut listed = Self { meta, index: HashMap::new() };
        listed.reindex();
        listed
    }

    fn reindex(&mut self) {
        self.index = self.meta.connections.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
    }

    pub fn replace(&mut self, meta: Metadata) {
        self.meta = meta;
        self.reindex();
    }

    pub fn connection(&self, id: &str) -> Option<&Connection> {
        self.index.get(id).map(|&i| &self.meta.connections[i])
    }

    pub fn connection_mut(&mut self, id: &str) -> Option<&mut Connection> {
        self.index.get(id).map(|&i| &mut self.meta.connections[i])
    }
}

impl std::ops::Deref for Listed {
    type Target = Metadata;
    fn deref(&self) -> &Metadata {
        &self.meta
    }
}
