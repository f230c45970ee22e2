-- No statistics for the search index's word lists.
--
-- `ANALYZE` of a `tsvector` column reads every sampled row's whole word list to count its most
-- common words (for 10,000 notes, a quarter of a second at the end of every import, where the
-- rest of `search_index` takes 20 ms). Those counts estimate how many rows match a query whose
-- words the planner can see; Lore's searches bind their words through a subquery (see
-- `store/postgres/search.rs`, `ts_query_of`), so no plan of theirs is chosen by them.
ALTER TABLE search_index
    ALTER COLUMN meta SET STATISTICS 0,
    ALTER COLUMN words SET STATISTICS 0;
