//! A person's terms as the store keeps them ([`AlertTerm`]) and as the parser and the index
//! know them ([`Term`]): the store does not depend on the parser, so the two meet here.

use crate::store::{AlertTerm, AlertTermKind};
use crate::terms::{Term, TermKind};

pub fn term_of(t: &AlertTerm) -> Term {
    let kind = match t.kind {
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
    }
}
