//! Elixir's `lib/elixir/test/elixir/dynamic_supervisor_test.exs`, case by case.
