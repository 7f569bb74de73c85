//! A community's own texts for the messages tonghao drafts for a person
//! to send (`tonghao template list|show|set|reset`): the activity's
//! announcement, reminder and follow-up, the encouragement to a member
//! slipping from a check-in challenge, and the drafts of next moves.
//! Without one, the catalogue's text is used. A template may use only the
//! placeholders the draft fills (those of the catalogue's text, and for
//! activity drafts every detail of the occurrence).

use crate::i18n::Lang;
use crate::{AppError, Result};
use serde::Serialize;
use std::collections::HashMap;
use tonghao_model::msg::Msg;
use tonghao_store::Store;

const ACTIVITY: &[&str] = &["kind", "title", "time", "tz", "hosted"];
const ACTIVITY_THANKS: &[&str] = &["kind", "title", "time", "tz", "hosted", "speakers"];

/// Every template a community may set: its catalogue key and the
/// placeholders the draft fills.
pub const EDITABLE: &[(&str, &[&str])] = &[
    ("activity_draft.announce", ACTIVITY),
    ("activity_draft.remind", ACTIVITY),
    ("activity_draft.follow_up", ACTIVITY),
    ("activity_draft.follow_up_thanks", ACTIVITY_THANKS),
    ("draft.checkin_encourage", &["name", "days", "longest"]),
    ("draft.welcome", &["name", "group"]),
    ("draft.re_engage", &["name", "group"]),
    ("draft.answer", &["name"]),
    ("draft.split", &["group", "groups"]),
    ("draft.introduce", &["a", "b", "words"]),
    ("draft.introduce_answers", &["a", "b", "words"]),
];

/// The placeholders `key` may use, or an error naming the keys there are.
pub fn placeholders(key: &str) -> Result<&'static [&'static str]> {
    EDITABLE.iter().find(|(k, _)| *k == key).map(|(_, p)| *p).ok_or_else(|| {
        let list = EDITABLE.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
        AppError::Input(Msg::new("error.template_unknown").text("key", key).text("list", list))
    })
}

/// `zh` or `en` (also `zh-CN`), else an error.
pub fn lang_code(lang: &str) -> Result<&'static str> {
    match lang {
        "zh" | "zh-CN" | "zh_CN" => Ok("zh"),
        "en" => Ok("en"),
        other => Err(AppError::Input(Msg::new("error.template_lang").text("lang", other))),
    }
}

/// Checks `text` against the placeholders of `key`: every `{name}` or
/// `{name|one|other}` must name one, braces must close, and a count form
/// has exactly two alternatives.
pub fn validate(key: &str, text: &str) -> Result<()> {
    let allowed = placeholders(key)?;
    if text.trim().is_empty() {
        return Err(AppError::Input(Msg::new("error.template_empty").text("key", key)));
    }
    let list = allowed.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ");
    let wrong = |what: &'static str| Msg::new(what).text("key", key).text("list", list.as_str());
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(AppError::Input(wrong("error.template_close")));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(AppError::Input(wrong("error.template_open").text("brace", "{")));
        };
        let inner = &rest[open + 1..open + close];
        let mut parts = inner.split('|');
        let name = parts.next().unwrap_or_default();
        let forms = parts.count();
        if !allowed.contains(&name) {
            return Err(AppError::Input(
                wrong("error.template_placeholder").text("placeholder", format!("{{{name}}}")),
            ));
        }
        if forms != 0 && forms != 2 {
            return Err(AppError::Input(
                wrong("error.template_plural")
                    .text("placeholder", format!("{{{inner}}}"))
                    .text("example", format!("{{{name}|one|other}}")),
            ));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

/// The community's templates, to word drafts with.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    own: HashMap<(String, Lang), String>,
}

