//! Where to draw each note in the graph view: a force-directed layout (Fruchterman-Reingold),
//! computed in plain Rust so it is the same on every run and tested without a browser.
//!
//! Nodes repel each other, edges pull their ends together, and the temperature (the largest
//! step) cools each round, so the layout settles in a fixed number of rounds.

use crate::contract::Graph;
use std::collections::HashMap;

/// A node's position inside a `width` x `height` box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// From the left.
    pub x: f64,
    /// From the top.
    pub y: f64,
}

/// The most rounds a layout takes to settle.
const ROUNDS: usize = 200;

/// The most node pairs a layout compares, over all its rounds: 200 rounds of 300 nodes.
const MAX_PAIR_STEPS: usize = ROUNDS * 300 * 300;

/// Positions for `graph.nodes`, in the same order, kept `margin` away from the edges.
pub fn layout(graph: &Graph, width: f64, height: f64, margin: f64) -> Vec<Point> {
    let n = graph.nodes.len();
    if n == 0 {
        return Vec::new();
    }
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    let edges: Vec<(usize, usize)> = graph
        .edges
        .iter()
        .filter_map(|e| {
            Some((
                *index.get(e.source.as_str())?,
                *index.get(e.target.as_str())?,
            ))
        })
        .filter(|(a, b)| a != b)
        .collect();

    // Start on a circle: deterministic, and no two nodes on the same spot.
    let (cx, cy) = (width / 2.0, height / 2.0);
    let radius = (width.min(height) / 2.0 - margin).max(1.0);
    let mut points: Vec<Point> = (0..n)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / n as f64;
            Point {
                x: cx + radius * angle.cos(),
                y: cy + radius * angle.sin(),
            }
        })
        .collect();

    let area = (width - 2.0 * margin).max(1.0) * (height - 2.0 * margin).max(1.0);
    let k = (area / n as f64).sqrt();
    let mut temperature = width.min(height) / 8.0;
    // Each round compares every pair of nodes: fewer rounds for more nodes keep the work
    // bounded (a layout of 20,000 notes took 442 s), at the price of a rougher picture.
    let rounds = (MAX_PAIR_STEPS / (n * n).max(1)).clamp(1, ROUNDS);
    for _ in 0..rounds {
        let mut shift = vec![(0.0_f64, 0.0_f64); n];
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (points[i].x - points[j].x, points[i].y - points[j].y);
                let distance = (dx * dx + dy * dy).sqrt().max(0.01);
                let force = k * k / distance;
                let (fx, fy) = (dx / distance * force, dy / distance * force);
                shift[i].0 += fx;
                shift[i].1 += fy;
                shift[j].0 -= fx;
                shift[j].1 -= fy;
            }
        }
        for &(a, b) in &edges {
            let (dx, dy) = (points[a].x - points[b].x, points[a].y - points[b].y);
            let distance = (dx * dx + dy * dy).sqrt().max(0.01);
            let force = distance * distance / k;
            let (fx, fy) = (dx / distance * force, dy / distance * force);
            shift[a].0 -= fx;
            shift[a].1 -= fy;
            shift[b].0 += fx;
            shift[b].1 += fy;
        }
        // A little gravity towards the centre, so unlinked groups do not pile up on the border.
        for (point, (sx, sy)) in points.iter().zip(shift.iter_mut()) {
            *sx += (cx - point.x) * k / radius;
            *sy += (cy - point.y) * k / radius;
        }
        for (point, (sx, sy)) in points.iter_mut().zip(shift) {
            let length = (sx * sx + sy * sy).sqrt().max(0.01);
            let step = length.min(temperature);
            point.x = (point.x + sx / length * step).clamp(margin, width - margin);
            point.y = (point.y + sy / length * step).clamp(margin, height - margin);
        }
        temperature *= 0.97;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{EdgeKind, GraphEdge, GraphNode};

    fn node(id: &str) -> GraphNode {
        GraphNode {
            id: id.into(),
            title: id.into(),
            collection: None,
            exists: true,
        }
    }

    fn edge(a: &str, b: &str) -> GraphEdge {
        GraphEdge {
            source: a.into(),
            target: b.into(),
            kind: EdgeKind::Related,
        }
    }

    #[test]
    fn every_node_lands_inside_the_box_and_apart_from_the_others() {
        let graph = Graph {
            nodes: ["a", "b", "c", "d", "e"].map(node).to_vec(),
            edges: vec![
                edge("a", "b"),
                edge("b", "c"),
                edge("c", "a"),
                edge("d", "e"),
            ],
            total: 5,
        };
        let points = layout(&graph, 600.0, 400.0, 20.0);
        assert_eq!(points.len(), 5);
        for p in &points {
            assert!(
                (20.0..=580.0).contains(&p.x) && (20.0..=380.0).contains(&p.y),
                "{p:?}"
            );
        }
        for i in 0..points.len() {
            for j in (i + 1)..points.len() {
                let d = ((points[i].x - points[j].x).powi(2) + (points[i].y - points[j].y).powi(2))
                    .sqrt();
                assert!(d > 10.0, "{i} and {j} overlap");
            }
        }
    }

    #[test]
    fn linked_nodes_end_up_closer_than_unlinked_ones() {
        let graph = Graph {
            nodes: ["a", "b", "c"].map(node).to_vec(),
            edges: vec![edge("a", "b")],
            total: 3,
        };
        let p = layout(&graph, 600.0, 600.0, 20.0);
        let d = |i: usize, j: usize| ((p[i].x - p[j].x).powi(2) + (p[i].y - p[j].y).powi(2)).sqrt();
        assert!(d(0, 1) < d(0, 2), "{p:?}");
    }

    #[test]
    fn the_layout_is_the_same_every_time() {
        let graph = Graph {
            nodes: ["a", "b", "c"].map(node).to_vec(),
            edges: vec![edge("a", "b")],
            total: 3,
        };
        assert_eq!(
            layout(&graph, 300.0, 300.0, 10.0),
            layout(&graph, 300.0, 300.0, 10.0)
        );
    }

    #[test]
    fn a_large_graph_is_laid_out_in_bounded_work() {
        let ids: Vec<String> = (0..3_000).map(|i| format!("n{i}")).collect();
        let graph = Graph {
            nodes: ids.iter().map(|id| node(id)).collect(),
            edges: (1..3_000).map(|i| edge(&ids[i - 1], &ids[i])).collect(),
            total: 3_000,
        };
        // One round of 3,000 nodes is 4.5 million pairs, within the budget of 18 million.
        let points = layout(&graph, 960.0, 640.0, 40.0);
        assert_eq!(points.len(), 3_000);
    }
}
