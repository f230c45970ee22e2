-- Statistics only for the columns a query plan is chosen by.
--
-- After a large write (an import) Lore runs `ANALYZE`, so that the searches that follow are
-- planned on the new rows. Its default samples every column: for 10,000 notes it read and
-- detoasted each note's Markdown, HTML, plain text, layout and headings, and each revision's
-- file, to learn their widths and most common values, which no plan asks for (these columns
-- are only ever read, or compared on a row found by its key). That was most of the time the
-- `ANALYZE` of `documents` and `revisions` took, alone on a core at the end of every import.
ALTER TABLE documents
    ALTER COLUMN body SET STATISTICS 0,
    ALTER COLUMN html SET STATISTICS 0,
    ALTER COLUMN plain_text SET STATISTICS 0,
    ALTER COLUMN layout SET STATISTICS 0,
    ALTER COLUMN headings SET STATISTICS 0;
ALTER TABLE revisions ALTER COLUMN source SET STATISTICS 0;
