-- A sent message is updated two or three times more (delivered, read, or failed), mostly within
-- seconds of its neighbours on the same page. On a full page each update was written as a new
-- row elsewhere with a new entry in every index of messages, the trigram search index included:
-- 94 % of a status storm's updates, and the largest share of its WAL (docs/PERFORMANCE.md,
-- "1 December 2026: statuses"). A fifth of each page left free lets those updates stay on the
-- page (HOT) and leave the indexes alone. Pages already full keep their rows until they move.
ALTER TABLE messages SET (fillfactor = 80);
