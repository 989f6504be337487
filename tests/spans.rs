//! `tracing` spans: a `server` span per server (type, id, name), entered
//! while its task runs, and a `handle` span per handled message (its
//! variant) inside it, when a subscriber wants them; none otherwise.

use genserver::prelude::*;
use genserver_tests::capture::{Capture, Captured, CapturedSpan};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

#[derive(Debug)]
struct Tick;

struct Echo;

#[gen_server]
impl Echo {
    #[call]
    fn get(&self, x: u32) -> u32 {
        tracing::info!("in get");
        x
    }

    #[call]
    async fn later(&self, x: u32) -> u32 {
        tokio::task::yield_now().await;
        tracing::info!("in later");
        x
    }

    #[cast]
    fn put(&mut self, x: u32) {
        tracing::info!(x, "in put");
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        tracing::info!("in tick");
    }

    #[call]
    fn boom(&self) -> u32 {
        panic!("boom")
    }
}

/// Runs `test` on a current-thread runtime with `subscriber` as the
/// default.
fn run_with<F: std::future::Future<Output = ()>>(
    subscriber: impl Subscriber + Send + Sync + 'static,
    test: impl FnOnce() -> F,
) {
    let _guard = tracing::subscriber::set_default(subscriber);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test());
}

/// The event whose message is `message`.
fn event<'a>(events: &'a [Captured], message: &str) -> &'a Captured {
    events
        .iter()
        .find(|event| event.field("message") == Some(message))
        .unwrap_or_else(|| panic!("no event {message:?} in {events:?}"))
}

/// The names and the `message` field of `spans`, as `server`, `handle(X)`.
fn names(spans: &[CapturedSpan]) -> Vec<String> {
    spans
        .iter()
        .map(|span| match span.field("message") {
            Some(message) => format!("{}({message})", span.name),
            None => span.name.to_string(),
        })
        .collect()
}

#[test]
fn each_message_is_handled_in_its_span_inside_the_servers() {
    let capture = Capture::default();
    let ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    run_with(capture.clone(), || {
        let ids = std::sync::Arc::clone(&ids);
        async move {
            let echo = Echo::start_with(Echo, StartOptions::new().name("spans_echo"))
                .await
                .unwrap();
            ids.lock().unwrap().push(echo.id().as_u64());
            assert_eq!(echo.get(1).await, Ok(1));
            assert_eq!(echo.later(2).await, Ok(2));
            echo.put(3);
            echo.send(Tick);
            // A second, unnamed server, to tell the spans apart.
            let other = Echo::start(Echo).await.unwrap();
            ids.lock().unwrap().push(other.id().as_u64());
            assert_eq!(other.get(4).await, Ok(4));
            assert!(other.boom().await.is_err());
            echo.stop().await.unwrap();
        }
    });
    let events = capture.events();
    let ids = ids.lock().unwrap().clone();

    for (message, variant) in [
        ("in get", "EchoCall::Get"),
        ("in later", "EchoCall::Later"),
        ("in put", "EchoCast::Put"),
        ("in tick", "EchoInfo::Tick"),
    ] {
        let event = event(&events, message);
        assert_eq!(
            names(&event.spans),
            ["server".to_string(), format!("handle({variant})")],
            "{message}"
        );
        let server = &event.spans[0];
        assert_eq!(server.level, Level::DEBUG);
        assert!(server.field("server").unwrap().ends_with("::Echo"));
        assert_eq!(server.field("id"), Some(ids[0].to_string().as_str()));
        assert_eq!(server.field("name"), Some("spans_echo"));
        assert_eq!(event.spans[1].level, Level::TRACE);
    }

    // The crash report of the other server is in its span (no name), not
    // in a message's: it comes after the handler.
    let report = events.iter().find(|e| e.level == Level::ERROR).unwrap();
    assert_eq!(names(&report.spans), ["server"]);
    assert_eq!(
        report.spans[0].field("id"),
        Some(ids[1].to_string().as_str())
    );
    assert_eq!(report.spans[0].field("name"), None);

    // One server span per server, one message span per message handled
    // (the `async` handler's too, made once).
    let spans = names(&capture.spans());
    assert_eq!(spans.iter().filter(|name| *name == "server").count(), 2);
    for variant in ["EchoCall::Get", "EchoCall::Later", "EchoCast::Put"] {
        let handle = format!("handle({variant})");
        let expected = if variant == "EchoCall::Get" { 2 } else { 1 };
        assert_eq!(
            spans.iter().filter(|name| **name == handle).count(),
            expected,
            "{variant} in {spans:?}"
        );
    }
}

/// `Capture`, but wanting nothing below `level`, as a subscriber set to
/// `INFO` would.
struct UpTo(Capture, Level);

impl Subscriber for UpTo {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.1
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(self.1.into())
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.0.new_span(span)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        self.0.record(span, values);
    }
    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.0.record_follows_from(span, follows);
    }
    fn event(&self, event: &Event<'_>) {
        self.0.event(event);
    }
    fn enter(&self, span: &Id) {
        self.0.enter(span);
    }
    fn exit(&self, span: &Id) {
        self.0.exit(span);
    }
}

#[test]
fn spans_are_made_only_when_a_subscriber_wants_them() {
    for (level, expected) in [
        (Level::INFO, vec![]),
        (Level::DEBUG, vec!["server"]),
        (Level::TRACE, vec!["server", "handle(EchoCall::Get)"]),
    ] {
        let capture = Capture::default();
        run_with(UpTo(capture.clone(), level), || async {
            let echo = Echo::start(Echo).await.unwrap();
            assert_eq!(echo.get(1).await, Ok(1));
            echo.stop().await.unwrap();
        });
        assert_eq!(names(&capture.spans()), expected, "{level}");
        // The handler's own event is there, in whatever spans were made.
        assert_eq!(names(&event(&capture.events(), "in get").spans), expected);
    }
}
