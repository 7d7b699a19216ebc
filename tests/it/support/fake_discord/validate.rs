//! Payload validation as Discord does it: 50035 Invalid Form Body error trees, message, embed and
//! application command limits, snowflake ids, and JSON or multipart body parsing.

use std::collections::HashSet;

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use serde_json::{json, Map, Value};

use super::reply::Reply;
use super::state::ForumRec;

/// Collects `errors` for a 50035 Invalid Form Body answer, in Discord's nested shape
/// `{"embeds":{"0":{"title":{"_errors":[{"code","message"}]}}}}`.
#[derive(Default)]
pub(super) struct FormErrors {
    root: Map<String, Value>,
}

impl FormErrors {
    pub(super) fn add(&mut self, path: &[String], code: &str, message: String) {
        let mut cur = &mut self.root;
        for p in path {
            cur = cur
                .entry(p.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("error tree nodes are objects");
        }
        let errs = cur
            .entry("_errors".to_string())
            .or_insert_with(|| json!([]));
        if let Some(a) = errs.as_array_mut() {
            a.push(json!({ "code": code, "message": message }));
        }
    }

    pub(super) fn max_len(&mut self, path: &[String], value: Option<&Value>, max: usize) {
        if let Some(s) = value.and_then(Value::as_str) {
            if s.chars().count() > max {
                self.add(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    format!("Must be {max} or fewer in length."),
                );
            }
        }
    }

    pub(super) fn len_between(
        &mut self,
        path: &[String],
        value: Option<&Value>,
        min: usize,
        max: usize,
    ) {
        match value.and_then(Value::as_str) {
            None => self.add(path, "BASE_TYPE_REQUIRED", "This field is required".into()),
            Some(s) => {
                let n = s.chars().count();
                if n < min || n > max {
                    self.add(
                        path,
                        "BASE_TYPE_BAD_LENGTH",
                        format!("Must be between {min} and {max} in length."),
                    );
                }
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    pub(super) fn into_reply(self) -> Reply {
        Reply::json(
            400,
            json!({ "code": 50035, "message": "Invalid Form Body", "errors": self.root }),
        )
    }
}

pub(super) fn path_of(prefix: &[String], extra: &[&str]) -> Vec<String> {
    prefix
        .iter()
        .cloned()
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
}

pub(super) fn chars(v: Option<&Value>) -> usize {
    v.and_then(Value::as_str).map_or(0, |s| s.chars().count())
}

pub(super) fn check_url(
    errs: &mut FormErrors,
    path: Vec<String>,
    v: Option<&Value>,
    allow_attachment: bool,
) {
    let Some(v) = v else { return };
    let Some(s) = v.as_str() else {
        if !v.is_null() {
            errs.add(
                &path,
                "URL_TYPE_INVALID_URL",
                "Not a well formed URL.".into(),
            );
        }
        return;
    };
    let ok = (s.starts_with("https://") && s.len() > 8)
        || (s.starts_with("http://") && s.len() > 7)
        || (allow_attachment && s.starts_with("attachment://") && s.len() > 13);
    if !ok {
        match s.split_once("://") {
            Some((scheme, _)) if !scheme.is_empty() => errs.add(
                &path,
                "URL_TYPE_INVALID_SCHEME",
                format!("Scheme \"{scheme}\" is not supported. Scheme must be one of ('http', 'https')."),
            ),
            _ => errs.add(&path, "URL_TYPE_INVALID_URL", "Not a well formed URL.".into()),
        }
    }
}

/// Discord's message limits. `prefix` is the error path of the message object.
pub(super) fn validate_message(errs: &mut FormErrors, prefix: &[String], body: &Value) {
    if !body.is_object() {
        if !body.is_null() {
            errs.add(
                prefix,
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType".into(),
            );
        }
        return;
    }
    errs.max_len(&path_of(prefix, &["content"]), body.get("content"), 2000);
    if let Some(nonce) = body.get("nonce") {
        match nonce {
            Value::String(s) if s.chars().count() > 25 => errs.add(
                &path_of(prefix, &["nonce"]),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.".into(),
            ),
            Value::String(_) | Value::Number(_) | Value::Null => {}
            _ => errs.add(
                &path_of(prefix, &["nonce"]),
                "NONCE_TYPE_INVALID",
                "Nonce must be a string or integer".into(),
            ),
        }
    }
    if let Some(embeds) = body.get("embeds").and_then(Value::as_array) {
        let epath = path_of(prefix, &["embeds"]);
        if embeds.len() > 10 {
            errs.add(
                &epath,
                "BASE_TYPE_MAX_LENGTH",
                "Must be 10 or fewer in length.".into(),
            );
        }
        let mut total = 0usize;
        for (i, e) in embeds.iter().enumerate() {
            let i = i.to_string();
            let ep = path_of(&epath, &[&i]);
            total += validate_embed(errs, &ep, e);
        }
        if total > 6000 {
            errs.add(
                &epath,
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000".into(),
            );
        }
    }
    if let Some(rows) = body.get("components").and_then(Value::as_array) {
        let cpath = path_of(prefix, &["components"]);
        if rows.len() > 5 {
            errs.add(
                &cpath,
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.".into(),
            );
        }
        validate_action_rows(errs, &cpath, rows);
    }
}

/// Message components as Discord checks them: action rows (type 1) of 1 to 5 buttons or one
/// select menu; a string select (type 3) with a `custom_id` of 1 to 100 characters, 1 to 25
/// options (label and value 1 to 100 characters, unique values, description up to 100), a
/// placeholder up to 150 and `min_values`/`max_values` within 0..=25 and the options; custom ids
/// unique across the message.
fn validate_action_rows(errs: &mut FormErrors, cpath: &[String], rows: &[Value]) {
    let mut custom_ids = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let i = i.to_string();
        let rpath = path_of(cpath, &[&i]);
        if row.get("type").and_then(Value::as_u64) != Some(1) {
            errs.add(
                &path_of(&rpath, &["type"]),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "Top-level components must be action rows.".into(),
            );
            continue;
        }
        let children = row.get("components").and_then(Value::as_array);
        let Some(children) = children.filter(|c| (1..=5).contains(&c.len())) else {
            errs.add(
                &path_of(&rpath, &["components"]),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.".into(),
            );
            continue;
        };
        let selects = children
            .iter()
            .filter(|c| c.get("type").and_then(Value::as_u64) != Some(2))
            .count();
        if selects > 0 && children.len() > 1 {
            errs.add(
                &path_of(&rpath, &["components"]),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width".into(),
            );
        }
        for (j, c) in children.iter().enumerate() {
            let j = j.to_string();
            let p = path_of(&rpath, &["components", &j]);
            if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                if !custom_ids.insert(id.to_string()) {
                    errs.add(
                        &path_of(&p, &["custom_id"]),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated".into(),
                    );
                }
            }
            match c.get("type").and_then(Value::as_u64) {
                Some(3) => validate_string_select(errs, &p, c),
                Some(2) => {
                    let link = c.get("style").and_then(Value::as_u64) == Some(5);
                    if !link {
                        errs.len_between(&path_of(&p, &["custom_id"]), c.get("custom_id"), 1, 100);
                    }
                    errs.max_len(&path_of(&p, &["label"]), c.get("label"), 80);
                }
                Some(5..=8) => {
                    errs.len_between(&path_of(&p, &["custom_id"]), c.get("custom_id"), 1, 100);
                    errs.max_len(&path_of(&p, &["placeholder"]), c.get("placeholder"), 150);
                }
                _ => errs.add(
                    &path_of(&p, &["type"]),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {2, 3, 5, 6, 7, 8}.".into(),
                ),
            }
        }
    }
}

fn validate_string_select(errs: &mut FormErrors, p: &[String], c: &Value) {
    errs.len_between(&path_of(p, &["custom_id"]), c.get("custom_id"), 1, 100);
    errs.max_len(&path_of(p, &["placeholder"]), c.get("placeholder"), 150);
    let options = c.get("options").and_then(Value::as_array);
    let n = options.map_or(0, Vec::len);
    if !(1..=25).contains(&n) {
        errs.add(
            &path_of(p, &["options"]),
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 25 in length.".into(),
        );
    }
    let mut values = HashSet::new();
    for (k, o) in options.into_iter().flatten().enumerate() {
        let k = k.to_string();
        let op = path_of(p, &["options", &k]);
        errs.len_between(&path_of(&op, &["label"]), o.get("label"), 1, 100);
        errs.len_between(&path_of(&op, &["value"]), o.get("value"), 1, 100);
        errs.max_len(&path_of(&op, &["description"]), o.get("description"), 100);
        if let Some(v) = o.get("value").and_then(Value::as_str) {
            if !values.insert(v.to_string()) {
                errs.add(
                    &path_of(&op, &["value"]),
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                    "Select component option values cannot be duplicated".into(),
                );
            }
        }
    }
    let count = |key: &str| c.get(key).and_then(Value::as_u64);
    for key in ["min_values", "max_values"] {
        if count(key).is_some_and(|v| v > 25 || v as usize > n.max(1)) {
            errs.add(
                &path_of(p, &[key]),
                "BASE_TYPE_MAX_VALUE",
                format!("{key} must be less than or equal to the number of options."),
            );
        }
    }
    if let (Some(min), Some(max)) = (count("min_values"), count("max_values")) {
        if min > max {
            errs.add(
                &path_of(p, &["min_values"]),
                "BASE_TYPE_MAX_VALUE",
                "min_values must be less than or equal to max_values.".into(),
            );
        }
    }
}

/// Validates one embed and returns its size as Discord counts it.
pub(super) fn validate_embed(errs: &mut FormErrors, ep: &[String], e: &Value) -> usize {
    if !e.is_object() {
        errs.add(
            ep,
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType".into(),
        );
        return 0;
    }
    let mut size = chars(e.get("title")) + chars(e.get("description"));
    errs.max_len(&path_of(ep, &["title"]), e.get("title"), 256);
    errs.max_len(&path_of(ep, &["description"]), e.get("description"), 4096);
    check_url(errs, path_of(ep, &["url"]), e.get("url"), false);
    if let Some(c) = e.get("color") {
        match c.as_u64() {
            Some(c) if c <= 0xFF_FFFF => {}
            _ if c.is_null() => {}
            _ => errs.add(
                &path_of(ep, &["color"]),
                "NUMBER_TYPE_MAX",
                "int value should be less than or equal to 16777215.".into(),
            ),
        }
    }
    if let Some(fields) = e.get("fields").and_then(Value::as_array) {
        if fields.len() > 25 {
            errs.add(
                &path_of(ep, &["fields"]),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.".into(),
            );
        }
        for (j, f) in fields.iter().enumerate() {
            let j = j.to_string();
            size += chars(f.get("name")) + chars(f.get("value"));
            errs.len_between(&path_of(ep, &["fields", &j, "name"]), f.get("name"), 1, 256);
            errs.len_between(
                &path_of(ep, &["fields", &j, "value"]),
                f.get("value"),
                1,
                1024,
            );
        }
    }
    if let Some(footer) = e.get("footer").filter(|f| !f.is_null()) {
        size += chars(footer.get("text"));
        errs.len_between(
            &path_of(ep, &["footer", "text"]),
            footer.get("text"),
            1,
            2048,
        );
        check_url(
            errs,
            path_of(ep, &["footer", "icon_url"]),
            footer.get("icon_url"),
            true,
        );
    }
    if let Some(author) = e.get("author").filter(|a| !a.is_null()) {
        size += chars(author.get("name"));
        errs.len_between(
            &path_of(ep, &["author", "name"]),
            author.get("name"),
            1,
            256,
        );
        check_url(
            errs,
            path_of(ep, &["author", "url"]),
            author.get("url"),
            false,
        );
        check_url(
            errs,
            path_of(ep, &["author", "icon_url"]),
            author.get("icon_url"),
            true,
        );
    }
    // An ISO8601 timestamp; anything else is refused.
    if let Some(ts) = e.get("timestamp").filter(|t| !t.is_null()) {
        let ok = ts
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok());
        if !ok {
            errs.add(
                &path_of(ep, &["timestamp"]),
                "DATE_TIME_TYPE_PARSE",
                format!("Could not parse {ts}. Should be ISO8601."),
            );
        }
    }
    for key in ["thumbnail", "image"] {
        if let Some(obj) = e.get(key).filter(|o| !o.is_null()) {
            match obj.get("url") {
                None | Some(Value::Null) => errs.add(
                    &path_of(ep, &[key, "url"]),
                    "BASE_TYPE_REQUIRED",
                    "This field is required".into(),
                ),
                url => check_url(errs, path_of(ep, &[key, "url"]), url, true),
            }
        }
    }
    size
}

/// A thread's `auto_archive_duration`, in minutes: Discord takes these values only.
pub(super) const AUTO_ARCHIVE_MINUTES: [u64; 4] = [60, 1440, 4320, 10080];

/// `POST /channels/{id}/messages/{id}/threads` and `POST /channels/{id}/threads`: a name of 1
/// to 100 characters, an `auto_archive_duration` Discord knows, a slowmode within 6 hours.
pub(super) fn validate_thread_start(errs: &mut FormErrors, body: &Value) {
    errs.len_between(&["name".to_string()], body.get("name"), 1, 100);
    if let Some(d) = body.get("auto_archive_duration").filter(|d| !d.is_null()) {
        if !d
            .as_u64()
            .is_some_and(|d| AUTO_ARCHIVE_MINUTES.contains(&d))
        {
            errs.add(
                &["auto_archive_duration".to_string()],
                "BASE_TYPE_CHOICES",
                format!("Value must be one of {AUTO_ARCHIVE_MINUTES:?}."),
            );
        }
    }
    if let Some(r) = body.get("rate_limit_per_user").filter(|r| !r.is_null()) {
        if r.as_u64().is_none_or(|r| r > 21_600) {
            errs.add(
                &["rate_limit_per_user".to_string()],
                "NUMBER_TYPE_MAX",
                "int value should be less than or equal to 21600.".into(),
            );
        }
    }
}

pub(super) fn is_empty_message(body: &Value, files: usize) -> bool {
    let nonempty_str = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let nonempty_arr = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    !(nonempty_str("content")
        || nonempty_arr("embeds")
        || nonempty_arr("components")
        || nonempty_arr("sticker_ids")
        || nonempty_arr("attachments")
        || body.get("poll").is_some_and(|p| !p.is_null())
        || files > 0)
}

pub(super) fn valid_command_name(name: &str, chat_input: bool) -> bool {
    let n = name.chars().count();
    if !(1..=32).contains(&n) {
        return false;
    }
    if !chat_input {
        return true;
    }
    // Discord's `^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`, lowercase where a letter has
    // a lowercase form (Hangul has none, so Korean names pass as written).
    // Devanagari and Thai whole (their vowel signs and viramas are marks, not letters).
    let deva_or_thai = |c: char| matches!(c, '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{0E00}'..='\u{0E7F}');
    name.chars()
        .all(|c| c == '-' || c == '_' || c == '\'' || c.is_alphanumeric() || deva_or_thai(c))
        && name.to_lowercase() == name
}

/// The locales Discord accepts as keys of `name_localizations` / `description_localizations`
/// (its "Locales" table).
pub(super) const DISCORD_LOCALES: &[&str] = &[
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// What a localised field must be.
#[derive(Clone, Copy)]
pub(super) enum Localised {
    /// A command or option name: the name rules, each value.
    Name,
    /// A description or a choice's name: 1–100 characters.
    Text,
}

/// Checks a `*_localizations` map: keys are Discord locales and values follow `what`'s rules.
/// Returns the longest value's length: Discord counts only the longest localisation of a field
/// (or its default) toward a command's 4,000 characters.
///
/// Where Discord points its errors: a top-level command's bad localised name is reported on
/// the map itself (`0.name_localizations`), an option's on the locale
/// (`0.options.0.name_localizations.ko`), as Discord answers
/// (discord/discord-api-docs#7712). An unknown locale is refused on its key.
pub(super) fn validate_localizations(
    errs: &mut FormErrors,
    path: &[String],
    map: Option<&Value>,
    what: Localised,
    top_level: bool,
) -> usize {
    let Some(map) = map.filter(|m| !m.is_null()) else {
        return 0;
    };
    let Some(map) = map.as_object() else {
        errs.add(
            path,
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType".into(),
        );
        return 0;
    };
    let mut longest = 0;
    for (locale, value) in map {
        let at = path_of(path, &[locale]);
        if !DISCORD_LOCALES.contains(&locale.as_str()) {
            errs.add(
                &at,
                "BASE_TYPE_CHOICES",
                format!("Value must be one of {DISCORD_LOCALES:?}."),
            );
            continue;
        }
        let Some(text) = value.as_str() else {
            errs.add(&at, "BASE_TYPE_STRING", "Must be a string.".into());
            continue;
        };
        longest = longest.max(text.chars().count());
        match what {
            Localised::Name => {
                if !valid_command_name(text, true) {
                    let where_ = if top_level { path.to_vec() } else { at };
                    errs.add(
                        &where_,
                        "APPLICATION_COMMAND_INVALID_NAME",
                        "Command name is invalid".into(),
                    );
                }
            }
            Localised::Text => errs.len_between(&at, Some(value), 1, 100),
        }
    }
    longest
}

/// Validates application command options; returns the characters they count toward the
/// 4000-character limit of a command.
pub(super) fn validate_options(
    errs: &mut FormErrors,
    prefix: &[String],
    options: &[Value],
    depth: usize,
) -> usize {
    let mut total = 0;
    if options.len() > 25 {
        errs.add(
            prefix,
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.".into(),
        );
    }
    let mut names = HashSet::new();
    let mut seen_optional = false;
    for (i, o) in options.iter().enumerate() {
        let i = i.to_string();
        let op = path_of(prefix, &[&i]);
        let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        total += name.chars().count().max(validate_localizations(
            errs,
            &path_of(&op, &["name_localizations"]),
            o.get("name_localizations"),
            Localised::Name,
            false,
        ));
        total += chars(o.get("description")).max(validate_localizations(
            errs,
            &path_of(&op, &["description_localizations"]),
            o.get("description_localizations"),
            Localised::Text,
            false,
        ));
        if !valid_command_name(name, true) {
            errs.add(
                &path_of(&op, &["name"]),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".into(),
            );
        }
        if !names.insert(name.to_string()) {
            errs.add(
                &path_of(&op, &["name"]),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique".into(),
            );
        }
        errs.len_between(
            &path_of(&op, &["description"]),
            o.get("description"),
            1,
            100,
        );
        if !(1..=11).contains(&kind) {
            errs.add(
                &path_of(&op, &["type"]),
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.".into(),
            );
        }
        for key in INSTALL_FIELDS {
            if o.get(key).is_some_and(|v| !v.is_null()) {
                errs.add(
                    &path_of(&op, &[key]),
                    "BASE_TYPE_INVALID",
                    format!("Only top-level commands have {key}"),
                );
            }
        }
        let required = o.get("required").and_then(Value::as_bool).unwrap_or(false);
        if kind > 2 {
            if required && seen_optional {
                errs.add(
                    &path_of(&op, &["required"]),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options".into(),
                );
            }
            if !required {
                seen_optional = true;
            }
        }
        if let Some(choices) = o.get("choices").and_then(Value::as_array) {
            if choices.len() > 25 {
                errs.add(
                    &path_of(&op, &["choices"]),
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 25 or fewer in length.".into(),
                );
            }
            for (j, c) in choices.iter().enumerate() {
                let j = j.to_string();
                total += chars(c.get("name")).max(validate_localizations(
                    errs,
                    &path_of(&op, &["choices", &j, "name_localizations"]),
                    c.get("name_localizations"),
                    Localised::Text,
                    false,
                )) + c
                    .get("value")
                    .and_then(Value::as_str)
                    .map_or(0, |s| s.chars().count());
                errs.len_between(
                    &path_of(&op, &["choices", &j, "name"]),
                    c.get("name"),
                    1,
                    100,
                );
                errs.max_len(
                    &path_of(&op, &["choices", &j, "value"]),
                    c.get("value"),
                    100,
                );
            }
        }
        let sub = o.get("options").and_then(Value::as_array);
        match kind {
            1 | 2 => {
                let allowed_child = |k: u64| if kind == 2 { k == 1 } else { k > 2 };
                if depth >= 2 || (kind == 2 && depth >= 1) {
                    errs.add(&path_of(&op, &["type"]), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types".into());
                }
                if let Some(sub) = sub {
                    for (j, s) in sub.iter().enumerate() {
                        let k = s.get("type").and_then(Value::as_u64).unwrap_or(0);
                        if !allowed_child(k) {
                            let j = j.to_string();
                            errs.add(&path_of(&op, &["options", &j, "type"]), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types".into());
                        }
                    }
                    total += validate_options(errs, &path_of(&op, &["options"]), sub, depth + 1);
                }
            }
            _ => {
                if sub.is_some_and(|s| !s.is_empty()) {
                    errs.add(
                        &path_of(&op, &["options"]),
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "Only sub-commands and groups can have options".into(),
                    );
                }
            }
        }
    }
    total
}

/// The install fields of a command: `integration_types` (0 GUILD_INSTALL, 1 USER_INSTALL) and
/// `contexts` (0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL). Discord documents them on commands only;
/// the fake refuses them on options, so a misplaced one fails loudly.
const INSTALL_FIELDS: [&str; 2] = ["integration_types", "contexts"];

/// `null`, or an array of values among `allowed` (Discord's enum fields of a command).
fn validate_enum_set(errs: &mut FormErrors, path: &[String], v: Option<&Value>, allowed: &[u64]) {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return;
    };
    let Some(items) = v.as_array() else {
        errs.add(
            path,
            "LIST_TYPE_CONVERT",
            "Only iterables may be used in a ListType".into(),
        );
        return;
    };
    let choices = allowed
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    for (i, item) in items.iter().enumerate() {
        if !item.as_u64().is_some_and(|n| allowed.contains(&n)) {
            errs.add(
                &path_of(path, &[&i.to_string()]),
                "BASE_TYPE_CHOICES",
                format!("Value must be one of {{{choices}}}."),
            );
        }
    }
}

pub(super) fn validate_commands(errs: &mut FormErrors, body: &Value) {
    let Some(cmds) = body.as_array() else {
        errs.add(&[], "BASE_TYPE_ARRAY", "Must be an array".into());
        return;
    };
    if cmds.len() > 100 {
        errs.add(
            &[],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 100 or fewer in length.".into(),
        );
    }
    let mut names = HashSet::new();
    for (i, c) in cmds.iter().enumerate() {
        let i = i.to_string();
        let cp = vec![i.clone()];
        let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        if !valid_command_name(name, kind == 1) {
            errs.add(
                &path_of(&cp, &["name"]),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".into(),
            );
        }
        if !names.insert((kind, name.to_string())) {
            errs.add(
                &path_of(&cp, &["name"]),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                format!("Application command names must be unique: {name}"),
            );
        }
        let mut total = name.chars().count().max(validate_localizations(
            errs,
            &path_of(&cp, &["name_localizations"]),
            c.get("name_localizations"),
            Localised::Name,
            true,
        ));
        if kind == 1 {
            errs.len_between(
                &path_of(&cp, &["description"]),
                c.get("description"),
                1,
                100,
            );
            total += chars(c.get("description")).max(validate_localizations(
                errs,
                &path_of(&cp, &["description_localizations"]),
                c.get("description_localizations"),
                Localised::Text,
                true,
            ));
        }
        if let Some(p) = c.get("default_member_permissions") {
            let ok = p.is_null()
                || p.as_str()
                    .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                errs.add(
                    &path_of(&cp, &["default_member_permissions"]),
                    "BASE_TYPE_INVALID",
                    "Must be a permission bitfield string".into(),
                );
            }
        }
        validate_enum_set(
            errs,
            &path_of(&cp, &["integration_types"]),
            c.get("integration_types"),
            &[0, 1],
        );
        validate_enum_set(
            errs,
            &path_of(&cp, &["contexts"]),
            c.get("contexts"),
            &[0, 1, 2],
        );
        if let Some(opts) = c.get("options").and_then(Value::as_array) {
            total += validate_options(errs, &path_of(&cp, &["options"]), opts, 0);
        }
        if total > 4000 {
            errs.add(
                &cp,
                "APPLICATION_COMMAND_TOO_LARGE",
                "Command exceeds maximum size (4000)".into(),
            );
        }
    }
}

pub(super) fn find_bytes(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() || from > hay.len() - needle.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Parses a JSON or multipart (`payload_json` + `files[n]`) body; the uploaded files as
/// `{"filename", "content"}` (content as text, lossily).
pub(super) fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<(Value, Vec<Value>), Reply> {
    if bytes.is_empty() {
        return Ok((Value::Null, Vec::new()));
    }
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let invalid_json = || Reply::error(400, 50109, "The request body contains invalid JSON.");
    if !ct.starts_with("multipart/form-data") {
        return serde_json::from_slice(bytes)
            .map(|v| (v, Vec::new()))
            .map_err(|_| invalid_json());
    }
    let boundary = ct
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .ok_or_else(invalid_json)?;
    let delim = format!("--{boundary}").into_bytes();
    let mut payload = Value::Null;
    let mut files = Vec::new();
    let mut pos = find_bytes(bytes, &delim, 0).ok_or_else(invalid_json)? + delim.len();
    loop {
        if bytes[pos..].starts_with(b"--") {
            break;
        }
        let next = find_bytes(bytes, &delim, pos).ok_or_else(invalid_json)?;
        let part = &bytes[pos..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(h_end) = find_bytes(part, b"\r\n\r\n", 0) {
            let head = String::from_utf8_lossy(&part[..h_end]).to_ascii_lowercase();
            let content = &part[h_end + 4..];
            if head.contains("name=\"payload_json\"") {
                payload = serde_json::from_slice(content).map_err(|_| invalid_json())?;
            } else if head.contains("filename=")
                || head.contains("name=\"files[")
                || head.contains("name=\"file\"")
            {
                let filename = head
                    .split("filename=\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default()
                    .to_string();
                files.push(json!({
                    "filename": filename,
                    "content": String::from_utf8_lossy(content),
                }));
            }
        }
        pos = next + delim.len();
    }
    Ok((payload, files))
}

pub(super) fn id_of(s: &str) -> Result<u64, Reply> {
    s.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(|| {
        let mut e = FormErrors::default();
        e.add(
            &[],
            "NUMBER_TYPE_COERCE",
            format!("Value \"{s}\" is not snowflake."),
        );
        e.into_reply()
    })
}

/// Discord applies at most this many tags to a forum post.
pub(super) const MAX_APPLIED_TAGS: usize = 5;

/// A forum post's `applied_tags`, checked as Discord does: snowflakes (strings or numbers) of
/// tags the forum has, at most [`MAX_APPLIED_TAGS`]; returns the valid ids, in order.
pub(super) fn applied_tags(
    errs: &mut FormErrors,
    value: Option<&Value>,
    forum: Option<&ForumRec>,
) -> Vec<u64> {
    let path = ["applied_tags".to_string()];
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Vec::new();
    };
    let Some(list) = value.as_array() else {
        errs.add(&path, "BASE_TYPE_ARRAY", "Must be an array.".into());
        return Vec::new();
    };
    if list.len() > MAX_APPLIED_TAGS {
        errs.add(
            &path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_APPLIED_TAGS} or fewer in length."),
        );
    }
    let known: Vec<u64> = forum
        .map(|f| f.tags.iter().map(|(id, _, _)| *id).collect())
        .unwrap_or_default();
    let mut ids = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let id = v
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .or_else(|| v.as_u64());
        let at = path_of(&path, &[&i.to_string()]);
        match id {
            None => errs.add(&at, "NUMBER_TYPE_COERCE", "Value is not snowflake.".into()),
            Some(id) if !known.contains(&id) => errs.add(
                &at,
                "TAG_INVALID",
                format!("Tag {id} is not one of this channel's tags."),
            ),
            Some(id) => ids.push(id),
        }
    }
    ids
}
