//! A person's terms as the store keeps them ([`AlertTerm`]) and as the parser and the index
//! know them ([`Term`]): the store does not depend on the parser, so the two meet here.
//!
//! `has:code` and `org:Name` terms are stored as include or exclude terms whose text is the term
//! as written (no keyword can take that form: the parser reads it as a facet), so the store's
//! kinds and its schema stay as they are.

use crate::select::terms::{Facet, Term, TermKind};
use crate::store::{AlertTerm, AlertTermKind};

pub fn term_of(t: &AlertTerm) -> Term {
    let facet = Facet::of(&t.term).is_some();
    let kind = match t.kind {
        AlertTermKind::Include if facet => TermKind::Facet,
        AlertTermKind::Exclude if facet => TermKind::ExcludeFacet,
        AlertTermKind::Include => TermKind::Include,
        AlertTermKind::Exclude => TermKind::Exclude,
        AlertTermKind::Author => TermKind::Author,
        AlertTermKind::ExcludeAuthor => TermKind::ExcludeAuthor,
    };
    Term::new(kind, t.term.clone())
}

pub fn stored_term(t: &Term) -> AlertTerm {
    let kind = match t.kind {
        TermKind::Include => AlertTermKind::Include,
        TermKind::Exclude => AlertTermKind::Exclude,
        TermKind::Author => AlertTermKind::Author,
        TermKind::ExcludeAuthor => AlertTermKind::ExcludeAuthor,
        TermKind::Facet => AlertTermKind::Include,
        TermKind::ExcludeFacet => AlertTermKind::Exclude,
    };
    AlertTerm {
        kind,
        term: t.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        for kind in [
            TermKind::Include,
            TermKind::Exclude,
            TermKind::Author,
            TermKind::ExcludeAuthor,
        ] {
            let t = Term::new(kind, "Tri Dao");
            assert_eq!(term_of(&stored_term(&t)), t);
        }
        for t in [
            Term::new(TermKind::Facet, "has:code"),
            Term::new(TermKind::ExcludeFacet, "org:Hugging Face"),
        ] {
            assert_eq!(term_of(&stored_term(&t)), t);
        }
    }
}
