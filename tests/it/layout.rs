//! The house as built (README, "Module map"): `src/`'s root holds only the shared leaves and one
//! folder per stage, every folder says in its `mod.rs` what enters and what leaves it, and no
//! file imports, directly or through others, a file that imports it back.
//!
//! The import graph is read from the sources, as a newcomer reads them: `use` trees and
//! `crate::`/`super::`/`self::` paths outside comments, strings and `#[cfg(test)]` items, and a
//! folder's `mod.rs` naming its own children (`pub use child::Item`). Each path points at the
//! file of the longest module it names. Method calls make no edge (they need no import), so an
//! `impl` split over files is a tree as long as each file imports only what is below it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["deliver", "engine"]`) → the file that holds it.
type Files = BTreeMap<Vec<String>, PathBuf>;
/// File → the files it imports from.
type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// What may sit at the root of `src/` besides the stage folders: the binary, the library's
/// root, and the leaves every stage may read.
const ROOT_FILES: &[&str] = &[
    "lib.rs",
    "main.rs",
    "channel_kind.rs",
    "clock.rs",
    "language.rs",
    "net.rs",
];
const ROOT_FOLDERS: &[&str] = &[
    "ask",
    "bot",
    "config",
    "deliver",
    "i18n",
    "model",
    "ops",
    "render",
    "select",
    "source",
    "store",
    "summaries",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_file_in_src_imports_a_file_that_imports_it_back() {
    let cycles = cycles_in(&src());
    assert!(
        cycles.is_empty(),
        "import circles between files of src/ (move the shared item down to a file both \
         sides can import):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_root_of_src_holds_the_shared_leaves_and_one_folder_per_stage() {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            folders.push(name);
        } else {
            files.push(name);
        }
    }
    files.sort();
    folders.sort();
    let mut want_files: Vec<String> = ROOT_FILES.iter().map(|s| s.to_string()).collect();
    want_files.sort();
    assert_eq!(
        files, want_files,
        "a new file at the root of src/: put it in the stage it belongs to (README, Module map)"
    );
    assert_eq!(
        folders, ROOT_FOLDERS,
        "the stage folders changed: update the README's module map and this list"
    );
    for folder in ROOT_FOLDERS {
        let text = std::fs::read_to_string(src().join(folder).join("mod.rs")).unwrap();
        assert!(
            text.starts_with("//!"),
            "src/{folder}/mod.rs must open with a module doc saying what enters and what leaves"
        );
    }
}

/// The summaries and the delivery engine meet in one place (README, Module map): files of
/// `deliver/` import from `summaries/` only its `posts.rs` (what the pass asks, what it gets
/// back), and nothing in `summaries/` imports from `deliver/`.
#[test]
fn the_summaries_and_the_delivery_engine_meet_in_summaries_posts_only() {
    let files = module_files(&src());
    let graph = import_graph(&files);
    let mut wrong = Vec::new();
    for (from, to) in &graph {
        for t in to {
            let door = t.first().map(String::as_str) == Some("summaries")
                && t.get(1).map(String::as_str) == Some("posts");
            match (
                from.first().map(String::as_str),
                t.first().map(String::as_str),
            ) {
                (Some("deliver"), Some("summaries")) if !door => {
                    wrong.push(format!("{} -> {}", from.join("/"), t.join("/")))
                }
                (Some("summaries"), Some("deliver")) => {
                    wrong.push(format!("{} -> {}", from.join("/"), t.join("/")))
                }
                _ => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "deliver/ and summaries/ meet only in summaries/posts.rs:\n{}",
        wrong.join("\n")
    );
}

/// The checker itself finds what it is for: a circle through two files, one through a parent
/// `mod.rs` that re-exports its child, and none where the child imports a sibling instead.
#[test]
fn the_checker_finds_circles_and_only_circles() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write(
        "a.rs",
        "use crate::b::Thing;\n// use crate::c::Other; a comment is no import\n",
    );
    write(
        "b.rs",
        "pub struct Thing;\nfn f() { let _ = crate::a::g(); }\n#[cfg(test)]\nmod tests { use crate::c::X; }\n",
    );
    write("c/mod.rs", "mod inner;\npub use inner::X;\n");
    write("c/inner.rs", "use super::helper;\npub struct X;\n");
    let found = cycles_in(dir.path());
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|c| c.contains("a.rs -> b.rs") && c.contains("b.rs -> a.rs")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|c| c.contains("c/inner.rs -> c/mod.rs") && c.contains("c/mod.rs -> c/inner.rs")),
        "{found:#?}"
    );
    // The child imports a sibling leaf instead: no circle is left.
    write("c/mod.rs", "mod inner;\nmod helper;\npub use inner::X;\n");
    write("c/helper.rs", "pub fn helper() {}\n");
    write("c/inner.rs", "use super::helper::helper;\npub struct X;\n");
    write("b.rs", "pub struct Thing;\n");
    assert_eq!(cycles_in(dir.path()), Vec::<String>::new());
}

