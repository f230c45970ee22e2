-- A note written under an id brings back the links that a rename had pointed elsewhere: they
-- are found by the reference as written. Without this index every save read every link of the
-- base, growing with the base.
CREATE INDEX edges_by_reference ON edges (target_ref);
