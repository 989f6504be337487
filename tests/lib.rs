//! Integration tests of genserver live beside this file, one file per
//! area; see `Cargo.toml` for the list. This library holds what several of
//! them share.

pub mod capture {
    //! A `tracing` subscriber that records every event, for tests of what
    //! the runtime logs (crash reports, `:sys` traces), and every span, with
    //! the spans each event happened in.

    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::thread::ThreadId;

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
        /// The spans it happened in, outermost first.
        pub spans: Vec<CapturedSpan>,
    }

    /// One captured span: its name, level and fields as text.
    #[derive(Debug, Clone)]
    pub struct CapturedSpan {
        /// The span's name.
        pub name: &'static str,
        /// Its level.
        pub level: Level,
        /// Its fields, in order, as text.
        pub fields: Vec<(String, String)>,
    }

    impl CapturedSpan {
        /// The field `name`, if the span has it.
        pub fn field(&self, name: &str) -> Option<&str> {
            self.fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        }
    }

    /// The spans made so far (a span's id is its index plus one), and the
    /// spans each thread is in.
    #[derive(Default, Debug)]
    pub struct Spans {
        /// Every span made, in order.
        pub made: Vec<CapturedSpan>,
        entered: HashMap<ThreadId, Vec<u64>>,
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

    /// A minimal subscriber that records every event and every span.
    #[derive(Clone, Default, Debug)]
    pub struct Capture(pub Arc<Mutex<Vec<Captured>>>, pub Arc<Mutex<Spans>>);

    impl Capture {
        /// The events recorded so far.
        pub fn events(&self) -> Vec<Captured> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        }

        /// The spans made so far.
        pub fn spans(&self) -> Vec<CapturedSpan> {
            self.spans_lock().made.clone()
        }

        fn spans_lock(&self) -> std::sync::MutexGuard<'_, Spans> {
            self.1
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
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
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut fields = Vec::new();
            span.record(&mut Fields(&mut fields));
            let mut spans = self.spans_lock();
            spans.made.push(CapturedSpan {
                name: span.metadata().name(),
                level: *span.metadata().level(),
                fields,
            });
            Id::from_u64(spans.made.len() as u64)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut fields = Vec::new();
            event.record(&mut Fields(&mut fields));
            let spans = {
                let spans = self.spans_lock();
                let entered = spans.entered.get(&std::thread::current().id());
                entered
                    .into_iter()
                    .flatten()
                    .map(|id| spans.made[usize::try_from(*id).unwrap() - 1].clone())
                    .collect()
            };
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Captured {
                    level: *event.metadata().level(),
                    fields,
                    spans,
                });
        }
        fn enter(&self, span: &Id) {
            self.spans_lock()
                .entered
                .entry(std::thread::current().id())
                .or_default()
                .push(span.into_u64());
        }
        fn exit(&self, span: &Id) {
            let mut spans = self.spans_lock();
            let entered = spans
                .entered
                .entry(std::thread::current().id())
                .or_default();
            if let Some(at) = entered.iter().rposition(|id| *id == span.into_u64()) {
                entered.remove(at);
            }
        }
    }
}
