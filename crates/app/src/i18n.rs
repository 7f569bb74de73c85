//! Every word a person reads, in Simplified Chinese and English, from one
//! catalogue (`catalogue.toml` beside this file, compiled into the binary).
//!
//! Two kinds of entry:
//! - labels (`lang.t("label.group")`): fixed words;
//! - messages ([`Lang::msg`]): templates filled from a [`Msg`]'s arguments.
//!   `{name}` is the argument as this language writes it; `{name|one|other}`
//!   chooses a form by the count `name` (English plurals).
//!
//! A key missing from the catalogue is a bug: [`Lang::t`] shows the key
//! itself so the page still renders, and the catalogue test fails.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::LazyLock;
use tonghao_model::msg::{Arg, Msg};

/// The language user-facing text is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 简体中文 (zh-CN), the default for WeChat and QQ operators.
    Zh,
    /// English.
    En,
}

/// Both languages of one entry.
struct Entry {
    zh: String,
    en: String,
}

static CATALOGUE: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    let table: toml::Table = include_str!("catalogue.toml").parse().expect("catalogue.toml is valid TOML");
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
});

/// Dotted keys for nested tables: `[signal] unanswered = {…}` is `signal.unanswered`.
fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, Entry>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        let toml::Value::Table(t) = v else { panic!("catalogue entry {key} is not a table") };
        match (t.get("zh"), t.get("en")) {
            (Some(toml::Value::String(zh)), Some(toml::Value::String(en))) => {
                out.insert(key, Entry { zh: zh.clone(), en: en.clone() });
            }
            _ => flatten(&key, t, out),
        }
    }
}

/// Every key in the catalogue, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    CATALOGUE.keys().map(String::as_str)
}

impl Lang {
    /// `--lang` if given, else the locale (`LC_ALL`, then `LANG`): Chinese
    /// for any `zh…`, English otherwise.
    pub fn pick(arg: Option<&str>) -> Lang {
        let env = std::env::var("LC_ALL").or_else(|_| std::env::var("LANG")).unwrap_or_default();
        match arg.unwrap_or(&env) {
            s if s.starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// The short code (`zh`, `en`) that `--lang` takes and JSON fields use.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag (`zh-CN`, `en`) for an HTML `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The label `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        match CATALOGUE.get(key) {
            Some(e) => match self {
                Lang::Zh => &e.zh,
                Lang::En => &e.en,
            },
            None => {
                debug_assert!(false, "catalogue has no key {key:?}");
                // Leaked once per missing key and call: a bug made visible, never a crash.
                Box::leak(key.to_string().into_boxed_str())
            }
        }
    }

    /// The message worded in this language.
    pub fn msg(self, msg: &Msg) -> String {
        self.fill(self.t(msg.key), msg)
    }

    /// `msg` worded with `template` instead of the catalogue's text (a
    /// community's own template: `crate::templates`).
    pub fn msg_with(self, template: &str, msg: &Msg) -> String {
        self.fill(template, msg)
    }

