//! The shared search behind [`AlertIndex`](crate::select::alerts::AlertIndex): one automaton over everybody's
//! distinct keyword patterns, one hash map over everybody's distinct author names, and for each
//! person the term slots pointing at them.
//!
//! A day is matched in two passes. First the papers are searched once for all patterns (hits
//! boundary-checked as the channel filter checks them) and their authors looked up once in the
//! name map, which gives, per pattern and per name, the papers it hits: a few thousand short
//! lists, whatever the number of people. Then every person is visited in user order, reading
//! only their own slots and those lists: the papers their include and author slots hit, less
//! those a veto slot hits. Both passes read and write memory in order (the lists are small
//! enough to stay in cache), which matters more than anything else here: a first version that
//! walked from each hit to the people using it spent most of its time waiting on cache misses
//! writing results in random person order.
//!
//! Everything is flat vectors of `u32` ids (slot targets, display strings), with each person's
//! slots stored back to back ([`Lists`]), so 100,000 people with five terms each take a few
//! megabytes beyond the automaton.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use crate::select::filter::{keyword_automaton, Edges, Prepared};
use crate::select::names::NameKey;

/// One person's papers of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonMatches {
    pub user: u64,
    /// In digest order: the paper's index in the slice matched, and the person's terms that hit
    /// it, keywords first then authors (each in the order the person typed them), as typed;
    /// authors as `author:Name`.
    pub papers: Vec<(usize, Vec<String>)>,
}

/// What a term slot matches on: an interned keyword pattern or name key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotTarget {
    Pattern(u32),
    Name(u32),
    /// A `has:` or `org:` term's facet key.
    Facet(u32),
}

/// One term of one person, ready to index.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub(super) target: SlotTarget,
    /// Index into the display strings.
    pub(super) display: u32,
    /// An exclude: a hit drops the paper for this person.
    pub(super) veto: bool,
}

/// A slot as stored: what it matches, as one id (the kept patterns first, then the kept
/// names), and how it is shown.
#[derive(Debug, Clone, Copy)]
struct SlotInfo {
    target: u32,
    display: u32,
}

#[derive(Debug, Clone)]
pub(super) struct Matcher {
    /// Over the patterns some slot uses; `None` when nobody has a keyword.
    automaton: Option<AhoCorasick>,
    /// Per pattern id (= target id): the boundaries its hits need.
    edges: Vec<Edges>,
    /// Name key → target id.
    names: HashMap<NameKey, u32>,
    /// Facet key → target id.
    facets: HashMap<String, u32>,
    /// Pattern and name targets.
    targets: usize,
    /// Per person (in user id order): the user id.
    users: Vec<u64>,
    /// Per person: its slots, selecting ones first.
    person_slots: Lists,
    /// Per person: where its vetoes start among its slots.
    vetoes_from: Vec<u32>,
    slots: Vec<SlotInfo>,
    displays: Vec<Box<str>>,
}

impl Matcher {
    /// `people` sorted by user id, each with at least one selecting slot and its vetoes last;
    /// `patterns`, `names` and `displays` are what slot targets and displays index.
    pub(super) fn new(
        people: Vec<(u64, Vec<Slot>)>,
        patterns: Vec<String>,
        names: Vec<NameKey>,
        facets: Vec<String>,
        displays: Vec<Box<str>>,
    ) -> Matcher {
        // Only the patterns and names some indexed person uses (people who only excluded were
        // dropped), renumbered densely: patterns first so pattern ids are automaton ids.
        let mut pattern_id = vec![u32::MAX; patterns.len()];
        let mut kept_patterns = Vec::new();
        for (_, slots) in &people {
            for slot in slots {
                if let SlotTarget::Pattern(p) = slot.target {
                    if pattern_id[p as usize] == u32::MAX {
                        pattern_id[p as usize] = kept_patterns.len() as u32;
                        kept_patterns.push(patterns[p as usize].as_str());
                    }
                }
            }
        }
        let mut name_id = vec![u32::MAX; names.len()];
        let mut kept_names = HashMap::new();
        let mut facet_id = vec![u32::MAX; facets.len()];
        let mut kept_facets = HashMap::new();
        let mut targets = kept_patterns.len() as u32;

        let mut users = Vec::with_capacity(people.len());
        let mut lens = Vec::with_capacity(people.len());
        let mut vetoes_from = Vec::with_capacity(people.len());
        let mut stored = Vec::new();
        for (user, slots) in people {
            users.push(user);
            lens.push(slots.len());
            vetoes_from.push(slots.iter().take_while(|s| !s.veto).count() as u32);
            for slot in slots {
                let target = match slot.target {
                    SlotTarget::Pattern(p) => pattern_id[p as usize],
                    SlotTarget::Name(n) => {
                        let id = &mut name_id[n as usize];
                        if *id == u32::MAX {
                            *id = targets;
                            targets += 1;
                            kept_names.insert(names[n as usize].clone(), *id);
                        }
                        *id
                    }
                    SlotTarget::Facet(f) => {
                        let id = &mut facet_id[f as usize];
                        if *id == u32::MAX {
                            *id = targets;
                            targets += 1;
                            kept_facets.insert(facets[f as usize].clone(), *id);
                        }
                        *id
                    }
                };
                stored.push(SlotInfo {
                    target,
                    display: slot.display,
                });
            }
        }
        let automaton = (!kept_patterns.is_empty()).then(|| keyword_automaton(&kept_patterns));
        Matcher {
            automaton,
            edges: kept_patterns.iter().map(|p| Edges::of(p)).collect(),
            names: kept_names,
            facets: kept_facets,
            targets: targets as usize,
            users,
            person_slots: Lists::consecutive(&lens),
            vetoes_from,
            slots: stored,
            displays,
        }
    }

