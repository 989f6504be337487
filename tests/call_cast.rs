//! Calls, casts and infos: replies, ordering, async handlers.