    /// Fills `template`'s `{name}` and `{name|one|other}` from `msg`.
    fn fill(self, template: &str, msg: &Msg) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else { break };
            let inner = &rest[open + 1..open + close];
            let mut parts = inner.split('|');
            let name = parts.next().unwrap_or_default();
            let forms: Vec<&str> = parts.collect();
            match (msg.arg(name), forms.as_slice()) {
                (Some(arg), []) => self.format_arg(&mut out, arg),
                (Some(Arg::Int(n)), [one, other]) => out.push_str(if *n == 1 { one } else { other }),
                // A whole number written as a figure ("1 day", "1.5 days").
                (Some(Arg::Num(x, d)), [one, other]) => {
                    out.push_str(if *d == 0 && x.round() == 1.0 { one } else { other })
                }
                _ => {
                    debug_assert!(false, "{}: no argument for {{{inner}}}", msg.key);
                    out.push_str(&rest[open..=open + close]);
                }
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn format_arg(self, out: &mut String, arg: &Arg) {
        let _ = match arg {
            Arg::Int(n) => write!(out, "{n}"),
            Arg::Share(x) => write!(out, "{:.0}%", x * 100.0),
            Arg::Num(x, d) => write!(out, "{x:.*}", *d as usize),
            Arg::Text(s) => write!(out, "{s}"),
            Arg::Words(m) => write!(out, "{}", self.msg(m)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry has both languages and the same placeholders in each (a
    /// Chinese sentence never drops a figure the English one shows).
    #[test]
    fn every_entry_has_the_same_placeholders_in_both_languages() {
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next())
                .map(|p| p.split('|').next().unwrap_or_default().to_string())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        for (key, e) in CATALOGUE.iter() {
            assert!(!e.zh.is_empty() && !e.en.is_empty(), "{key} is empty in a language");
            assert_eq!(names(&e.zh), names(&e.en), "{key}: placeholders differ between zh and en");
        }
    }

    #[test]
    fn templates_fill_counts_shares_numbers_and_plurals() {
        let m = Msg::new("stage_rule.quiet_month").int("last_4w", 1);
        assert_eq!(Lang::En.msg(&m), "only 1 message in the last 4 weeks");
        assert_eq!(Lang::Zh.msg(&m), "近 4 周只有 1 条消息");
        let m = Msg::new("stage_rule.quiet_month").int("last_4w", 3);
        assert_eq!(Lang::En.msg(&m), "only 3 messages in the last 4 weeks");
        let why = Msg::new("stage_rule.quiet_fortnight").int("last_2w", 1);
        let m = Msg::new("signal.silence_stage").words("why", why);
        assert_eq!(Lang::En.msg(&m), "the group is silent: 1 message in the last 2 weeks");
        assert_eq!(Lang::Zh.msg(&m), "群已沉寂：近 2 周只有 1 条消息");
        let m = Msg::new("signal.concentration").share("share", 0.384);
        assert_eq!(Lang::En.msg(&m), "the top 20% of senders wrote 38% of messages");
    }

    /// Counts agree with their nouns, units are the reader's (issue 9: "1
    /// threads", "2.4 min" to a Chinese reader).
    #[test]
    fn plurals_and_units() {
        let r = |threads: i64| {
            Msg::new("text.responsiveness").int("threads", threads).text("unanswered", "-").text("median", "-")
        };
        assert!(Lang::En.msg(&r(1)).starts_with("responsiveness: 1 thread, "));
        assert!(Lang::En.msg(&r(0)).starts_with("responsiveness: 0 threads, - unanswered"));
        let answer = |days: f64| Msg::new("move.answer").text("name", "Ann").num("days", days, 0);
        assert_eq!(Lang::En.msg(&answer(1.0)), "answer Ann's question: unanswered for 1 day");
        assert_eq!(Lang::En.msg(&answer(3.0)), "answer Ann's question: unanswered for 3 days");
        assert_eq!(Lang::Zh.msg(&answer(1.0)), "回复 Ann 的提问：1 天了没人回答");
        let d = |s: f64| crate::view::duration(Some(s), 1, Lang::En);
        assert_eq!((d(144.0), d(36_396.0), d(302_400.0)), ("2.4 min".into(), "10.1 h".into(), "3.5 days".into()));
        assert_eq!(crate::view::duration(Some(36_396.0), 1, Lang::Zh), "10.1 小时");
        let m = Msg::new("unit.minutes").num("n", 2.4, 1);
        assert_eq!((Lang::Zh.msg(&m), Lang::En.msg(&m)), ("2.4 分钟".to_string(), "2.4 min".to_string()));
    }

    /// The insight engine's messages as people read them (these sentences
    /// were asserted in the insight tests before the words moved here).
    #[test]
    fn insight_messages_read_as_before() {
        let faded = Msg::new("signal.faded").share("share", 24.0 / 160.0).num("peak", 160.0, 0).int("recent", 24);
        assert_eq!(
            Lang::En.msg(&faded),
            "traffic is 15% of its peak in the last year (busiest 4 weeks 160, last 4 weeks 24)"
        );
        let hub = Msg::new("signal.hub_dependence").share("share", 1.0).int("pairs", 6).text("name", "小李");
        assert_eq!(Lang::Zh.msg(&hub), "100% 的互动（6 对成员之间）都经过 小李：此人一走，群就散了");
        let active = Msg::new("feature.active_4w").int("n", 3);
        assert_eq!(Lang::Zh.msg(&active), "近 4 周 3 人发言");
        assert_eq!(Lang::En.msg(&active), "3 people posted in the last 4 weeks");
        let pace = Msg::new("feature.pace").num("pace", 2.0, 1).share("chance", 0.31);
        assert!(Lang::En.msg(&pace).starts_with("about 2.0 messages a week lately"));
    }
}