    pub(super) fn people(&self) -> usize {
        self.users.len()
    }

    pub(super) fn run(&self, prepared: &Prepared<'_>) -> Vec<PersonMatches> {
        let hits = self.hits(prepared);
        let mut out = Vec::new();
        // Reused for every person: (paper, slot) pairs of their selecting slots' hits, and the
        // papers they get.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut papers: Vec<(usize, Vec<String>)> = Vec::new();
        for (person, &user) in self.users.iter().enumerate() {
            let range = self.person_slots.range(person);
            let vetoes = range.start + self.vetoes_from[person] as usize..range.end;
            pairs.clear();
            for slot in range.start..vetoes.start {
                let target = self.slots[slot].target as usize;
                pairs.extend(hits.get(target).iter().map(|&paper| (paper, slot as u32)));
            }
            if pairs.is_empty() {
                continue;
            }
            // By paper, then slot: slots are in the order matches are listed in.
            pairs.sort_unstable();
            for group in pairs.chunk_by(|a, b| a.0 == b.0) {
                let paper = group[0].0;
                let vetoed = vetoes.clone().any(|slot| {
                    hits.get(self.slots[slot].target as usize)
                        .binary_search(&paper)
                        .is_ok()
                });
                if vetoed {
                    continue;
                }
                let mut matched = Vec::with_capacity(group.len());
                matched.extend(group.iter().map(|&(_, slot)| {
                    String::from(&*self.displays[self.slots[slot as usize].display as usize])
                }));
                papers.push((paper as usize, matched));
            }
            if !papers.is_empty() {
                // Moved into a list of its exact size rather than handing over the scratch
                // list with its spare capacity: these lists are most of the memory of a day.
                let mut exact = Vec::with_capacity(papers.len());
                exact.append(&mut papers);
                out.push(PersonMatches {
                    user,
                    papers: exact,
                });
            }
        }
        out
    }

    /// Per target (pattern or name): the papers it hits, in digest order.
    fn hits(&self, prepared: &Prepared<'_>) -> Lists {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        // Per target, the last paper that hit it, so each hit is listed once per paper.
        let mut last = vec![u32::MAX; self.targets];
        let mut hit = |target: u32, paper: u32| {
            if last[target as usize] != paper {
                last[target as usize] = paper;
                pairs.push((target, paper));
            }
        };
        if let Some(automaton) = &self.automaton {
            for (paper, texts) in prepared.texts().iter().enumerate() {
                for text in texts {
                    for m in automaton.find_overlapping_iter(text) {
                        let pattern = m.pattern().as_usize();
                        if self.edges[pattern].allow(text, m.start(), m.end()) {
                            hit(pattern as u32, paper as u32);
                        }
                    }
                }
            }
        }
        // Name keys only when somebody follows an author: most of the work is keywords.
        if !self.names.is_empty() {
            for (paper, keys) in prepared.author_keys().iter().enumerate() {
                for key in keys {
                    if let Some(&target) = self.names.get(key) {
                        hit(target, paper as u32);
                    }
                }
            }
        }
        if !self.facets.is_empty() {
            for (paper, keys) in prepared.facets().iter().enumerate() {
                for key in keys {
                    if let Some(&target) = self.facets.get(key) {
                        hit(target, paper as u32);
                    }
                }
            }
        }
        Lists::grouped(self.targets, &pairs)
    }
}

/// Lists of `u32` for ids `0..n`, stored back to back: list `i` is
/// `items[starts[i]..starts[i + 1]]`.
#[derive(Debug, Clone)]
struct Lists {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    /// Lists of consecutive numbers: list `i` holds the next `lens[i]` numbers, so only the
    /// starts are stored.
    fn consecutive(lens: &[usize]) -> Lists {
        let mut starts = Vec::with_capacity(lens.len() + 1);
        let mut at = 0u32;
        starts.push(at);
        for &len in lens {
            at += len as u32;
            starts.push(at);
        }
        Lists {
            starts,
            items: Vec::new(),
        }
    }

    /// `n` lists from `(list, item)` pairs; items keep their order within a list.
    fn grouped(n: usize, pairs: &[(u32, u32)]) -> Lists {
        let mut starts = vec![0u32; n + 1];
        for &(list, _) in pairs {
            starts[list as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut items = vec![0u32; pairs.len()];
        for &(list, item) in pairs {
            let at = &mut next[list as usize];
            items[*at as usize] = item;
            *at += 1;
        }
        Lists { starts, items }
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.starts[i] as usize..self.starts[i + 1] as usize
    }

    fn get(&self, i: usize) -> &[u32] {
        &self.items[self.range(i)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_lists_keep_item_order_and_allow_empty_lists() {
        let lists = Lists::grouped(4, &[(2, 7), (0, 1), (2, 3), (2, 9)]);
        assert_eq!(lists.get(0), [1]);
        assert_eq!(lists.get(1), [] as [u32; 0]);
        assert_eq!(lists.get(2), [7, 3, 9]);
        assert_eq!(lists.get(3), [] as [u32; 0]);
        let none = Lists::grouped(0, &[]);
        assert_eq!(none.starts, [0]);
    }

    #[test]
    fn consecutive_lists_are_ranges() {
        let lists = Lists::consecutive(&[2, 0, 3]);
        assert_eq!(lists.range(0), 0..2);
        assert_eq!(lists.range(1), 2..2);
        assert_eq!(lists.range(2), 2..5);
    }
}
