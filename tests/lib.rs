//! Integration tests of genserver live beside this file, one file per
//! area; see `Cargo.toml` for the list. This library holds what several of
//! them share.

pub mod capture {
    //! A `tracing` subscriber that records every event, for tests of what
    //! the runtime logs (crash reports, `:sys` traces).

    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    /// One captured event: its level and its fields as text.
    #[derive(Debug, Clone)]
    pub struct Captured {
        /// The event's level.
        pub level: Level,
        /// Its fields, in order, as text (`message` among them).
        pub fields: Vec<(String, String)>,
    }

    impl Captured {
        /// The field `name`, if the event has it.
        pub fn field(&self, name: &str) -> Option<&str> {
            self.fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        }
    }

    /// A minimal subscriber that records every event.
    #[derive(Clone, Default, Debug)]
    pub struct Capture(pub Arc<Mutex<Vec<Captured>>>);

    impl Capture {
        /// The events recorded so far.
        pub fn events(&self) -> Vec<Captured> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        }
    }

    struct Fields<'a>(&'a mut Vec<(String, String)>);

    impl Visit for Fields<'_> {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push((field.name().to_string(), value.to_string()));
        }

        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0
                .push((field.name().to_string(), format!("{value:?}")));
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut fields = Vec::new();
            event.record(&mut Fields(&mut fields));
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Captured {
                    level: *event.metadata().level(),
                    fields,
                });
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}
