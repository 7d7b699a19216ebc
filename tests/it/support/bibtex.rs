//! A small BibTeX reader for the tests: entries as (type, key, fields), braces counted as BibTeX
//! counts them (a backslash does not hide one). Enough to prove an export is well-formed and
//! says what it should, independently of the code that wrote it.

/// One entry: its type (lowercase), citation key and fields (names lowercase, values as written
/// between their outer braces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: String,
    pub key: String,
    pub fields: Vec<(String, String)>,
}

impl Entry {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses every `@type{key, name = {value}, …}` entry; an error names what is malformed.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        rest = &rest[at + 1..];
        let open = rest.find('{').ok_or("no { after @type")?;
        let kind = rest[..open].trim().to_lowercase();
        rest = &rest[open + 1..];
        let comma = rest.find(',').ok_or("no citation key")?;
        let key = rest[..comma].trim().to_string();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("bad key {key:?}"));
        }
        rest = &rest[comma + 1..];
        let mut fields = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find('=').ok_or("no = in a field")?;
            let name = rest[..eq].trim().to_lowercase();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("bad field name {name:?}"));
            }
            rest = rest[eq + 1..].trim_start();
            let r = rest
                .strip_prefix('{')
                .ok_or(format!("field {name} is not braced"))?;
            let mut depth = 1;
            let mut end = None;
            for (i, c) in r.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let end = end.ok_or(format!("field {name} never closes"))?;
            fields.push((name, r[..end].to_string()));
            rest = r[end + 1..].trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        entries.push(Entry { kind, key, fields });
    }
    Ok(entries)
}
