//! The reading path of a note: every note it transitively depends on (through
//! `prerequisites`), ordered so that each comes after everything it needs.
//!
//! A depth-first walk emitting each note after its prerequisites (a topological order). Cycles
//! in hand-written prerequisites happen; each is reported once and broken where it closes, never
//! walked forever.

use std::collections::{HashMap, HashSet};

/// The reading path for `start` and the cycles met, given each note's prerequisites.
/// `start` itself is not part of the path.
pub fn reading_path(
    start: &str,
    prerequisites: &HashMap<String, Vec<String>>,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut order = Vec::new();
    let mut cycles = Vec::new();
    let mut done = HashSet::new();
    let mut stack = vec![start.to_owned()];
    visit(
        start,
        prerequisites,
        &mut stack,
        &mut done,
        &mut order,
        &mut cycles,
    );
    order.retain(|id| id != start);
    (order, cycles)
}

fn visit(
    id: &str,
    prerequisites: &HashMap<String, Vec<String>>,
    stack: &mut Vec<String>,
    done: &mut HashSet<String>,
    order: &mut Vec<String>,
    cycles: &mut Vec<Vec<String>>,
) {
    for next in prerequisites.get(id).into_iter().flatten() {
        if let Some(at) = stack.iter().position(|s| s == next) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(next.clone());
            cycles.push(cycle);
            continue;
        }
        if done.contains(next) {
            continue;
        }
        stack.push(next.clone());
        visit(next, prerequisites, stack, done, order, cycles);
        stack.pop();
    }
    if done.insert(id.to_owned()) {
        order.push(id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn prerequisites_come_before_what_needs_them() {
        let g = graph(&[
            ("lb", &["http", "proxy"]),
            ("proxy", &["http", "tcp"]),
            ("http", &["tcp"]),
        ]);
        let (path, cycles) = reading_path("lb", &g);
        assert_eq!(path, ["tcp", "http", "proxy"]);
        assert!(cycles.is_empty());
    }

    #[test]
    fn a_cycle_is_reported_and_not_looped_on() {
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        let (path, cycles) = reading_path("a", &g);
        assert_eq!(path, ["c", "b"]);
        assert_eq!(cycles, [vec!["a", "b", "c", "a"]]);
    }

    #[test]
    fn a_note_without_prerequisites_has_an_empty_path() {
        let (path, cycles) = reading_path("alone", &HashMap::new());
        assert!(path.is_empty() && cycles.is_empty());
    }
}
