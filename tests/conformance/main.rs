//! Conformance: the cases of Elixir's and OTP's own test suites for GenServer,
//! Supervisor, DynamicSupervisor and Agent, ported one test per case and named
//! after the original. `README.md` beside this file lists every case: ported,
//! or skipped with the reason.

mod agent_test;
mod dynamic_supervisor_test;
mod elixir_common;
mod gen_server_suite;
mod gen_server_test;
mod sup_common;
mod supervisor_suite;
mod supervisor_test;
