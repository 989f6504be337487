//! An abnormal exit is logged once, at error level, with the server, the
//! reason and the last message; normal exits are not logged.

use std::sync::{Arc, Mutex};

use genserver::prelude::*;
use genserver_tests::capture::{Capture, Captured};
use tracing::Level;

struct Fragile;

#[gen_server]
impl Fragile {
    #[call]
    fn get_value(&self) -> u32 {
        panic!("value exploded")
    }

    #[call]
    fn fine(&self) -> u32 {
        1
    }
}

/// Runs `test` on a current-thread runtime with `Capture` as the subscriber,
/// so the server's task logs into it too.
fn captured<F: std::future::Future<Output = ()>>(test: impl FnOnce() -> F) -> Vec<Captured> {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test());
    capture.0.lock().unwrap().clone()
}

#[test]
fn a_crash_is_logged_once_with_reason_and_last_message() {
    let events = captured(|| async {
        let server = Fragile::start(Fragile).await.unwrap();
        server.fine().await.unwrap();
        assert!(server.get_value().await.is_err());
        server.exited().await.unwrap();
    });
    let errors: Vec<&Captured> = events.iter().filter(|e| e.level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1, "one crash report, got {events:?}");
    let report = errors[0];
    assert!(report.field("server").unwrap().ends_with("Fragile"));
    assert_eq!(report.field("reason"), Some("panicked: value exploded"));
    assert_eq!(report.field("last_message"), Some("FragileCall::GetValue"));
    assert!(
        report
            .field("message")
            .unwrap()
            .contains("terminating: panicked: value exploded")
    );
}

/// Where `panic!("value exploded")` is in this file, as `file:line:col`.
fn where_it_panics() -> String {
    let source = include_str!("crash_report.rs");
    let needle = concat!("panic!(", "\"value exploded\")");
    let (line, text) = source
        .lines()
        .enumerate()
        .find(|(_, text)| text.contains(needle))
        .unwrap();
    let column = text.find(needle).unwrap() + 1;
    format!("{}:{}:{column}", file!(), line + 1)
}

/// The report carries the panic's location, which the panic hook saw, so
/// that the hook itself need not print it (see tests/panic_hook.rs).
#[test]
fn a_crash_report_carries_the_location_of_the_panic() {
    let events = captured(|| async {
        let server = Fragile::start(Fragile).await.unwrap();
        assert!(server.get_value().await.is_err());
        server.exited().await.unwrap();
    });
    let errors: Vec<&Captured> = events.iter().filter(|e| e.level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1, "one crash report, got {events:?}");
    let location = where_it_panics();
    assert_eq!(errors[0].field("location"), Some(location.as_str()));
    let message = errors[0].field("message").unwrap();
    assert!(
        message.contains(&format!(
            "terminating: panicked: value exploded at {location}; last message FragileCall::GetValue"
        )),
        "{message}"
    );
    // A stop with an error is no panic: no location.
    let events = captured(|| async {
        let server = Fragile::start(Fragile).await.unwrap();
        server.stop_with(ExitReason::error("no")).await.unwrap();
    });
    let report = events.iter().find(|e| e.level == Level::ERROR).unwrap();
    assert_eq!(report.field("location"), None);
}

#[test]
fn normal_and_shutdown_exits_are_not_logged() {
    let events = captured(|| async {
        let first = Fragile::start(Fragile).await.unwrap();
        first.stop().await.unwrap();
        let second = Fragile::start(Fragile).await.unwrap();
        second.stop_with(ExitReason::Shutdown).await.unwrap();
        let third = Fragile::start(Fragile).await.unwrap();
        third
            .stop_with(ExitReason::shutdown_with("done"))
            .await
            .unwrap();
    });
    assert!(
        events.iter().all(|e| e.level != Level::ERROR),
        "no crash reports, got {events:?}"
    );
}

#[test]
fn an_abnormal_stop_is_logged() {
    let events = captured(|| async {
        let server = Fragile::start(Fragile).await.unwrap();
        server
            .stop_with(ExitReason::error("operator said so"))
            .await
            .unwrap();
    });
    let errors: Vec<&Captured> = events.iter().filter(|e| e.level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field("reason"), Some("error: operator said so"));
    assert_eq!(errors[0].field("last_message"), Some("stop"));
}

struct Picky;

