//! Elixir's `lib/elixir/test/elixir/supervisor_test.exs`, case by case.
