-- WS-Security nonces moved to a file of their own beside the database (`<file>-nonces`, with its
-- own writer: see `open_nonces` in src/store/sqlite.rs), so claiming them no longer takes turns
-- with charges and SMS on this database's one writer. Nonces expire within minutes; nothing is
-- carried over.
DROP TABLE ws_nonces;
