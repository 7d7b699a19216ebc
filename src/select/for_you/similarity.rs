//! How close each paper a reader knows (saved, or marked "not for me") is to each paper of the
//! day: one row per known paper, one column per paper of the day, computed once for everybody
//! (a paper saved by 5,000 people is one row) by either backend.

use super::document::Document;
use super::lexical::{DayIndex, Scratch};

/// Which way the closeness was measured: the thresholds differ, as cosines of TF-IDF vectors
/// and of a model's embeddings live on different scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Lexical,
    Embeddings,
}

impl Backend {
    /// The closeness below which a paper is not recommended, nor said to be close to anything:
    /// unrelated papers share a few common words (lexical) or sit at a model's baseline
    /// similarity (embeddings of unrelated texts are rarely below 0.2).
    pub fn floor(self) -> f32 {
        match self {
            Backend::Lexical => 0.12,
            Backend::Embeddings => 0.45,
        }
    }
}

/// Row-major closeness of known papers (rows) to the day's papers (columns), in `[-1, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Similarities {
    backend: Backend,
    cols: usize,
    values: Vec<f32>,
}

impl Similarities {
    /// By the day's TF-IDF index: `known` in row order.
    pub fn lexical(day: &DayIndex, known: &[Document<'_>]) -> Similarities {
        let cols = day.papers();
        let mut values = vec![0.0; cols * known.len()];
        let mut scratch = Scratch::default();
        if cols > 0 {
            for (doc, row) in known.iter().zip(values.chunks_exact_mut(cols)) {
                day.similarities(doc, &mut scratch, row);
            }
        }
        Similarities {
            backend: Backend::Lexical,
            cols,
            values,
        }
    }

    /// By embeddings: the cosine of each known paper's vector with each of the day's. Vectors
    /// of another length than the day's first, or of no length, are close to nothing.
    pub fn embeddings(day: &[&[f32]], known: &[&[f32]]) -> Similarities {
        let cols = day.len();
        let unit = |v: &[f32]| -> Vec<f32> {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if n > 0.0 && n.is_finite() {
                v.iter().map(|x| x / n).collect()
            } else {
                Vec::new()
            }
        };
        let day: Vec<Vec<f32>> = day.iter().map(|v| unit(v)).collect();
        let dims = day.first().map_or(0, Vec::len);
        let mut values = vec![0.0; cols * known.len()];
        if cols > 0 {
            for (k, row) in known.iter().zip(values.chunks_exact_mut(cols)) {
                let k = unit(k);
                if k.len() != dims || dims == 0 {
                    continue;
                }
                for (out, d) in row.iter_mut().zip(&day) {
                    if d.len() == dims {
                        *out = dot(&k, d);
                    }
                }
            }
        }
        Similarities {
            backend: Backend::Embeddings,
            cols,
            values,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Papers of the day (columns).
    pub fn papers(&self) -> usize {
        self.cols
    }

    /// Known papers (rows).
    pub fn known(&self) -> usize {
        self.values.len().checked_div(self.cols).unwrap_or(0)
    }

    /// How close known paper `row` is to each paper of the day.
    pub fn row(&self, row: usize) -> &[f32] {
        &self.values[row * self.cols..(row + 1) * self.cols]
    }
}

/// A dot product in eight lanes: summed in one order, floats cannot be vectorised, and a day's
/// comparisons are tens of thousands of vectors of hundreds of dimensions.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, a_rest) = a.split_at(a.len() - a.len() % 8);
    let (b8, b_rest) = b.split_at(a8.len());
    for (x, y) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    let rest: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_compare_by_cosine_and_ignore_vectors_of_another_length() {
        let day: Vec<&[f32]> = vec![&[1.0, 0.0], &[0.0, 2.0], &[1.0, 1.0]];
        let known: Vec<&[f32]> = vec![&[3.0, 0.0], &[1.0, 2.0, 3.0], &[0.0, 0.0]];
        let s = Similarities::embeddings(&day, &known);
        assert_eq!((s.known(), s.papers()), (3, 3));
        assert_eq!(s.row(0)[..2], [1.0, 0.0]);
        assert!((s.row(0)[2] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(s.row(1), [0.0, 0.0, 0.0]);
        assert_eq!(s.row(2), [0.0, 0.0, 0.0]);
        assert_eq!(s.backend(), Backend::Embeddings);
        // Longer vectors than one lane group, with a remainder.
        let a: Vec<f32> = (0..21).map(|i| i as f32).collect();
        let naive: f32 = a.iter().map(|x| x * x).sum();
        assert!((dot(&a, &a) - naive).abs() < 1e-3);
        let empty = Similarities::embeddings(&[], &known);
        assert_eq!(empty.known(), 0);
    }
}