#[gen_server]
impl Picky {
    #[init]
    fn init(how: &'static str) -> genserver::Init<Self> {
        match how {
            "error" => genserver::Init::Error(ExitReason::error("bad config")),
            "stop" => genserver::Init::Stop(ExitReason::error("bad config")),
            _ => genserver::Init::Ok(Picky),
        }
    }
}

struct Fussy;

#[gen_server]
impl Fussy {
    #[init]
    fn init((): ()) -> Result<Self, String> {
        Err("no".into())
    }
}

#[test]
fn an_init_error_is_returned_not_logged_but_an_init_stop_is_logged() {
    let events = captured(|| async {
        assert!(Picky::start("error").await.is_err());
        assert!(Fussy::start(()).await.is_err());
    });
    assert!(events.iter().all(|e| e.level != Level::ERROR), "{events:?}");
    let events = captured(|| async {
        assert!(Picky::start("stop").await.is_err());
    });
    let errors: Vec<&Captured> = events.iter().filter(|e| e.level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field("last_message"), Some("init"));
}

#[test]
fn a_crash_report_names_the_server_by_type_and_id() {
    let id = Arc::new(Mutex::new(None));
    let events = captured(|| {
        let id = Arc::clone(&id);
        async move {
            let server = Fragile::start(Fragile).await.unwrap();
            *id.lock().unwrap() = Some(server.id());
            // `Debug` shows the same identity.
            let debug = format!("{server:?}");
            assert!(debug.contains("Fragile") && debug.contains(&format!("{:?}", server.id())));
            assert!(server.get_value().await.is_err());
        }
    });
    let id = id.lock().unwrap().unwrap();
    let report = events.iter().find(|e| e.level == Level::ERROR).unwrap();
    assert_eq!(report.field("id"), Some(id.as_u64().to_string().as_str()));
    let message = report.field("message").unwrap();
    assert!(
        message.contains(&format!("Fragile{id} terminating")),
        "{message}"
    );
}

#[test]
fn a_named_server_shows_its_name_in_debug_and_in_its_crash_report() {
    let events = captured(|| async {
        let options = StartOptions::new().name("crash_report_named");
        let server = Fragile::start_with(Fragile, options).await.unwrap();
        assert_eq!(
            server.registered_name().as_deref(),
            Some("crash_report_named")
        );
        let debug = format!("{server:?}");
        assert!(debug.contains(r#"name: "crash_report_named""#), "{debug}");

        // Several names: the oldest still held shows.
        genserver::registry::register("crash_report_alias", &server).unwrap();
        assert_eq!(
            server.registered_name().as_deref(),
            Some("crash_report_named")
        );
        assert!(genserver::registry::unregister("crash_report_named"));
        assert_eq!(
            server.registered_name().as_deref(),
            Some("crash_report_alias")
        );
        assert!(genserver::registry::unregister("crash_report_alias"));
        assert_eq!(server.registered_name(), None);
        assert!(!format!("{server:?}").contains("name"));

        // Registered again later, then crashed.
        genserver::registry::register("crash_report_late", &server).unwrap();
        assert!(format!("{:?}", server.handle()).contains(r#"name: "crash_report_late""#));
        assert!(server.get_value().await.is_err());
        server.exited().await.unwrap();
        assert_eq!(server.registered_name(), None, "released with the exit");
    });
    let report = events.iter().find(|e| e.level == Level::ERROR).unwrap();
    assert_eq!(report.field("name"), Some("crash_report_late"));
    let message = report.field("message").unwrap();
    assert!(
        message.contains("(crash_report_late) terminating"),
        "{message}"
    );
}

/// A crash in a call handler names the caller: the tokio task that made the
/// call (with the `console` feature, named after its server if it is one).
#[test]
fn a_crash_report_of_a_call_names_the_caller() {
    let caller = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = std::sync::Arc::clone(&caller);
    let events = captured(|| async move {
        let server = Fragile::start(Fragile).await.unwrap();
        let call = tokio::spawn({
            let server = server.clone();
            async move { server.get_value().await }
        });
        *seen.lock().unwrap() = Some(call.id().to_string());
        assert!(call.await.unwrap().is_err());
        server.exited().await.unwrap();
    });
    let errors: Vec<&Captured> = events.iter().filter(|e| e.level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1, "one crash report, got {events:?}");
    let caller = caller.lock().unwrap().clone().unwrap();
    assert_eq!(errors[0].field("caller"), Some(caller.as_str()));
    assert!(
        errors[0]
            .field("message")
            .unwrap()
            .contains(&format!("from task {caller}"))
    );
}