impl Templates {
    /// The templates `community` set.
    pub fn load(store: &dyn Store, community: &str) -> Result<Templates> {
        let mut own = HashMap::new();
        for t in store.templates(community)? {
            let lang = if t.lang == "zh" { Lang::Zh } else { Lang::En };
            own.insert((t.key, lang), t.text);
        }
        Ok(Templates { own })
    }

    /// `msg` worded in `lang`: with the community's template for its key if
    /// it set one, else the catalogue's.
    pub fn msg(&self, lang: Lang, msg: &Msg) -> String {
        match self.own.get(&(msg.key.to_string(), lang)) {
            Some(t) => lang.msg_with(t, msg),
            None => lang.msg(msg),
        }
    }
}

/// One template: the catalogue's text and the community's, per language.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    /// The catalogue key.
    pub key: &'static str,
    /// The placeholders it may use.
    pub placeholders: &'static [&'static str],
    /// The catalogue's Chinese text.
    pub default_zh: &'static str,
    /// The catalogue's English text.
    pub default_en: &'static str,
    /// The community's Chinese text, if set.
    pub zh: Option<String>,
    /// The community's English text, if set.
    pub en: Option<String>,
}

/// Every editable template, with what the community set.
pub fn list(store: &dyn Store, community: &str) -> Result<Vec<Listed>> {
    let own = store.templates(community)?;
    let get = |key: &str, lang: &str| own.iter().find(|t| t.key == key && t.lang == lang).map(|t| t.text.clone());
    Ok(EDITABLE
        .iter()
        .map(|(key, placeholders)| Listed {
            key,
            placeholders,
            default_zh: Lang::Zh.t(key),
            default_en: Lang::En.t(key),
            zh: get(key, "zh"),
            en: get(key, "en"),
        })
        .collect())
}

/// One template.
pub fn show(store: &dyn Store, community: &str, key: &str) -> Result<Listed> {
    placeholders(key)?;
    Ok(list(store, community)?.into_iter().find(|t| t.key == key).expect("an editable key is listed"))
}

/// Sets the community's text for `key` in `lang`, checked first.
pub fn set(store: &dyn Store, community: &str, key: &str, lang: &str, text: &str, now_ms: i64) -> Result<Listed> {
    let lang = lang_code(lang)?;
    validate(key, text)?;
    store.set_template(community, key, lang, Some(text), now_ms)?;
    show(store, community, key)
}

/// Goes back to the catalogue's text for `key` (in `lang`, or both);
/// whether the community had its own.
pub fn reset(store: &dyn Store, community: &str, key: &str, lang: Option<&str>, now_ms: i64) -> Result<bool> {
    placeholders(key)?;
    let langs: Vec<&str> = match lang {
        Some(l) => vec![lang_code(l)?],
        None => vec!["zh", "en"],
    };
    let mut had = false;
    for l in langs {
        had |= store.set_template(community, key, l, None, now_ms)?;
    }
    Ok(had)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue's own texts pass the check, so the lists above hold
    /// every placeholder the drafts use.
    #[test]
    fn the_catalogue_texts_are_valid_templates() {
        for (key, _) in EDITABLE {
            for lang in [Lang::Zh, Lang::En] {
                validate(key, lang.t(key)).unwrap_or_else(|e| panic!("{key} {lang:?}: {e}"));
            }
        }
    }

    #[test]
    fn unknown_placeholders_and_broken_braces_are_refused() {
        let e = validate("draft.checkin_encourage", "{name}，{streak} 天").unwrap_err().to_string();
        assert!(e.contains("unknown placeholder {streak}") && e.contains("{longest}"), "{e}");
        assert!(validate("draft.checkin_encourage", "{name").unwrap_err().to_string().contains("not closed"));
        assert!(validate("draft.checkin_encourage", "{days|day}").unwrap_err().to_string().contains("two forms"));
        assert!(validate("report.title", "x").unwrap_err().to_string().contains("not a template"));
        validate("draft.checkin_encourage", "{name} {days} {days|day|days}").unwrap();
    }
}