/// Every circle (a strongly connected group of files), with its edges, in words.
fn cycles_in(root: &Path) -> Vec<String> {
    let files = module_files(root);
    let graph = import_graph(&files);
    strongly_connected(&graph)
        .into_iter()
        .map(|group| {
            let mut text = String::new();
            for a in &group {
                for b in graph[a].iter().filter(|b| group.contains(b)) {
                    text.push_str(&format!(
                        "  {} -> {}\n",
                        show(root, &files[a]),
                        show(root, &files[b])
                    ));
                }
            }
            text
        })
        .collect()
}

fn show(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every `.rs` file under `root` by the module it is, `main.rs` left out (the binary is its own
/// crate and imports the library by name, never back).
fn module_files(root: &Path) -> Files {
    let mut files = Files::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            if module == ["main"] {
                continue;
            }
            if module == ["lib"] {
                module.clear();
            }
            files.insert(module, path);
        }
    }
    files
}

fn import_graph(files: &Files) -> Graph {
    let code: BTreeMap<&Vec<String>, String> = files
        .iter()
        .map(|(m, p)| {
            (
                m,
                strip_comments_and_strings(&std::fs::read_to_string(p).unwrap()),
            )
        })
        .collect();
    // Files declared only for tests (`#[cfg(test)] mod testing;`) are not part of the house.
    let mut test_only = BTreeSet::new();
    for (module, text) in &code {
        for name in cfg_test_modules(text) {
            let mut child = (*module).clone();
            child.push(name);
            test_only.insert(child);
        }
    }
    let mut graph = Graph::new();
    for (module, text) in &code {
        if test_only.contains(*module) {
            continue;
        }
        let text = drop_cfg_test_items(text);
        let edges = graph.entry((*module).clone()).or_default();
        for path in paths_in(&text, module, files) {
            if let Some(target) = resolve(files, module, &path) {
                if &target != *module && !test_only.contains(&target) {
                    edges.insert(target);
                }
            }
        }
    }
    graph
}

