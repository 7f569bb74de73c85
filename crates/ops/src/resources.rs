//! The resource library matched to planned activities (issue 12, part 8):
//! which kind of resource each kind of activity needs, which resources fit
//! it, and which activities lack one.
//!
//! Activities carry no tags of their own: a resource's tag applies to an
//! activity when its title, its group's name or its group's platform id
//! contains the tag (case-insensitive), so a tag "读书" fits "读书会1群" and
//! "每周读书分享". A host or guest named as an activity's host fits it too.

use serde::Serialize;
use tonghao_model::records::{Activity, ActivityKind, Resource, ResourceKind};

/// Tags as kept: trimmed, lower case, each once, sorted; empty ones dropped.
/// `#` and the full-width `＃` that people type before a tag are dropped too.
pub fn normalise_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = tags
        .into_iter()
        .flat_map(|t| t.split([',', '，', '、']))
        .map(|t| t.trim().trim_start_matches(['#', '＃']).trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The kind of resource an activity of `kind` needs, if any: a guest share
/// needs a guest, an offline event a venue, a topic discussion a host, a
/// trial or homework a content piece (the product, the assignment). A
/// check-in challenge runs on its members.
pub fn needs(kind: ActivityKind) -> Option<ResourceKind> {
    match kind {
        ActivityKind::Topic => Some(ResourceKind::Host),
        ActivityKind::Guest => Some(ResourceKind::Guest),
        ActivityKind::Offline => Some(ResourceKind::Venue),
        ActivityKind::Trial | ActivityKind::Homework => Some(ResourceKind::Content),
        ActivityKind::Checkin => None,
    }
}

/// A resource that fits an activity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// The resource's id.
    pub resource: i64,
    /// Its name.
    pub name: String,
    /// Its tags that the activity's title or group carries.
    pub shared_tags: Vec<String>,
    /// It is the person the activity names as its host.
    pub named_host: bool,
}

/// How well the library covers an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// The activity's kind needs no resource.
    NoneNeeded,
    /// A resource of the kind shares a tag with it, or is its named host.
    Matched,
    /// Resources of the kind exist, none shares a tag.
    KindOnly,
    /// The library has no resource of the kind: the activity lacks one.
    Missing,
}

/// One activity and the resources that fit it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActivityMatch {
    /// The activity's id.
    pub activity: i64,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: ActivityKind,
    /// Its group's name.
    pub group: String,
    /// The kind of resource it needs.
    pub needs: Option<ResourceKind>,
    /// How well the library covers it.
    pub coverage: Coverage,
    /// Resources of the needed kind, best first: the named host, then most
    /// shared tags, then by id. Those sharing nothing are listed last (any
    /// of them could do).
    pub fits: Vec<Fit>,
}

/// Matches every activity to the library.
pub fn match_activities(activities: &[Activity], resources: &[Resource]) -> Vec<ActivityMatch> {
    activities
        .iter()
        .map(|a| {
            let needs = needs(a.kind);
            let haystack = format!("{} {} {}", a.title, a.group, a.group_external_id).to_lowercase();
            let host = a.host.as_deref().map(|h| h.trim().to_lowercase());
            let mut fits: Vec<Fit> = resources
                .iter()
                .filter(|r| Some(r.kind) == needs)
                .map(|r| Fit {
                    resource: r.id,
                    name: r.name.clone(),
                    shared_tags: r.tags.iter().filter(|t| haystack.contains(t.as_str())).cloned().collect(),
                    named_host: r.kind.is_person() && host.as_deref() == Some(r.name.trim().to_lowercase().as_str()),
                })
                .collect();
            fits.sort_by(|x, y| {
                y.named_host
                    .cmp(&x.named_host)
                    .then(y.shared_tags.len().cmp(&x.shared_tags.len()))
                    .then(x.resource.cmp(&y.resource))
            });
            let coverage = match needs {
                None => Coverage::NoneNeeded,
                Some(_) if fits.is_empty() => Coverage::Missing,
                Some(_) if fits.iter().any(|f| f.named_host || !f.shared_tags.is_empty()) => Coverage::Matched,
                Some(_) => Coverage::KindOnly,
            };
            ActivityMatch {
                activity: a.id,
                title: a.title.clone(),
                kind: a.kind,
                group: a.group.clone(),
                needs,
                coverage,
                fits,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(id: i64, kind: ActivityKind, title: &str, host: Option<&str>) -> Activity {
        Activity {
            id,
            group_id: 1,
            group: "读书会1群".into(),
            group_external_id: "g1".into(),
            kind,
            title: title.into(),
            start_ms: 0,
            tz: "Asia/Shanghai".into(),
            rrule: None,
            duration_s: 3600,
            created_ms: 0,
            host: host.map(str::to_string),
        }
    }

    fn resource(id: i64, kind: ResourceKind, name: &str, tags: &[&str]) -> Resource {
        Resource {
            id,
            kind,
            name: name.into(),
            tags: normalise_tags(tags.iter().copied()),
            member: None,
            member_id: None,
            note: None,
            created_ms: 0,
        }
    }

    #[test]
    fn tags_are_kept_lower_case_once_and_sorted() {
        assert_eq!(normalise_tags([" AI ", "#读书", "读书，ai", ""]), vec!["ai", "读书"]);
    }

    #[test]
    fn activities_get_the_kind_they_need_best_first_and_lacks_show() {
        let acts = [
            activity(1, ActivityKind::Guest, "AI 嘉宾分享", None),
            activity(2, ActivityKind::Offline, "杭州线下聚会", None),
            activity(3, ActivityKind::Topic, "每周三话题", Some("老周")),
            activity(4, ActivityKind::Checkin, "21天打卡", None),
            activity(5, ActivityKind::Trial, "新品试用", None),
        ];
        let lib = [
            resource(1, ResourceKind::Guest, "王老师", &["教育"]),
            resource(2, ResourceKind::Guest, "李博士", &["ai", "读书"]),
            resource(3, ResourceKind::Host, "老周", &[]),
            resource(4, ResourceKind::Venue, "上海咖啡馆", &["上海"]),
        ];
        let m = match_activities(&acts, &lib);
        // The guest share: 李博士 shares "ai" (title) and "读书" (group), 王老师 nothing.
        assert_eq!(m[0].coverage, Coverage::Matched);
        assert_eq!(m[0].fits.iter().map(|f| f.resource).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(m[0].fits[0].shared_tags, vec!["ai", "读书"]);
        // The Hangzhou meetup: a venue exists, in Shanghai.
        assert_eq!(m[1].coverage, Coverage::KindOnly);
        // The discussion names its host, who is in the library.
        assert_eq!(m[2].coverage, Coverage::Matched);
        assert!(m[2].fits[0].named_host);
        assert_eq!(m[3].coverage, Coverage::NoneNeeded);
        // Nothing to try: the trial lacks its content.
        assert_eq!(m[4].coverage, Coverage::Missing);
        assert!(m[4].fits.is_empty());
    }
}
