//! The message catalogs against each other and against the code (tests only): every key in
//! every language, every placeholder a message uses given by every call that looks it up, every
//! key the code names in the catalogs, and every command name one Discord accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

/// A language's messages: key → the variables it uses (through message references too).
type Catalog = BTreeMap<String, BTreeSet<String>>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn languages() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("locales"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn inline_vars(
    e: &InlineExpression<&str>,
    vars: &mut BTreeSet<String>,
    refs: &mut BTreeSet<String>,
) {
    match e {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        InlineExpression::MessageReference { id, .. } => {
            refs.insert(id.name.to_string());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars, refs);
            }
        }
        InlineExpression::Placeable { expression } => expr_vars(expression, vars, refs),
        _ => {}
    }
}

fn expr_vars(e: &Expression<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
    match e {
        Expression::Inline(i) => inline_vars(i, vars, refs),
        Expression::Select { selector, variants } => {
            inline_vars(selector, vars, refs);
            for v in variants {
                pattern_vars(&v.value, vars, refs);
            }
        }
    }
}

fn pattern_vars(p: &Pattern<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let PatternElement::Placeable { expression } = el {
            expr_vars(expression, vars, refs);
        }
    }
}

fn catalog(lang: &str) -> Catalog {
    let dir = root().join("locales").join(lang);
    let mut direct: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(source.as_str())
            .unwrap_or_else(|(_, e)| panic!("{}: {e:?}", path.display()));
        for entry in resource.body {
            if let Entry::Message(m) = entry {
                let (mut vars, mut refs) = (BTreeSet::new(), BTreeSet::new());
                if let Some(v) = &m.value {
                    pattern_vars(v, &mut vars, &mut refs);
                }
                let key = m.id.name.to_string();
                assert!(
                    direct.insert(key.clone(), (vars, refs)).is_none(),
                    "{lang}: {key} twice"
                );
            }
        }
    }
    // A referenced message's variables are the referencing one's.
    direct
        .keys()
        .map(|k| {
            let mut vars = BTreeSet::new();
            let mut todo = vec![k.clone()];
            let mut seen = BTreeSet::new();
            while let Some(k) = todo.pop() {
                if !seen.insert(k.clone()) {
                    continue;
                }
                let (v, r) = direct
                    .get(&k)
                    .unwrap_or_else(|| panic!("{lang}: {k} refers to a missing message"));
                vars.extend(v.iter().cloned());
                todo.extend(r.iter().cloned());
            }
            (k.clone(), vars)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Splits a macro's argument text at its top-level commas (not inside brackets or strings).
fn top_level_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    let mut cur = String::new();
    for c in text.chars() {
        if in_str {
            cur.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                cur.push(c);
            }
            '(' | '[' | '{' => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' | '}' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out.into_iter().map(|a| a.trim().to_string()).collect()
}

/// Every `t!(lang, key, name = value, …)` in the library: (file, key literal or `None` for a
/// key chosen at run time, the names given).
fn lookups() -> Vec<(PathBuf, Option<String>, BTreeSet<String>)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut out = Vec::new();
    // The macro's own module documents it with made-up keys.
    for file in files
        .into_iter()
        .filter(|f| !f.ends_with("i18n/check.rs") && !f.ends_with("i18n/mod.rs"))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("t!(") {
            // `t!(` itself, not the end of `assert!(` or `format!(`.
            let macro_start = rest[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            if !macro_start {
                rest = &rest[at + 3..];
                continue;
            }
            let body = &rest[at + 3..];
            let mut depth = 1;
            let mut end = 0;
            let mut in_str = false;
            let mut escaped = false;
            for (i, c) in body.char_indices() {
                if in_str {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => in_str = false,
                        _ => {}
                    }
                    continue;
                }
                match c {
                    '"' => in_str = true,
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let args = top_level_args(&body[..end]);
            rest = &body[end..];
            if args.len() < 2 || args[0].starts_with('$') {
                continue; // the macro's own definition
            }
            let key = args[1]
                .strip_prefix('"')
                .and_then(|k| k.strip_suffix('"'))
                .map(str::to_string);
            let names = args[2..]
                .iter()
                .filter_map(|a| a.split_once('=').map(|(n, _)| n.trim().to_string()))
                .collect();
            out.push((file.clone(), key, names));
        }
    }
    out
}

#[test]
fn catalog_every_language_has_every_key_and_no_other() {
    let langs = languages();
    assert!(langs.contains(&"en".to_string()) && langs.contains(&"ko".to_string()));
    let en = catalog("en");
    for lang in &langs {
        let other = catalog(lang);
        let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{lang} has keys English has not: {extra:?}"
        );
    }
}

#[test]
fn catalog_every_placeholder_a_message_uses_is_given() {
    let catalogs: Vec<(String, Catalog)> = languages()
        .into_iter()
        .map(|l| (l.clone(), catalog(&l)))
        .collect();
    let en = &catalogs.iter().find(|(l, _)| l == "en").unwrap().1;
    let calls = lookups();
    assert!(calls.len() > 150, "{} lookups found", calls.len());
    // Keys named in the code: each call's literal, and any literal naming a key in a file whose
    // calls choose their key at run time (`let key = match … { … => "post-empty-no-papers" }`).
    for (file, key, names) in &calls {
        let keys: Vec<String> = match key {
            Some(k) => vec![k.clone()],
            None => {
                // Those the file's calls do not name themselves.
                let text = std::fs::read_to_string(file).unwrap();
                let named: BTreeSet<&String> = calls
                    .iter()
                    .filter(|(f, _, _)| f == file)
                    .filter_map(|(_, k, _)| k.as_ref())
                    .collect();
                en.keys()
                    .filter(|k| !named.contains(k) && text.contains(&format!("\"{k}\"")))
                    .cloned()
                    .collect()
            }
        };
        for k in keys {
            if key.is_none() {
                // A key chosen at run time: given whatever any run-time call in its file gives.
                let given: BTreeSet<String> = calls
                    .iter()
                    .filter(|(f, k2, _)| f == file && k2.is_none())
                    .flat_map(|(_, _, n)| n.iter().cloned())
                    .collect();
                for (lang, c) in &catalogs {
                    if let Some(vars) = c.get(&k) {
                        let missing: Vec<_> = vars.difference(&given).collect();
                        assert!(
                            missing.is_empty(),
                            "{lang}: {k} uses {missing:?}, which {} never gives",
                            file.display()
                        );
                    }
                }
                continue;
            }
            for (lang, c) in &catalogs {
                let vars = c.get(&k).unwrap_or_else(|| {
                    panic!("{}: {k} is not in the {lang} catalog", file.display())
                });
                let missing: Vec<_> = vars.difference(names).collect();
                assert!(
                    missing.is_empty(),
                    "{lang}: {k} uses {missing:?}, not given in {} (gives {names:?})",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn catalog_every_key_is_used() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let code: String = files
        .iter()
        .filter(|f| !f.ends_with("i18n/check.rs"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let ftl = std::fs::read_to_string(root().join("locales/en/paperboy.ftl")).unwrap();
    // Command texts are looked up by the command's path (`commands::localise`); some messages
    // are only parts of others (`{ post-day }`).
    let unused: Vec<String> = catalog("en")
        .into_keys()
        .filter(|k| {
            !k.starts_with("cmd-")
                && !code.contains(&format!("\"{k}\""))
                && !ftl.contains(&format!("{{ {k} }}"))
        })
        .collect();
    assert!(unused.is_empty(), "keys no code looks up: {unused:?}");
}