/// The text with comments, string and char literals blanked (their newlines kept), so that a
/// path in a doc comment or a message is not an import.
fn strip_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, ch)| c.get(i + k) == Some(&ch))
    };
    while i < c.len() {
        if at(i, "//") {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < c.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
            && (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#'))
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while j < c.len() && !at(j, &close) {
                if c[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j + close.chars().count();
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                if c[j] == '\n' {
                    out.push('\n');
                }
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if c[i] == '\'' && char_literal_len(&c[i..]).is_some() {
            out.push_str("' '");
            i += char_literal_len(&c[i..]).unwrap();
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The length of a char literal starting at `c[0] == '\''` (`'a'`, `'\n'`, `'\u{1F4D6}'`), or
/// `None` for a lifetime.
fn char_literal_len(c: &[char]) -> Option<usize> {
    match c.get(1)? {
        '\\' => {
            let end = c.iter().skip(2).position(|&ch| ch == '\'')? + 2;
            (end <= 12).then_some(end + 1)
        }
        _ => (c.get(2) == Some(&'\'')).then_some(3),
    }
}

/// Child modules declared for tests only.
fn cfg_test_modules(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        rest = &rest[at + "#[cfg(test)]".len()..];
        let item = rest.trim_start();
        let item = item
            .strip_prefix("#[macro_use]")
            .unwrap_or(item)
            .trim_start();
        let item = item
            .strip_prefix("pub(crate) ")
            .or_else(|| item.strip_prefix("pub "))
            .unwrap_or(item);
        if let Some(decl) = item.strip_prefix("mod ") {
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                names.push(name);
            }
        }
    }
    names
}

/// The code without its `#[cfg(test)]` items (a test module, a test-only function or import).
fn drop_cfg_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at + "#[cfg(test)]".len()..];
        let end = item.find([';', '{']).unwrap_or(item.len());
        if item[end..].starts_with('{') {
            let mut depth = 0;
            let mut close = item.len();
            for (k, ch) in item[end..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = end + k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &item[close..];
        } else {
            rest = &item[(end + 1).min(item.len())..];
        }
    }
    out.push_str(rest);
    out
}

/// Every module path the code names, as segments: from `use` trees (expanded), from paths in
/// expressions and types, and from a parent naming its own children.
fn paths_in(code: &str, module: &[String], files: &Files) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "use") {
        let tree = &rest[at + 3..];
        let Some(end) = tree.find(';') else { break };
        expand_use(&[], &tidy_use_tree(&tree[..end]), &mut paths);
        rest = &tree[end..];
    }
    let children: BTreeSet<String> = files
        .keys()
        .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
        .map(|k| k.last().unwrap().clone())
        .collect();
    // Paths in expressions: `crate::a::b`, `super::x`, `self::y`, `child::z`.
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0
            || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        if boundary && (chars[i].is_alphabetic() || chars[i] == '_') {
            let mut segs = Vec::new();
            let mut j = i;
            loop {
                let start = j;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                if start == j {
                    break;
                }
                segs.push(chars[start..j].iter().collect::<String>());
                if chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':') {
                    j += 2;
                } else {
                    break;
                }
            }
            if segs.len() > 1
                && (["crate", "super", "self"].contains(&segs[0].as_str())
                    || children.contains(&segs[0]))
            {
                paths.push(segs);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    paths
}

/// The position of `word` as a whole word in `text`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(k) = text[from..].find(word) {
        let at = from + k;
        let before = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let after = bytes
            .get(at + word.len())
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
        if before && after {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// A `use` tree with its whitespace taken out but for the one space around `as`.
fn tidy_use_tree(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        if w == "as" {
            out.push_str(" as ");
        } else {
            out.push_str(w);
        }
    }
    out
}

/// A `use` tree (tidied, see [`tidy_use_tree`]) as the paths it imports: `a::{b, c::{d, e}}` is `a::b`,
/// `a::c::d`, `a::c::e`.
fn expand_use(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim_start_matches("::");
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        for part in split_top_level(inner) {
            expand_use(prefix, part, out);
        }
        return;
    }
    if let Some(open) = tree.find("::{") {
        let mut head = prefix.to_vec();
        head.extend(tree[..open].split("::").map(str::to_string));
        expand_use(&head, &tree[open + 2..], out);
        return;
    }
    let tree = tree.split(" as ").next().unwrap_or(tree);
    let mut path = prefix.to_vec();
    path.extend(
        tree.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    if !path.is_empty() {
        out.push(path);
    }
}

fn split_top_level(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// The file a path points at: the longest module it names, from the crate root, from a parent,
/// or from this file's own children. `None` for other crates' paths.
fn resolve(files: &Files, module: &[String], path: &[String]) -> Option<Vec<String>> {
    let (mut at, rest): (Vec<String>, &[String]) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "super" | "self" => {
            let mut at = module.to_vec();
            let mut k = 0;
            while let Some(seg) = path.get(k) {
                match seg.as_str() {
                    "super" => {
                        at.pop()?;
                    }
                    "self" => {}
                    _ => break,
                }
                k += 1;
            }
            (at, &path[k..])
        }
        first => {
            let mut child = module.to_vec();
            child.push(first.to_string());
            if !files.contains_key(&child) {
                return None;
            }
            (module.to_vec(), path)
        }
    };
    for seg in rest {
        at.push(seg.clone());
        if !files.contains_key(&at) {
            at.pop();
            break;
        }
    }
    files.contains_key(&at).then_some(at)
}

/// Tarjan's strongly connected components of more than one file, each sorted.
fn strongly_connected(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        groups: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.groups
}
